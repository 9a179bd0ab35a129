"""The engine's moves of a phone call, from its claim to what reconciliation learns of it.

Each function makes one move of `scfm.calls.states.TRANSITIONS` with one conditional UPDATE
(`WHERE status IN (the move's sources)`), schedules the retry a move to a retry status calls for,
and returns what happened. The engine decides *when* (pace, leases, batches); these decide *what*
a call's row becomes. A provider's news (callbacks, polls) goes through `scfm.calls.services`.
"""

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from scfm.calls.models import PhoneCall
from scfm.calls.retries import schedule_retry
from scfm.calls.services import record_remote_status
from scfm.calls.states import IN_FLIGHT_STATUSES, TRANSITIONS, Move, PhoneCallStatus, Transition, sql_statuses

# How long a claim holds a call: after this, the hand-over's outcome counts as unknown.
CLAIM_LEASE = timedelta(seconds=60)


def status_allows(transition: Transition) -> Q:
    """Return the filter `status IN (sources)` of `transition` (`status = x` for a single source)."""
    if len(transition.sources) == 1:
        return Q(status=next(iter(transition.sources)))
    return Q(status__in=sorted(transition.sources))


@dataclass(frozen=True)
class DueCall:
    """A `created` call the dial loop may claim: its number, its CallSid if it already went out
    (then it is claimed but never sent again), and its contact's metadata `time_zone`."""

    id: int
    msisdn: str
    remote_call_id: str | None
    contact_time_zone: object = None


@dataclass(frozen=True)
class DueCalls:
    calls: list[DueCall]  # locked, to be claimed (`claim_due_calls`) in the same transaction
    held: int = 0  # calls found outside their calling window and held until it opens


# A callout's calls looked at per claim when its calling window holds them: a night's backlog of
# 50,000 calls is held in some twenty-five claims, and no claim holds the others up long.
WINDOW_SCAN_LIMIT = 2000
WINDOW_SCAN_BATCH = 500


def first_held_opening() -> Subquery:
    """Return when the window of the first of a callout's (the outer query's row) calls held for
    their calling window opens, NULL when none is held: one probe of phone_calls_window_wait."""
    held = PhoneCall.objects.filter(
        status_allows(TRANSITIONS[Move.CLAIM]), callout_id=OuterRef("pk"), window_opens_at__isnull=False
    )
    return Subquery(held.order_by("window_opens_at").values("window_opens_at")[:1])


def find_due_calls(
    *,
    callout_id: int,
    now: datetime,
    limit: int,
    held: bool = False,
    opens_at: Callable[[DueCall], datetime | None] | None = None,
    skip: Collection[int] = (),
) -> DueCalls:
    """Lock up to `limit` of the callout's due calls (not those in `skip`), for `claim_due_calls`.

    With `held`, calls held for their calling window come first: by a window (`opens_at` given)
    those whose window opened by `now`, else all of them (the window that held them is gone).
    Then the others, oldest first. With a window, `opens_at(call)` says None when the call may go
    out now, else the real time its window opens: such a call is not taken but held until then
    (`window_opens_at`, written at once), and the search goes on to the next candidates,
    `WINDOW_SCAN_LIMIT` at most. Rows other engines hold are skipped.
    """
    if opens_at is None:
        calls = _lock_due_calls(callout_id, held=True, now=None, limit=limit, skip=skip) if held else []
        calls += _lock_due_calls(callout_id, held=False, now=now, limit=limit - len(calls), skip=skip)
        return DueCalls(calls=calls)
    calls, held_count, budget, seen = [], 0, WINDOW_SCAN_LIMIT, set(skip)
    for kind_held in (True, False) if held else (False,):
        size = limit  # at first as many as wanted: an open window wastes no reads
        while len(calls) < limit and budget > 0:
            rows = _lock_due_calls(
                callout_id, held=kind_held, now=now, limit=size, skip=seen, with_time_zone=True
            )
            budget -= len(rows)
            seen.update(row.id for row in rows)
            held_until: dict[datetime, list[int]] = {}
            for row in rows:
                opening = opens_at(row)
                if opening is not None:
                    held_until.setdefault(opening, []).append(row.id)
                elif len(calls) < limit:
                    calls.append(row)
                # Open calls beyond `limit` stay as they are, for the next claim.
            held_count += _hold_for_window(held_until, now=now)
            if len(rows) < size:
                break  # no more candidates of this kind
            size = min(max(limit - len(calls), WINDOW_SCAN_BATCH), budget)
    return DueCalls(calls=calls, held=held_count)


