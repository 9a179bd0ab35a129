"""The dial loop: hand `created` calls of running callouts to the provider at each account's pace.

A call is claimed (`created` → `queued`, with a lease) and committed *before* its request leaves,
so a crash can never make the same attempt go out twice: a claimed call whose outcome is unknown
is left for the reconcile loop, never sent again.

Each tick, under the account's row lock (so several engines never dial one account at once):
the account's allowance is its pace (`pacing`), capped by `max_concurrent_calls` (its calls
between claim and a final status, counted under the lock); the callouts that have started and
not stopped (`start_at`, `stop_at` on the calendar clock) share it by priority (`shares`); each
callout's claim holds calls outside their calling window until it opens (`windows`).
"""

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass, field
from datetime import datetime
from threading import Event

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.accounts.settings import max_concurrent_calls
from scfm.callouts.delivery import DeliveryPolicy, policy_for
from scfm.callouts.models import Callout
from scfm.callouts.states import CalloutStatus
from scfm.calls import lifecycle
from scfm.calls.models import PhoneCall
from scfm.core import clock
from scfm.engine import pacing
from scfm.engine.providers import phone_call_webhook_url, provider_config
from scfm.engine.shares import AccountShares
from scfm.engine.windows import CallWindows
from scfm.telephony import provider

logger = logging.getLogger(__name__)

# Hand-overs recorded per UPDATE.
RECORD_BATCH = 500


@dataclass(frozen=True)
class ClaimedCall:
    id: int
    msisdn: str
    account_id: int


@dataclass(frozen=True)
class Claim:
    """What one claim took, and when the account may hand over its next call."""

    calls: list[ClaimedCall]
    account: Account | None = None
    # When the account may have calls to hand over again, if known: the pace held calls back, a
    # callout's `start_at` comes, or the window of calls held for it opens.
    next_due: datetime | None = None
    skipped: list[int] = field(default_factory=list)  # claimed calls that already have a CallSid
    held: int = 0  # calls found outside their calling window, held until it opens


@dataclass(frozen=True)
class RunningCallout:
    """A running callout as one claim sees it: its delivery policy, and when the window of the
    first of its calls held for their calling window opens (None: none is held)."""

    policy: DeliveryPolicy
    first_held_opening: datetime | None

    def has_held_calls_due(self, now: datetime) -> bool:
        """Whether a claim looks at held calls first: those whose window opened by `now`, or any
        when the callout has no window now (the window that held them is gone)."""
        if self.first_held_opening is None:
            return False
        return self.policy.window is None or self.first_held_opening <= now


@dataclass(frozen=True)
class Sender:
    """An account's provider and caller ID, read once per claim."""

    config: provider.ProviderConfig
    from_: str


@dataclass(frozen=True)
class Outcome:
    """What the provider answered to one hand-over, and when the answer came."""

    call: ClaimedCall
    at: datetime
    placed: provider.PlacedCall | None = None
    error: provider.ProviderError | None = None


