"""The dial loop: hand `created` calls of running callouts to the provider at each account's pace.

A call is claimed (`created` → `queued`, with a lease) and committed *before* its request leaves,
so a crash can never make the same attempt go out twice: a claimed call whose outcome is unknown
is left for the reconcile loop, never sent again.
"""

import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import BoundedSemaphore

from django.db import close_old_connections, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.callouts.models import Callout
from scfm.callouts.states import CalloutStatus
from scfm.calls.models import PhoneCall
from scfm.calls.retries import schedule_retry
from scfm.calls.states import PhoneCallStatus
from scfm.engine.providers import phone_call_webhook_url, provider_config
from scfm.telephony import provider

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
# Unused pace does not pile up: after an idle spell an account may catch up on this much time at
# most, about one dial tick, so the pace stays even.
MAX_CATCH_UP = timedelta(milliseconds=250)
BUSY_BACKOFF = timedelta(seconds=2)


@dataclass
class Dialer:
    """Claims calls and hands them over on a pool of threads, at most `max_in_flight` at a time."""

    worker: str
    max_in_flight: int = 64
    max_claim: int = 100
    _pool: ThreadPoolExecutor = field(init=False)
    _slots: BoundedSemaphore = field(init=False)
    _in_flight: set[Future] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="dial")
        self._slots = BoundedSemaphore(self.max_in_flight)

    def tick(self, now: datetime | None = None) -> bool:
        """Claim what each account may hand over now and start sending it; return whether any was."""
        now = now or timezone.now()
        running = (
            Callout.objects.filter(status=CalloutStatus.RUNNING).order_by().values_list("account_id", "id")
        )
        callouts_by_account: dict[int, list[int]] = {}
        for account_id, callout_id in running:
            callouts_by_account.setdefault(account_id, []).append(callout_id)
        did_work = False
        for account_id, callout_ids in callouts_by_account.items():
            capacity = self.free_capacity()
            if capacity == 0:
                break
            claimed = claim_calls(
                account_id=account_id,
                callout_ids=callout_ids,
                worker=self.worker,
                now=now,
                limit=min(capacity, self.max_claim),
            )
            for phone_call_id in claimed:
                self._start(phone_call_id)
            did_work = did_work or bool(claimed)
        return did_work

    def free_capacity(self) -> int:
        self._in_flight = {future for future in self._in_flight if not future.done()}
        return self.max_in_flight - len(self._in_flight)

    def _start(self, phone_call_id: int) -> None:
        self._in_flight.add(self._pool.submit(_hand_over_in_thread, phone_call_id))

    def drain(self) -> None:
        """Wait for every hand-over under way to be recorded (used on shutdown)."""
        self._pool.shutdown(wait=True)