def _lock_due_calls(
    callout_id: int,
    *,
    held: bool,
    now: datetime | None,
    limit: int,
    skip: Collection[int],
    with_time_zone: bool = False,
) -> list[DueCall]:
    """Lock (skipping rows others hold) up to `limit` of the callout's `created` calls: those held
    for their window (`held`; opened by `now` unless None), by when it opens, else the others by id.

    Each kind has its partial index (phone_calls_window_wait, phone_calls_dial_queue).
    """
    if limit <= 0:
        return []
    calls = PhoneCall.objects.filter(status_allows(TRANSITIONS[Move.CLAIM]), callout_id=callout_id)
    if held:
        calls = calls.filter(window_opens_at__isnull=False).order_by("window_opens_at")
        if now is not None:
            calls = calls.filter(window_opens_at__lte=now)
    else:
        calls = calls.filter(window_opens_at__isnull=True).order_by("id")
    if skip:
        calls = calls.exclude(pk__in=sorted(skip))
    # FOR UPDATE OF phone_calls only: the contacts joined for their time zone stay unlocked.
    calls = calls.select_for_update(skip_locked=True, of=("self",))
    if not with_time_zone:
        return [DueCall(*row) for row in calls.values_list("id", "msisdn", "remote_call_id")[:limit]]
    rows = calls.values_list("id", "msisdn", "remote_call_id", "contact__metadata__time_zone")[:limit]
    return [DueCall(*row) for row in rows]


def claim_due_calls(calls: Sequence[DueCall], *, worker: str, now: datetime) -> None:
    """Claim (`created` → `queued`, leased to `worker`) the calls `find_due_calls` locked.

    Run inside the transaction that locked them, which must commit before any request leaves.
    """
    if calls:
        claim = TRANSITIONS[Move.CLAIM]
        PhoneCall.objects.filter(status_allows(claim), pk__in=[call.id for call in calls]).update(
            status=claim.target,
            claimed_by=worker,
            claim_expires_at=now + CLAIM_LEASE,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )


def _hold_for_window(held_until: dict[datetime, list[int]], *, now: datetime) -> int:
    """Set `window_opens_at` of calls outside their window: one UPDATE per opening time (contacts
    of one zone share it, so a callout's backlog takes a few statements)."""
    for opening, ids in held_until.items():
        PhoneCall.objects.filter(status_allows(TRANSITIONS[Move.CLAIM]), pk__in=ids).update(
            window_opens_at=opening, updated_at=now
        )
    return sum(len(ids) for ids in held_until.values())


def calls_in_flight(account_id: int) -> int:
    """Return how many of the account's calls are between their claim and a final status (the
    `max_concurrent_calls` cap counts them)."""
    return PhoneCall.objects.filter(account_id=account_id, status__in=IN_FLIGHT_STATUSES).count()


def claimed_time(call: PhoneCall) -> datetime:
    """Return when the engine claimed `call` (its lease minus the lease's length)."""
    assert call.claim_expires_at is not None, "only a claimed call has a claim time"
    return call.claim_expires_at - CLAIM_LEASE


def is_ready_to_hand_over(call: PhoneCall) -> bool:
    """Return whether `call` is claimed and was never sent (no CallSid)."""
    return call.status == TRANSITIONS[Move.CLAIM].target and not call.remote_call_id


def release(phone_call_id: int, *, now: datetime) -> PhoneCallStatus:
    """Give back to the queue a claimed call the provider certainly did not create (it was busy)."""
    move = TRANSITIONS[Move.RELEASE]
    PhoneCall.objects.filter(status_allows(move), pk=phone_call_id, remote_call_id__isnull=True).update(
        status=move.target,
        claimed_by=None,
        claim_expires_at=None,
        lock_version=F("lock_version") + 1,
        updated_at=now,
    )
    return move.target


@dataclass(frozen=True)
class HandOver:
    """What the provider gave back when it accepted a call."""

    phone_call_id: int
    sid: str
    remote_status: str | None
    direction: str | None
    resource: dict[str, Any]
    at: datetime


