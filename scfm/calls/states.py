"""The phone call status machine (pure, no database): statuses, status sets and the transition table.

Every status write in SCFM names one `Move` of `TRANSITIONS` and takes its sources and target
from there, in Python (`Transition.allows`) and in SQL (`WHERE status IN (…)` built from
`Transition.sources`, see `sql_statuses`). The moves themselves are made by:

- `scfm.calls.lifecycle`: the engine's hand-over moves (claim, release, placed, refused, outcome
  unknown, never sent, bound by reconciliation, expired, canceled unsent at the callout's stop_at);
- `scfm.calls.services`: a provider's news (status callbacks and polled statuses, `next_status`);
- `scfm.calls.retries`: retry scheduling and the next attempt, a new `created` call.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import models


class PhoneCallStatus(models.TextChoices):
    CREATED = "created"  # an attempt waiting for its callout to run
    QUEUED = "queued"  # claimed by the engine; the provider request is about to leave
    REMOTELY_QUEUED = "remotely_queued"  # the provider accepted it and gave a CallSid
    ERRORED = "errored"  # the provider refused the request
    IN_PROGRESS = "in_progress"  # ringing or answered
    BUSY = "busy"  # final: the line was busy
    FAILED = "failed"  # final: the provider could not place it
    NOT_ANSWERED = "not_answered"  # final: nobody picked up
    CANCELED = "canceled"  # final: canceled before it was answered
    COMPLETED = "completed"  # final: answered and finished
    EXPIRED = "expired"  # still queued at the provider an hour after hand-over


# Every attempt starts here: a population's INSERT, an API participation, a retry.
INITIAL_STATUS = PhoneCallStatus.CREATED
# The only status set written by hand; every other one is derived from it below.
FINAL_STATUSES = frozenset(
    {
        PhoneCallStatus.ERRORED,
        PhoneCallStatus.BUSY,
        PhoneCallStatus.FAILED,
        PhoneCallStatus.NOT_ANSWERED,
        PhoneCallStatus.CANCELED,
        PhoneCallStatus.COMPLETED,
        PhoneCallStatus.EXPIRED,
    }
)
# Final, but a late callback may still tell what really happened.
REOPENABLE_STATUSES = frozenset({PhoneCallStatus.EXPIRED})
# Final, and no later news changes them (a late `ringing` never reopens a `completed` call).
SETTLED_STATUSES = FINAL_STATUSES - REOPENABLE_STATUSES
# Not final, in declaration order (tuples: the models' index conditions are built from them, and
# a migration must not see them change order). An active call keeps its participation busy.
ACTIVE_STATUSES = tuple(status for status in PhoneCallStatus if status not in FINAL_STATUSES)
# Claimed or handed to the provider and not yet final: what the reconcile loop follows.
IN_FLIGHT_STATUSES = tuple(status for status in ACTIVE_STATUSES if status != INITIAL_STATUS)
# Every unsuccessful final status gets a retry (DESIGN.md §6, #14 #15 #17).
RETRY_STATUSES = FINAL_STATUSES - {PhoneCallStatus.COMPLETED}
# What a provider's news may move. `queued` is included because a callback may arrive before the
# engine recorded the hand-over; `created` because an inbound call is created in that status.
COMPLETABLE_STATUSES = frozenset(ACTIVE_STATUSES) | REOPENABLE_STATUSES

EXPIRY_AFTER = timedelta(hours=1)


class Move(StrEnum):
    """A named change of a phone call's status; `TRANSITIONS` says from where and to what."""

    CLAIM = "claim"  # the dial loop takes a due call (committed before the request leaves)
    RELEASE = "release"  # the provider is busy and certainly did not create the call
    HAND_OVER = "hand_over"  # the provider accepted the call (or reconciliation found it there)
    REFUSE = "refuse"  # the provider refused the request
    GIVE_UP_UNSENT = "give_up_unsent"  # outcome unknown, and the provider never heard of the call
    EXPIRE_UNKNOWN = "expire_unknown"  # the provider forgot a call an hour after hand-over
    CANCEL_UNSENT = "cancel_unsent"  # the callout's stop_at passed before the call went out
    # A provider's news: its CallStatus, by callback or by polling (`next_status`).
    EXPIRE_STILL_QUEUED = "expire_still_queued"  # still `queued` an hour after hand-over
    RING = "ring"  # ringing, in-progress or answered
    END_BUSY = "end_busy"
    END_FAILED = "end_failed"
    END_NOT_ANSWERED = "end_not_answered"
    END_CANCELED = "end_canceled"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[PhoneCallStatus]
    target: PhoneCallStatus

    def allows(self, current: str) -> bool:
        """Return whether a call in `current` status may make this move."""
        return current in self.sources


