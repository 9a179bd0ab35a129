"""The reconcile loop: learn the fate of calls whose callbacks never came.

- Calls handed over (`remotely_queued`/`in_progress`) with no final status
  SCFM_STATUS_FETCH_AFTER_SECONDS after hand-over are fetched from the provider, then again every
  SCFM_STATUS_FETCH_INTERVAL_SECONDS. This updates status and duration only; no call flow runs.
- Calls whose hand-over outcome is unknown (claimed, lease expired, no CallSid) are never sent
  again. If no callback has named them within SCFM_STATUS_FETCH_AFTER_SECONDS of the lease
  expiring, the provider never took them: they become `errored` and the retry rule applies.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.calls.retries import schedule_retry
from scfm.calls.services import record_remote_status
from scfm.calls.states import EXPIRY_AFTER, PhoneCallStatus
from scfm.engine.providers import provider_config
from scfm.telephony import provider

logger = logging.getLogger(__name__)

BATCH = 50


def tick(now: datetime | None = None) -> bool:
    """Fetch a batch of stale calls and expire unknown hand-overs; return whether there was any."""
    now = now or timezone.now()
    fetched = fetch_stale_calls(now=now)
    settled = settle_unknown_hand_overs(now=now)
    return bool(fetched or settled)


def fetch_stale_calls(*, now: datetime) -> int:
    fetch_after = timedelta(seconds=settings.SCFM_STATUS_FETCH_AFTER_SECONDS)
    interval = timedelta(seconds=settings.SCFM_STATUS_FETCH_INTERVAL_SECONDS)
    due = Q(remote_status_fetch_queued_at__isnull=True) | Q(remote_status_fetch_queued_at__lte=now - interval)
    candidates = list(
        PhoneCall.objects.filter(
            due,
            status__in=(PhoneCallStatus.REMOTELY_QUEUED, PhoneCallStatus.IN_PROGRESS),
            remotely_queued_at__lte=now - fetch_after,
            remote_call_id__isnull=False,
        )
        .order_by("remotely_queued_at")
        .values_list("id", flat=True)[:BATCH]
    )
    done = 0
    for phone_call_id in candidates:
        # Claim the fetch: the marker moves only if no other engine moved it first.
        claimed = PhoneCall.objects.filter(due, pk=phone_call_id).update(remote_status_fetch_queued_at=now)
        if claimed:
            fetch_and_record(phone_call_id, now=now)
            done += 1
    return done


def fetch_and_record(phone_call_id: int, *, now: datetime) -> str | None:
    """Fetch one call from its provider and apply what it says; return the status it moved to."""
    call = PhoneCall.objects.select_related("account").get(pk=phone_call_id)
    try:
        remote = provider.fetch_call(provider_config(call.account), call.remote_call_id)
    except provider.ProviderRefused as error:
        if call.remotely_queued_at and call.remotely_queued_at < now - EXPIRY_AFTER and error.status == 404:
            # The provider does not know the call and an hour has passed: it will not happen.
            return _expire(call, now=now, reason=f"fetch failed: {error.message}")
        logger.warning("Fetching phone call %s failed: %s", call.pk, error)
        return None
    except provider.ProviderError as error:
        logger.warning("Fetching phone call %s failed: %s", call.pk, error)
        return None
    with transaction.atomic():
        PhoneCall.objects.filter(pk=call.pk).update(remote_response=remote.resource)
        moved_to = record_remote_status(
            phone_call=call, remote_status=remote.status or "", duration=remote.duration, now=now
        )
        if moved_to:
            schedule_retry(phone_call_id=call.pk, status=moved_to, now=now)
    return moved_to


def _expire(call: PhoneCall, *, now: datetime, reason: str) -> str | None:
    with transaction.atomic():
        moved = PhoneCall.objects.filter(
            pk=call.pk, status__in=(PhoneCallStatus.REMOTELY_QUEUED, PhoneCallStatus.IN_PROGRESS)
        ).update(
            status=PhoneCallStatus.EXPIRED,
            remote_error_message=reason,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if moved:
            schedule_retry(phone_call_id=call.pk, status=PhoneCallStatus.EXPIRED, now=now)
    return PhoneCallStatus.EXPIRED if moved else None


def settle_unknown_hand_overs(*, now: datetime) -> int:
    """Mark `errored` the claimed calls no provider ever acknowledged, well after their lease."""
    grace = timedelta(seconds=settings.SCFM_STATUS_FETCH_AFTER_SECONDS)
    stale = list(
        PhoneCall.objects.filter(
            status=PhoneCallStatus.QUEUED, remote_call_id__isnull=True, claim_expires_at__lte=now - grace
        ).values_list("id", flat=True)[:BATCH]
    )
    for phone_call_id in stale:
        with transaction.atomic():
            moved = PhoneCall.objects.filter(
                pk=phone_call_id, status=PhoneCallStatus.QUEUED, remote_call_id__isnull=True
            ).update(
                status=PhoneCallStatus.ERRORED,
                claimed_by=None,
                claim_expires_at=None,
                remotely_queued_at=now,
                remote_error_message="hand-over outcome unknown and no word from the provider",
                lock_version=F("lock_version") + 1,
                updated_at=now,
            )
            if moved:
                schedule_retry(phone_call_id=phone_call_id, status=PhoneCallStatus.ERRORED, now=now)
    return len(stale)