def record_hand_over(hand_over: HandOver) -> PhoneCallStatus:
    """Record that the provider accepted a claimed call: `queued` → `remotely_queued`, lease ended.

    A fast provider's callback may have moved the call already; then its status stays and only
    the record of the hand-over (CallSid, response, time) is filled in.
    """
    move = TRANSITIONS[Move.HAND_OVER]
    was_claimed = status_allows(move)
    PhoneCall.objects.filter(pk=hand_over.phone_call_id).update(
        status=Case(When(was_claimed, then=Value(move.target)), default=F("status")),
        remote_status=Case(
            When(was_claimed, then=Value(hand_over.remote_status)), default=F("remote_status")
        ),
        remote_call_id=Coalesce(F("remote_call_id"), Value(hand_over.sid)),
        remote_direction=Coalesce(F("remote_direction"), Value(hand_over.direction)),
        remote_queue_response=hand_over.resource,
        remote_error_message=None,
        remotely_queued_at=hand_over.at,
        claimed_by=None,
        claim_expires_at=None,
        lock_version=F("lock_version") + 1,
        updated_at=hand_over.at,
    )
    return move.target


# `record_hand_over` for a batch, in one UPDATE: every SET expression reads the row as it was, so
# a call a fast callback already moved keeps its status. Fixed text: the statuses come from the table.
_RECORD_HAND_OVERS_SQL = """
WITH placed (id, sid, remote_status, direction, resource, at) AS (VALUES {{rows}})
UPDATE phone_calls SET
    status = CASE WHEN phone_calls.status IN ({sources}) THEN '{target}' ELSE phone_calls.status END,
    remote_status = CASE WHEN phone_calls.status IN ({sources}) THEN placed.remote_status
                         ELSE phone_calls.remote_status END,
    remote_call_id = COALESCE(phone_calls.remote_call_id, placed.sid),
    remote_direction = COALESCE(phone_calls.remote_direction, placed.direction),
    remote_queue_response = placed.resource,
    remote_error_message = NULL,
    remotely_queued_at = placed.at,
    claimed_by = NULL,
    claim_expires_at = NULL,
    lock_version = phone_calls.lock_version + 1,
    updated_at = placed.at
FROM placed
WHERE phone_calls.id = placed.id
""".format(
    sources=sql_statuses(TRANSITIONS[Move.HAND_OVER].sources),
    target=TRANSITIONS[Move.HAND_OVER].target.value,
)
_HAND_OVER_ROW = {
    "postgresql": "(%s::bigint, %s::varchar, %s::varchar, %s::varchar, %s::jsonb, %s::timestamptz)",
    "sqlite": "(%s, %s, %s, %s, %s, %s)",
}


def record_hand_overs(hand_overs: Sequence[HandOver]) -> None:
    """Record many hand-overs in one statement (`record_hand_over` for each, in one go)."""
    row = _HAND_OVER_ROW.get(connection.vendor)
    if row is None:
        with transaction.atomic():
            for hand_over in hand_overs:
                record_hand_over(hand_over)
        return
    params: list[Any] = []
    for hand_over in hand_overs:
        params += [
            hand_over.phone_call_id,
            hand_over.sid,
            hand_over.remote_status,
            hand_over.direction,
            json.dumps(hand_over.resource),
            connection.ops.adapt_datetimefield_value(hand_over.at),
        ]
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_HAND_OVERS_SQL.format(rows=", ".join([row] * len(hand_overs))), params)