S = PhoneCallStatus
# The phone call's transition table: each move, the statuses it may start from, and its target.
TRANSITIONS: dict[Move, Transition] = {
    Move.CLAIM: Transition(frozenset({S.CREATED}), S.QUEUED),
    Move.RELEASE: Transition(frozenset({S.QUEUED}), S.CREATED),
    Move.HAND_OVER: Transition(frozenset({S.QUEUED}), S.REMOTELY_QUEUED),
    Move.REFUSE: Transition(frozenset({S.QUEUED}), S.ERRORED),
    Move.GIVE_UP_UNSENT: Transition(frozenset({S.QUEUED}), S.ERRORED),
    Move.EXPIRE_UNKNOWN: Transition(frozenset({S.REMOTELY_QUEUED, S.IN_PROGRESS}), S.EXPIRED),
    Move.CANCEL_UNSENT: Transition(frozenset({S.CREATED}), S.CANCELED),
    Move.EXPIRE_STILL_QUEUED: Transition(COMPLETABLE_STATUSES - {S.EXPIRED}, S.EXPIRED),
    Move.RING: Transition(COMPLETABLE_STATUSES - {S.IN_PROGRESS}, S.IN_PROGRESS),
    Move.END_BUSY: Transition(COMPLETABLE_STATUSES, S.BUSY),
    Move.END_FAILED: Transition(COMPLETABLE_STATUSES, S.FAILED),
    Move.END_NOT_ANSWERED: Transition(COMPLETABLE_STATUSES, S.NOT_ANSWERED),
    Move.END_CANCELED: Transition(COMPLETABLE_STATUSES, S.CANCELED),
    Move.COMPLETE: Transition(COMPLETABLE_STATUSES, S.COMPLETED),
}
del S

# A provider's CallStatus → the move it makes (`queued` is handled by `next_status`).
REMOTE_STATUS_MOVES = {
    "ringing": Move.RING,
    "in-progress": Move.RING,
    "answered": Move.RING,
    "busy": Move.END_BUSY,
    "failed": Move.END_FAILED,
    "no-answer": Move.END_NOT_ANSWERED,
    "canceled": Move.END_CANCELED,
    "completed": Move.COMPLETE,
}
_PROVIDER_NEWS_MOVES = frozenset(REMOTE_STATUS_MOVES.values()) | {Move.EXPIRE_STILL_QUEUED}
# A target reached by a provider's news is reached by exactly one such move.
_NEWS_MOVE_BY_TARGET = {TRANSITIONS[move].target: move for move in _PROVIDER_NEWS_MOVES}
assert len(_NEWS_MOVE_BY_TARGET) == len(_PROVIDER_NEWS_MOVES), "two news moves share a target"


def news_move(
    *, current: str, remote_status: str | None, remotely_queued_at: datetime | None, now: datetime
) -> Move | None:
    """Return the move a provider's `remote_status` makes a call in `current` status do, or None.

    Settled calls never move; `expired` may be corrected by any later news. A `queued` call
    at the provider expires an hour after hand-over.
    """
    if not remote_status:
        return None
    if remote_status == "queued":
        move = Move.EXPIRE_STILL_QUEUED
        if remotely_queued_at is None or remotely_queued_at >= now - EXPIRY_AFTER:
            return None
    else:
        found = REMOTE_STATUS_MOVES.get(remote_status)
        if found is None:
            return None
        move = found
    return move if TRANSITIONS[move].allows(current) else None


def next_status(
    *, current: str, remote_status: str | None, remotely_queued_at: datetime | None, now: datetime
) -> PhoneCallStatus | None:
    """Return the status a call moves to on `remote_status`, or None when it stays where it is."""
    move = news_move(
        current=current, remote_status=remote_status, remotely_queued_at=remotely_queued_at, now=now
    )
    return None if move is None else TRANSITIONS[move].target


def sources_for(target: str) -> frozenset[PhoneCallStatus]:
    """Return the statuses from which a provider's news may move a call to `target`."""
    return TRANSITIONS[_NEWS_MOVE_BY_TARGET[PhoneCallStatus(target)]].sources


_STATUS_VALUE = re.compile(r"[a-z_]+")


def sql_statuses(statuses: Iterable[str]) -> str:
    """Return `statuses` as a sorted list of SQL string literals, for a statement's fixed text.

    For statements whose text must stay the same from call to call (a prepared or batched
    statement); anything else passes statuses as parameters. The values are the enum's own,
    checked to need no escaping.
    """
    values = sorted(str(status) for status in statuses)
    for value in values:
        if not _STATUS_VALUE.fullmatch(value):
            raise ValueError(f"not a phone call status: {value!r}")
    return ", ".join(f"'{value}'" for value in values)
