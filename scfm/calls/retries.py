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
from scfm.calls.states import RETRY_STATUSES, PhoneCallStatus

ACTIVE_STATUSES = (
    PhoneCallStatus.CREATED,
    PhoneCallStatus.QUEUED,
    PhoneCallStatus.REMOTELY_QUEUED,
    PhoneCallStatus.IN_PROGRESS,
)


def retry_delay_seconds(account: Account, callout: Callout | None) -> int:
    """Return the callout's `phone_call_retry_delay_seconds`, else the account's (default 900)."""
    value = (
        callout.settings.get("phone_call_retry_delay_seconds")
        if callout and isinstance(callout.settings, dict)
        else None
    )
    try:
        if value not in (None, ""):
            return max(0, int(value))
    except (TypeError, ValueError):
        pass
    return max(0, account.int_setting("phone_call_retry_delay_seconds"))


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
def create_next_attempt(*, phone_call_id: int) -> PhoneCall | None:
    """Create the next attempt for a due call's participation, if the rule allows; clear `retry_at`."""
    claimed = PhoneCall.objects.filter(pk=phone_call_id, retry_at__isnull=False).update(retry_at=None)
    if not claimed:
        return None  # another engine handled it
    call = PhoneCall.objects.select_related("account", "callout").get(pk=phone_call_id)
    participation = (
        CalloutParticipation.objects.select_for_update().filter(pk=call.callout_participation_id).first()
    )
    if participation is None or participation.answered:
        return None
    if participation.phone_calls_count >= max_phone_calls(call.account, call.callout):
        return None
    if participation.phone_calls.filter(status__in=ACTIVE_STATUSES).exists():
        return None
    moved = CalloutParticipation.objects.filter(
        pk=participation.pk, phone_calls_count=participation.phone_calls_count, answered=False
    ).update(phone_calls_count=F("phone_calls_count") + 1)
    if not moved:
        return None
    return PhoneCall.objects.create(
        callout_participation=participation,
        callout_id=participation.callout_id,
        contact_id=participation.contact_id,
        account_id=call.account_id,
        msisdn=participation.msisdn,
        call_flow_logic=participation.call_flow_logic,
    )