def claim_calls(
    *, account_id: int, callout_ids: list[int], worker: str, now: datetime, limit: int
) -> list[int]:
    """Claim up to the account's allowance of due calls; return their ids (committed)."""
    with transaction.atomic():
        account = Account.objects.select_for_update(skip_locked=True).filter(pk=account_id).first()
        if account is None:
            return []  # another engine is pacing this account right now
        rate_per_minute = account.int_setting("phone_call_queue_limit")
        if rate_per_minute <= 0:
            return []
        interval = timedelta(seconds=60 / rate_per_minute)
        start = max(account.next_dial_at or now - MAX_CATCH_UP, now - MAX_CATCH_UP)
        if start > now:
            return []
        allowance = min(limit, math.floor((now - start) / interval) + 1)
        ids = list(
            PhoneCall.objects.filter(
                account_id=account_id, callout_id__in=callout_ids, status=PhoneCallStatus.CREATED
            )
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:allowance]
        )
        if not ids:
            return []
        PhoneCall.objects.filter(pk__in=ids, status=PhoneCallStatus.CREATED).update(
            status=PhoneCallStatus.QUEUED,
            claimed_by=worker,
            claim_expires_at=now + CLAIM_LEASE,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        Account.objects.filter(pk=account_id).update(next_dial_at=start + interval * len(ids))
    return ids


def _hand_over_in_thread(phone_call_id: int) -> None:
    try:
        hand_over(phone_call_id)
    except Exception:  # a bug here must not kill the pool; the lease makes reconcile pick it up
        logger.exception("Hand-over of phone call %s failed", phone_call_id)
    finally:
        close_old_connections()


def hand_over(phone_call_id: int) -> str:
    """Send one claimed call to the provider and record the answer; return the resulting status."""
    call = PhoneCall.objects.select_related("account").get(pk=phone_call_id)
    if call.status != PhoneCallStatus.QUEUED or call.remote_call_id:
        return call.status
    url = phone_call_webhook_url(call.pk)
    try:
        placed = provider.place_call(
            provider_config(call.account),
            to=call.msisdn,
            from_=str(call.account.setting("from_phone_number")),
            url=url,
            status_callback=url,
        )
    except provider.ProviderBusy as error:
        return _release(call, error)
    except provider.ProviderRefused as error:
        return _record_refusal(call, error)
    except provider.OutcomeUnknown as error:
        logger.warning(
            "Phone call %s: hand-over outcome unknown (%s); left for reconciliation", call.pk, error
        )
        # The request is over, so the claim ends now; reconciliation counts its grace from here.
        PhoneCall.objects.filter(pk=call.pk, status=PhoneCallStatus.QUEUED).update(
            remote_error_message=f"outcome unknown: {error.message}", claim_expires_at=timezone.now()
        )
        return PhoneCallStatus.QUEUED
    return _record_placed(call, placed)


def _record_placed(call: PhoneCall, placed: provider.PlacedCall) -> str:
    now = timezone.now()
    was_queued = When(status=PhoneCallStatus.QUEUED, then=Value(PhoneCallStatus.REMOTELY_QUEUED))
    # A fast provider's callback may have moved the call already; then only the record is filled in.
    PhoneCall.objects.filter(pk=call.pk).update(
        status=Case(was_queued, default=F("status")),
        remote_status=Case(
            When(status=PhoneCallStatus.QUEUED, then=Value(placed.status)), default=F("remote_status")
        ),
        remote_call_id=Coalesce(F("remote_call_id"), Value(placed.sid)),
        remote_direction=Coalesce(F("remote_direction"), Value(placed.direction)),
        remote_queue_response=placed.resource,
        remote_error_message=None,
        remotely_queued_at=now,
        claimed_by=None,
        claim_expires_at=None,
        lock_version=F("lock_version") + 1,
        updated_at=now,
    )
    return PhoneCallStatus.REMOTELY_QUEUED


def _record_refusal(call: PhoneCall, error: provider.ProviderError) -> str:
    now = timezone.now()
    with transaction.atomic():
        moved = PhoneCall.objects.filter(pk=call.pk, status=PhoneCallStatus.QUEUED).update(
            status=PhoneCallStatus.ERRORED,
            remote_error_message=error.message,
            remotely_queued_at=now,
            claimed_by=None,
            claim_expires_at=None,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if moved:
            schedule_retry(phone_call_id=call.pk, status=PhoneCallStatus.ERRORED, now=now)
    return PhoneCallStatus.ERRORED


def _release(call: PhoneCall, error: provider.ProviderError) -> str:
    """Give a call the provider certainly did not create back to the queue, and slow the account."""
    now = timezone.now()
    logger.info("Phone call %s not accepted now (%s); released", call.pk, error)
    with transaction.atomic():
        PhoneCall.objects.filter(
            pk=call.pk, status=PhoneCallStatus.QUEUED, remote_call_id__isnull=True
        ).update(
            status=PhoneCallStatus.CREATED,
            claimed_by=None,
            claim_expires_at=None,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        Account.objects.filter(pk=call.account_id).update(
            next_dial_at=Greatest(Coalesce(F("next_dial_at"), Value(now)), Value(now)) + BUSY_BACKOFF
        )
    return PhoneCallStatus.CREATED