@dataclass
class Dialer:
    """Claims calls and hands them over on a pool of threads, at most `max_in_flight` at a time.

    The pool's threads only talk to the provider; they never touch the database, so a large
    `max_in_flight` costs no database connections. The dial loop's thread claims calls (each
    claim committed before its requests leave) and records the provider's answers in batches.
    """

    worker: str
    max_in_flight: int = 64
    max_claim: int = 100
    _pool: ThreadPoolExecutor = field(init=False)
    _in_flight: dict[Future[Outcome], ClaimedCall] = field(init=False, default_factory=dict)
    _next_due: datetime | None = field(init=False, default=None)
    # Each account's priority shares, carried from tick to tick (see scfm.engine.shares).
    _shares: dict[int, AccountShares] = field(init=False, default_factory=dict)
    # Provider requests answered and recorded by this dialer (placed or refused): the engine
    # reports it when it stops, which shows how several engines shared the work.
    requests_recorded: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="dial")

    def tick(self, now: datetime | None = None) -> bool:
        """Record the answers that came back, then claim what each account may hand over now and
        start sending it; return whether anything was done."""
        recorded = self.record_finished()
        now = now or timezone.now()
        running = (
            Callout.objects.filter(status=CalloutStatus.RUNNING).order_by().values_list("account_id", "id")
        )
        callouts_by_account: dict[int, list[int]] = {}
        for account_id, callout_id in running:
            callouts_by_account.setdefault(account_id, []).append(callout_id)
        for account_id in set(self._shares) - set(callouts_by_account):
            del self._shares[account_id]  # nothing running: no credit kept for later
        did_work = recorded
        next_due: datetime | None = None
        for account_id, callout_ids in callouts_by_account.items():
            capacity = self.free_capacity()
            if capacity == 0:
                break
            try:
                claim = _claim(
                    account_id=account_id,
                    callout_ids=callout_ids,
                    worker=self.worker,
                    now=now,
                    limit=min(capacity, self.max_claim),
                    shares=self._shares.setdefault(account_id, AccountShares()),
                )
            except (OperationalError, InterfaceError):
                raise  # the database is out of reach, not this account: the loop pauses and retries
            except Exception:
                # One account's data (its settings are free JSON) must not stop everyone's calls.
                logger.exception("Claiming calls of account %s failed; other accounts go on", account_id)
                continue
            if claim.next_due is not None:
                next_due = claim.next_due if next_due is None else min(next_due, claim.next_due)
            if claim.calls and claim.account is not None:
                sender = Sender(
                    config=provider_config(claim.account),
                    from_=str(claim.account.setting("from_phone_number")),
                )
                for call in claim.calls:
                    self._in_flight[self._pool.submit(_place, call, sender)] = call
            did_work = did_work or bool(claim.calls or claim.skipped or claim.held)
        self._next_due = next_due
        return did_work

    def free_capacity(self) -> int:
        return self.max_in_flight - len(self._in_flight)

    def wait(self, seconds: float, stopping: Event) -> None:
        """Idle until a hand-over comes back or an account's next call is due, `seconds` at most."""
        if self._next_due is not None:
            due_in = (self._next_due - timezone.now()).total_seconds()
            seconds = max(0.001, min(seconds, due_in))
        if self._in_flight:
            pending = [future for future in self._in_flight if not future.done()]
            if len(pending) == len(self._in_flight):
                wait_for_futures(pending, timeout=seconds, return_when=FIRST_COMPLETED)
            return
        stopping.wait(seconds)

    def record_finished(self) -> bool:
        """Record the provider's answers to the hand-overs that are over; return whether there were any."""
        done = [future for future in self._in_flight if future.done()]
        if not done:
            return False
        outcomes = []
        for future in done:
            call = self._in_flight.pop(future)
            error = future.exception()
            if error is not None:  # a bug; the lease makes reconcile pick the call up
                logger.error("Hand-over of phone call %s failed", call.id, exc_info=error)
            else:
                outcomes.append(future.result())
        record_outcomes(outcomes)
        self.requests_recorded += len(outcomes)
        return True

    def drain(self) -> None:
        """Wait for every hand-over under way and record it (used on shutdown)."""
        self._pool.shutdown(wait=True)
        self.record_finished()


def claim_calls(
    *,
    account_id: int,
    callout_ids: list[int],
    worker: str,
    now: datetime,
    limit: int,
    shares: AccountShares | None = None,
) -> list[int]:
    """Claim up to the account's allowance of due calls; return their ids (committed)."""
    claim = _claim(
        account_id=account_id,
        callout_ids=callout_ids,
        worker=worker,
        now=now,
        limit=limit,
        shares=shares or AccountShares(),
    )
    return sorted([call.id for call in claim.calls] + claim.skipped)