def record_refusal(
    phone_call_id: int, *, message: str, now: datetime, terminal: bool = False
) -> PhoneCallStatus:
    """Record that the provider refused a claimed call (`errored`) and schedule its retry, unless
    the refusal is `terminal` (the number can never be called)."""
    move = TRANSITIONS[Move.REFUSE]
    with transaction.atomic():
        moved = PhoneCall.objects.filter(status_allows(move), pk=phone_call_id).update(
            status=move.target,
            remote_error_message=message,
            remotely_queued_at=now,
            claimed_by=None,
            claim_expires_at=None,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if moved and not terminal:
            schedule_retry(phone_call_id=phone_call_id, status=move.target, now=now)
    return move.target


def record_unknown_outcome(phone_call_id: int, *, message: str, now: datetime) -> PhoneCallStatus:
    """Record that a hand-over's outcome is unknown: the call stays claimed, for reconciliation.

    The request is over, so the claim ends now; reconciliation counts its grace from here.
    """
    claimed = TRANSITIONS[Move.CLAIM].target
    PhoneCall.objects.filter(pk=phone_call_id, status=claimed).update(
        remote_error_message=f"outcome unknown: {message}", claim_expires_at=now
    )
    return claimed


def claimed_calls_never_named(*, lease_expired_before: datetime, limit: int) -> list[PhoneCall]:
    """Return claimed calls without a CallSid whose lease ran out before `lease_expired_before`."""
    return list(
        PhoneCall.objects.filter(
            status=TRANSITIONS[Move.CLAIM].target,
            remote_call_id__isnull=True,
            claim_expires_at__lte=lease_expired_before,
        ).select_related("account")[:limit]
    )


def give_up_unsent(call: PhoneCall, *, now: datetime) -> None:
    """Record that the provider never received a claimed call (`errored`) and schedule its retry."""
    move = TRANSITIONS[Move.GIVE_UP_UNSENT]
    with transaction.atomic():
        moved = PhoneCall.objects.filter(status_allows(move), pk=call.pk, remote_call_id__isnull=True).update(
            status=move.target,
            claimed_by=None,
            claim_expires_at=None,
            remotely_queued_at=now,
            remote_error_message="the provider never received the hand-over",
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if moved:
            schedule_retry(phone_call_id=call.pk, status=move.target, now=now)


def bind_remote_call(
    call: PhoneCall,
    *,
    sid: str,
    resource: dict[str, Any],
    remote_status: str,
    duration: int | None,
    now: datetime,
) -> None:
    """Give a claimed call the CallSid the provider created for it, and the provider's status.

    A call the provider still holds as queued is handed over (`remotely_queued`): the fetch loop
    follows it from there.
    """
    with transaction.atomic():
        bound = PhoneCall.objects.filter(pk=call.pk, remote_call_id__isnull=True).update(
            remote_call_id=sid,
            remote_response=resource,
            remotely_queued_at=claimed_time(call),
            remote_status_fetch_queued_at=now,
        )
        if not bound:
            return
        call.refresh_from_db()
        moved_to = record_remote_status(
            phone_call=call, remote_status=remote_status, duration=duration, now=now
        )
        hand_over = TRANSITIONS[Move.HAND_OVER]
        if hand_over.allows(call.status):
            PhoneCall.objects.filter(status_allows(hand_over), pk=call.pk).update(
                status=hand_over.target, lock_version=F("lock_version") + 1
            )
        if moved_to:
            schedule_retry(phone_call_id=call.pk, status=moved_to, now=now)


def record_polled_status(
    call: PhoneCall, *, remote_status: str, duration: int | None, resource: dict[str, Any], now: datetime
) -> str | None:
    """Apply what the provider says of a call when asked (status and duration, no call flow).

    Return the status the call moved to, if it moved; a move to a retry status schedules the retry.
    """
    with transaction.atomic():
        PhoneCall.objects.filter(pk=call.pk).update(remote_response=resource)
        moved_to = record_remote_status(
            phone_call=call, remote_status=remote_status, duration=duration, now=now
        )
        if moved_to:
            schedule_retry(phone_call_id=call.pk, status=moved_to, now=now)
    return moved_to


def expire_unknown(call: PhoneCall, *, reason: str, now: datetime) -> PhoneCallStatus | None:
    """Expire a handed-over call the provider no longer knows, and schedule its retry."""
    move = TRANSITIONS[Move.EXPIRE_UNKNOWN]
    with transaction.atomic():
        moved = PhoneCall.objects.filter(status_allows(move), pk=call.pk).update(
            status=move.target,
            remote_error_message=reason,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if moved:
            schedule_retry(phone_call_id=call.pk, status=move.target, now=now)
    return move.target if moved else None


def cancel_unsent(*, callout_id: int, reason: str, now: datetime, batch: int = 10_000) -> int:
    """Cancel the callout's calls that never went out (`created` → `canceled`), without retries;
    return how many. Used when the callout's `stop_at` has passed: it makes no new calls.

    In statements of `batch` calls, each committed on its own: a million-call backlog is not one
    long UPDATE holding a million row locks (the dial loop skips locked rows; nothing else waits).
    """
    move = TRANSITIONS[Move.CANCEL_UNSENT]
    unsent = PhoneCall.objects.filter(status_allows(move), callout_id=callout_id)
    canceled = 0
    while True:
        ids = list(unsent.order_by().values_list("pk", flat=True)[:batch])
        if not ids:
            return canceled
        canceled += PhoneCall.objects.filter(status_allows(move), pk__in=ids).update(
            status=move.target,
            remote_error_message=reason,
            window_opens_at=None,
            retry_at=None,
            lock_version=F("lock_version") + 1,
            updated_at=now,
        )
        if len(ids) < batch:
            return canceled
