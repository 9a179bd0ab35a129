"""The retry rule (DESIGN.md §6): one rule for every unsuccessful final status.

A call that ends `not_answered`, `busy`, `failed`, `canceled`, `expired` or `errored` gets a
`retry_at`; when it is due, the engine's retry loop creates the participation's next `created`
attempt unless the participation was answered, already has another call under way, or has used
its attempts (`max_phone_calls_for_callout_participation`, never more than 10).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from scfm.accounts.models import Account
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.callouts.services import max_phone_calls
from scfm.calls.models import PhoneCall
from scfm.calls.states import ACTIVE_STATUSES, INITIAL_STATUS, RETRY_STATUSES

# Settings are free JSON through the API: a client may store any number. A longer delay is not
# a retry any more, and a date past the year 9999 would fail every webhook that schedules one.
MAX_RETRY_DELAY_SECONDS = 7 * 24 * 60 * 60


def retry_delay_seconds(account: Account, callout: Callout | None) -> int:
    """Return the callout's `phone_call_retry_delay_seconds`, else the account's (default 900),
    between 0 and MAX_RETRY_DELAY_SECONDS."""
    value = (
        callout.settings.get("phone_call_retry_delay_seconds")
        if callout and isinstance(callout.settings, dict)
        else None
    )
    try:
        delay = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        delay = None
    if delay is None:
        delay = account.int_setting("phone_call_retry_delay_seconds")
    return max(0, min(delay, MAX_RETRY_DELAY_SECONDS))


def schedule_retry(*, phone_call_id: int, status: str, now: datetime) -> None:
    """Mark a call that just ended with `status` for a retry after the configured delay."""
    if status not in RETRY_STATUSES:
        return
    call = (
        PhoneCall.objects.select_related("account", "callout", "callout_participation")
        .filter(pk=phone_call_id, callout_participation__isnull=False)
        .first()
    )
    if call is None:
        return  # inbound calls are never retried
    participation = call.callout_participation
    if participation.answered or participation.phone_calls_count >= max_phone_calls(
        call.account, call.callout
    ):
        return  # nothing left to try; the retry loop would only find that out later
    delay = retry_delay_seconds(call.account, call.callout)
    PhoneCall.objects.filter(pk=phone_call_id, retry_at__isnull=True).update(
        retry_at=now + timedelta(seconds=delay)
    )


@transaction.atomic
def create_next_attempts(*, phone_call_ids: list[int]) -> list[PhoneCall]:
    """Create the next attempts for due calls' participations, as the rule allows, in one transaction.

    Each due call's `retry_at` is cleared (only calls still due are handled: another engine may
    have taken some). A participation gets one new `created` call unless it was answered, has used
    its attempts, or already has a call under way; two due calls of one participation give it one.
    A fixed number of queries whatever the number of calls.
    """
    due = list(
        PhoneCall.objects.select_for_update(skip_locked=True)
        .filter(pk__in=phone_call_ids, retry_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "callout_participation_id", "account_id")
    )
    if not due:
        return []
    PhoneCall.objects.filter(pk__in=[pk for pk, _, _ in due]).update(retry_at=None)
    account_of = {participation_id: account_id for _, participation_id, account_id in due if participation_id}
    # Locked in id order (no deadlock between engines); held until the new calls are committed.
    # Only the participations: the dial loop skips an account whose row is locked.
    participations = list(
        CalloutParticipation.objects.select_for_update(of=("self",))
        .filter(pk__in=account_of, answered=False)
        .select_related("callout__account")
        .order_by("pk")
    )
    busy = set(
        PhoneCall.objects.filter(
            callout_participation_id__in=[p.pk for p in participations], status__in=ACTIVE_STATUSES
        ).values_list("callout_participation_id", flat=True)
    )
    limits: dict[int, int] = {}
    chosen = []
    for participation in participations:
        callout = participation.callout
        if callout.pk not in limits:
            limits[callout.pk] = max_phone_calls(callout.account, callout)
        if participation.pk not in busy and participation.phone_calls_count < limits[callout.pk]:
            chosen.append(participation)
    if not chosen:
        return []
    # The rows are locked: this UPDATE finds each of them as it was read above.
    CalloutParticipation.objects.filter(pk__in=[p.pk for p in chosen], answered=False).update(
        phone_calls_count=F("phone_calls_count") + 1
    )
    return PhoneCall.objects.bulk_create(
        PhoneCall(
            callout_participation=participation,
            callout_id=participation.callout_id,
            contact_id=participation.contact_id,
            account_id=account_of[participation.pk],
            msisdn=participation.msisdn,
            call_flow_logic=participation.call_flow_logic,
            status=INITIAL_STATUS,
        )
        for participation in chosen
    )
