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
from django.db.models import Q
from django.utils import timezone

from scfm.calls import lifecycle
from scfm.calls.models import PhoneCall
from scfm.calls.states import EXPIRY_AFTER, IN_FLIGHT_STATUSES
from scfm.engine.providers import provider_config
from scfm.telephony import provider

logger = logging.getLogger(__name__)

BATCH = 50
# Provider clocks may run a little behind ours.
CLOCK_SKEW = timedelta(seconds=30)


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
    # A call whose hand-over was cut short (the engine died before recording it, a callback then
    # named it) has no remotely_queued_at; its claim tells when it left.
    handed_over_before = Q(remotely_queued_at__lte=now - fetch_after) | Q(
        remotely_queued_at__isnull=True, claim_expires_at__lte=now - fetch_after
    )
    candidates = list(
        PhoneCall.objects.filter(
            due,
            handed_over_before,
            status__in=IN_FLIGHT_STATUSES,
            remote_call_id__isnull=False,
        )
        .order_by("id")
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
            return lifecycle.expire_unknown(call, reason=f"fetch failed: {error.message}", now=now)
        logger.warning("Fetching phone call %s failed: %s", call.pk, error)
        return None
    except provider.ProviderError as error:
        logger.warning("Fetching phone call %s failed: %s", call.pk, error)
        return None
    return lifecycle.record_polled_status(
        call, remote_status=remote.status or "", duration=remote.duration, resource=remote.resource, now=now
    )


def settle_unknown_hand_overs(*, now: datetime) -> int:
    """Settle claimed calls no callback ever named, well after their lease ran out.

    The provider's list of calls to the number since the claim tells whether the request got
    through: if it did, the call is bound to that CallSid and takes its status; if not, it never
    went out and becomes `errored` (the retry rule applies). A call is never sent twice.
    """
    grace = timedelta(seconds=settings.SCFM_STATUS_FETCH_AFTER_SECONDS)
    stale = lifecycle.claimed_calls_never_named(lease_expired_before=now - grace, limit=BATCH)
    for call in stale:
        claimed_at = lifecycle.claimed_time(call) - CLOCK_SKEW
        try:
            found = provider.find_calls(
                provider_config(call.account), to=call.msisdn, created_since=claimed_at
            )
        except provider.NotConfigured:
            found = []
        except provider.ProviderError as error:
            logger.warning(
                "Looking up phone call %s at the provider failed: %s; trying later", call.pk, error
            )
            continue
        known = set(
            PhoneCall.objects.filter(remote_call_id__in=[c.sid for c in found]).values_list(
                "remote_call_id", flat=True
            )
        )
        unclaimed = [(remote, remote.sid) for remote in found if remote.sid and remote.sid not in known]
        if unclaimed:
            remote, sid = unclaimed[0]
            lifecycle.bind_remote_call(
                call,
                sid=sid,
                resource=remote.resource,
                remote_status=remote.status or "",
                duration=remote.duration,
                now=now,
            )
        else:
            lifecycle.give_up_unsent(call, now=now)
    return len(stale)