def _claim(
    *, account_id: int, callout_ids: list[int], worker: str, now: datetime, limit: int, shares: AccountShares
) -> Claim:
    """Claim up to the account's allowance of due calls (committed before this returns)."""
    calendar_now = clock.to_calendar(now)
    with transaction.atomic():
        account = Account.objects.select_for_update(skip_locked=True).filter(pk=account_id).first()
        if account is None:
            return Claim(calls=[])  # another engine is pacing this account right now
        pace = pacing.pace_for(
            calls_per_minute=account.int_setting("phone_call_queue_limit"),
            next_dial_at=account.next_dial_at,
            now=now,
        )
        if pace is None:
            return Claim(calls=[])
        if pace.first_due_at > now:
            return Claim(calls=[], next_due=pace.first_due_at)
        paced = pace.calls_due(now=now, limit=limit)
        allowance = paced
        cap = max_concurrent_calls(account.settings)
        if cap is not None:
            allowance = min(allowance, max(0, cap - lifecycle.calls_in_flight(account_id)))
            if allowance == 0:
                return Claim(calls=[])  # until calls under way end: the loop looks again soon
        # Read under the account's lock: a settings change that clears the calls held for a
        # window takes this lock too, so no claim holds calls by the window it replaced.
        callouts = _running_callouts(callout_ids, account)
        dialing = {
            callout_id: callout
            for callout_id, callout in callouts.items()
            if callout.policy.has_started(calendar_now) and not callout.policy.has_stopped(calendar_now)
        }
        # When the account may have more to dial: a callout starts, or held calls' window opens.
        next_change = _earliest(
            _next_start([callout.policy for callout in callouts.values()], calendar_now),
            *(
                callout.first_held_opening
                for callout in dialing.values()
                if callout.first_held_opening is not None and callout.first_held_opening > now
            ),
        )
        search = _Search(callouts=dialing, now=now)
        shares.distribute(
            allowance,
            emergencies=[
                callout_id for callout_id, callout in dialing.items() if callout.policy.is_emergency
            ],
            weights={
                callout_id: callout.policy.weight
                for callout_id, callout in dialing.items()
                if not callout.policy.is_emergency
            },
            take=search.take,
        )
        claimed, held = search.claimed(), search.held
        if not claimed:
            return Claim(calls=[], next_due=next_change, held=held)
        lifecycle.claim_due_calls(claimed, worker=worker, now=now)
        next_dial_at = pace.next_dial_at(handed_over=len(claimed))
        Account.objects.filter(pk=account_id).update(next_dial_at=next_dial_at)
    paced_out = len(claimed) == paced < limit  # the pace, not the queue or the cap, held calls back
    return Claim(
        # A call with a CallSid already went out: it is claimed but never sent again.
        calls=[ClaimedCall(call.id, call.msisdn, account_id) for call in claimed if not call.remote_call_id],
        account=account,
        next_due=_earliest(next_dial_at if paced_out else None, next_change),
        skipped=[call.id for call in claimed if call.remote_call_id],
        held=held,
    )


def _running_callouts(callout_ids: list[int], account: Account) -> dict[int, RunningCallout]:
    """Return the callouts of `callout_ids` still running, with their policies and held calls."""
    rows = (
        Callout.objects.filter(pk__in=callout_ids, status=CalloutStatus.RUNNING)
        .annotate(first_held_opening=lifecycle.first_held_opening())
        .values_list("id", "settings", "first_held_opening")
    )
    return {
        callout_id: RunningCallout(policy_for(settings, account.settings), first_held_opening)
        for callout_id, settings, first_held_opening in rows
    }


@dataclass
class _Search:
    """The calls one claim found for each callout (locked, not yet claimed), callout by callout as
    the account's shares ask for them."""

    callouts: dict[int, RunningCallout]
    now: datetime
    held: int = 0  # calls found outside their window and held until it opens
    _found: dict[int, list[lifecycle.DueCall]] = field(default_factory=dict)
    _windows: dict[int, Callable[[lifecycle.DueCall], datetime | None] | None] = field(default_factory=dict)

    def take(self, callout_id: int, quota: int) -> int:
        """Find up to `quota` more due calls of the callout; return how many."""
        callout = self.callouts[callout_id]
        if callout_id not in self._windows:
            self._windows[callout_id] = _opens_at(callout.policy, self.now)
        found = self._found.setdefault(callout_id, [])
        due = lifecycle.find_due_calls(
            callout_id=callout_id,
            now=self.now,
            limit=quota,
            held=callout.has_held_calls_due(self.now),
            opens_at=self._windows[callout_id],
            skip=[call.id for call in found],
        )
        found.extend(due.calls)
        self.held += due.held
        return len(due.calls)

    def claimed(self) -> list[lifecycle.DueCall]:
        return [call for calls in self._found.values() for call in calls]


def _opens_at(policy: DeliveryPolicy, now: datetime) -> Callable[[lifecycle.DueCall], datetime | None] | None:
    """Return when each call of a callout may go out (None: now), or None without a window."""
    if policy.window is None:
        return None
    windows = CallWindows(policy.window, account_time_zone=policy.account_time_zone, now=now)
    return lambda call: windows.opens_at(msisdn=call.msisdn, contact_time_zone=call.contact_time_zone)


def _next_start(policies: Iterable[DeliveryPolicy], calendar_now: datetime) -> datetime | None:
    """Return the real time the first callout still waiting for its `start_at` starts, if any."""
    starts = [
        clock.to_real(policy.start_at)
        for policy in policies
        if policy.start_at is not None and not policy.has_started(calendar_now)
    ]
    return min(starts, default=None)


