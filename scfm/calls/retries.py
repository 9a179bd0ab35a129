"""The retry rules (DESIGN.md §6): when an unsuccessful call is tried again, and whether it is.

A call that ends `not_answered`, `busy`, `failed`, `canceled`, `expired` or `errored` gets a
`retry_at`, after a delay its callout's `retry_policy` picks for that outcome (else the single
`phone_call_retry_delay_seconds`). When it is due, the engine's retry loop creates the
participation's next `created` attempt unless the participation was answered, already has another
call under way, has used its attempts (`max_phone_calls_for_callout_participation`, never more
than 10), or its callout's `stop_at` has passed. A refusal that says the number can never be
called gets no retry at all (`scfm.calls.lifecycle.record_refusal`).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from scfm.accounts.models import Account
from scfm.callouts.delivery import MAX_RETRY_DELAY_SECONDS, DeliveryPolicy, policy_for
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.callouts.services import max_phone_calls
from scfm.calls.models import PhoneCall
from scfm.calls.states import ACTIVE_STATUSES, INITIAL_STATUS, RETRY_STATUSES
from scfm.core import clock


def retry_delay_seconds(account: Account, callout: Callout | None) -> int:
    """Return the callout's `phone_call_retry_delay_seconds`, else the account's (default 900),
    between 0 and MAX_RETRY_DELAY_SECONDS: the delay of an outcome the retry policy does not name."""
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


def next_retry_delay_seconds(
    policy: DeliveryPolicy, *, account: Account, callout: Callout | None, outcome: str, times: int
) -> int | None:
    """Return the delay before retrying a participation whose calls have ended with `outcome`
    `times` times (the latest included), or None for no retry.

    The callout's ladder for the outcome gives one delay per retry: the `times`-th rung, none past
    its end (`[]`: never). An outcome the policy does not name waits the single configured delay.
    """
    ladder = policy.retry_ladders.get(outcome)
    if ladder is None:
        return retry_delay_seconds(account, callout)
    return ladder[times - 1] if 0 < times <= len(ladder) else None


def schedule_retry(*, phone_call_id: int, status: str, now: datetime) -> None:
    """Mark a call that just ended with `status` for a retry after the delay its callout's policy
    gives that outcome, unless no retry is due: answered, out of attempts, past the end of the
    outcome's ladder, or a retry time at or after the callout's `stop_at`.

    Runs in every webhook that ends a call unsuccessfully: two queries (the call with its account,
    callout, participation and the count of the participation's calls that ended the same way;
    then the UPDATE).
    """
    if status not in RETRY_STATUSES:
        return
    same_outcome = (
        PhoneCall.objects.filter(callout_participation_id=OuterRef("callout_participation_id"), status=status)
        .order_by()
        .values("callout_participation_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    call = (
        PhoneCall.objects.select_related("account", "callout", "callout_participation")
        .filter(pk=phone_call_id, callout_participation__isnull=False)
        .annotate(same_outcome=Coalesce(Subquery(same_outcome), 0))
        .first()
    )
    if call is None:
        return  # inbound calls are never retried
    participation = call.callout_participation
    if participation.answered or participation.phone_calls_count >= max_phone_calls(
        call.account, call.callout
    ):
        return  # nothing left to try; the retry loop would only find that out later
    policy = policy_for(call.callout.settings if call.callout else None, call.account.settings)
    delay = next_retry_delay_seconds(
        policy, account=call.account, callout=call.callout, outcome=status, times=call.same_outcome
    )
    if delay is None:
        return  # this outcome's ladder is used up (or empty: never retried)
    retry_at = now + timedelta(seconds=delay)
    if policy.stop_at is not None and clock.to_calendar(retry_at) >= policy.stop_at:
        return  # the callout makes no call at or after its stop_at
    PhoneCall.objects.filter(pk=phone_call_id, retry_at__isnull=True).update(retry_at=retry_at)


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
    calendar_now = clock.now()
    # Per callout: how many attempts a participation gets (0 once its stop_at has passed).
    limits: dict[int, int] = {}
    chosen = []
    for participation in participations:
        callout = participation.callout
        if callout.pk not in limits:
            stopped = policy_for(callout.settings, callout.account.settings).has_stopped(calendar_now)
            limits[callout.pk] = 0 if stopped else max_phone_calls(callout.account, callout)
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