def _earliest(*times: datetime | None) -> datetime | None:
    return min((each for each in times if each is not None), default=None)


def _place(call: ClaimedCall, sender: Sender) -> Outcome:
    """Send one claimed call to the provider (on a pool thread; no database)."""
    url = phone_call_webhook_url(call.id)
    try:
        placed = provider.place_call(
            sender.config, to=call.msisdn, from_=sender.from_, url=url, status_callback=url
        )
    except provider.ProviderError as error:
        return Outcome(call=call, at=timezone.now(), error=error)
    return Outcome(call=call, at=timezone.now(), placed=placed)


def record_outcomes(outcomes: list[Outcome]) -> None:
    """Record the provider's answers: the placed calls in batches, the others one by one.

    A write that fails leaves its call claimed; reconciliation settles it after the lease, as
    when an engine dies between the provider's answer and the write.
    """
    placed = [outcome for outcome in outcomes if outcome.placed is not None]
    one_by_one = [outcome for outcome in outcomes if outcome.placed is None]
    for start in range(0, len(placed), RECORD_BATCH):
        batch = placed[start : start + RECORD_BATCH]
        try:
            lifecycle.record_hand_overs([_hand_over(outcome) for outcome in batch])
        except DatabaseError:
            logger.warning("Recording %s hand-overs at once failed; recording them one by one", len(batch))
            one_by_one += batch
    for outcome in one_by_one:
        try:
            _record_outcome(outcome)
        except Exception:
            logger.exception(
                "Recording the hand-over of phone call %s failed; left for reconciliation", outcome.call.id
            )


def _hand_over(outcome: Outcome) -> lifecycle.HandOver:
    placed = outcome.placed
    assert placed is not None, "only a placed call is handed over"
    return lifecycle.HandOver(
        phone_call_id=outcome.call.id,
        sid=placed.sid,
        remote_status=placed.status,
        direction=placed.direction,
        resource=placed.resource,
        at=outcome.at,
    )


def _record_outcome(outcome: Outcome) -> str:
    call_id, error = outcome.call.id, outcome.error
    if outcome.placed is not None:
        return lifecycle.record_hand_over(_hand_over(outcome))
    assert error is not None, "an outcome is either placed or an error"
    if isinstance(error, provider.ProviderBusy):
        return _release(call_id, outcome.call.account_id, error)
    if isinstance(error, provider.ProviderRefused):
        return lifecycle.record_refusal(
            call_id, message=error.message, now=timezone.now(), terminal=error.terminal
        )
    return _record_unknown(call_id, error, now=outcome.at)


def hand_over(phone_call_id: int) -> str:
    """Send one claimed call to the provider and record the answer; return the resulting status."""
    call: PhoneCall = PhoneCall.objects.select_related("account").get(pk=phone_call_id)
    if not lifecycle.is_ready_to_hand_over(call):
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
        return _release(call.pk, call.account_id, error)
    except provider.ProviderRefused as error:
        return lifecycle.record_refusal(
            call.pk, message=error.message, now=timezone.now(), terminal=error.terminal
        )
    except provider.OutcomeUnknown as error:
        return _record_unknown(call.pk, error, now=timezone.now())
    claimed = ClaimedCall(call.pk, call.msisdn, call.account_id)
    return lifecycle.record_hand_over(_hand_over(Outcome(call=claimed, at=timezone.now(), placed=placed)))


def _record_unknown(phone_call_id: int, error: provider.ProviderError, *, now: datetime) -> str:
    logger.warning(
        "Phone call %s: hand-over outcome unknown (%s); left for reconciliation", phone_call_id, error
    )
    return lifecycle.record_unknown_outcome(phone_call_id, message=error.message, now=now)


def _release(phone_call_id: int, account_id: int, error: provider.ProviderError) -> str:
    """Give a call the provider certainly did not create back to the queue, and slow the account."""
    now = timezone.now()
    logger.info("Phone call %s not accepted now (%s); released", phone_call_id, error)
    with transaction.atomic():
        released = lifecycle.release(phone_call_id, now=now)
        # In SQL, from the row's own value: another engine may have moved it meanwhile.
        Account.objects.filter(pk=account_id).update(
            next_dial_at=Greatest(Coalesce(F("next_dial_at"), Value(now)), Value(now)) + pacing.BUSY_BACKOFF
        )
    return released
