"""The dial pace (DESIGN.md §3.3): an account hands calls over at its rate, evenly, and no faster.

Pure arithmetic on times, no database: the dial loop reads an account's rate and `next_dial_at`,
asks how many calls are due now, and stores when the next one will be.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# Unused pace does not pile up: after an idle spell an account may catch up on this much time at
# most, about one dial tick, so the pace stays even.
MAX_CATCH_UP = timedelta(milliseconds=250)
# How long an account waits after the provider said it is busy (applied in SQL by the dial loop).
BUSY_BACKOFF = timedelta(seconds=2)
# A queue limit beyond this means "no limit": settings are free JSON through the API, and a larger
# rate would round the interval between calls down to zero (then divided by), stopping the loop.
MAX_CALLS_PER_MINUTE = 60_000_000  # one a microsecond


@dataclass(frozen=True)
class Pace:
    """An account's pace at one moment: the time between two calls, and when the first is due."""

    interval: timedelta
    first_due_at: datetime

    def calls_due(self, *, now: datetime, limit: int) -> int:
        """Return how many calls may be handed over at `now`, `limit` at most (0 before the first is due)."""
        if self.first_due_at > now:
            return 0
        return min(limit, math.floor((now - self.first_due_at) / self.interval) + 1)

    def next_dial_at(self, *, handed_over: int) -> datetime:
        """Return when the call after `handed_over` calls from `first_due_at` is due."""
        return self.first_due_at + self.interval * handed_over


def interval_between_calls(calls_per_minute: int) -> timedelta | None:
    """Return the time between two hand-overs at `calls_per_minute`, or None when it is not positive."""
    rate = min(calls_per_minute, MAX_CALLS_PER_MINUTE)
    if rate <= 0:
        return None
    return timedelta(seconds=60 / rate)


def pace_for(*, calls_per_minute: int, next_dial_at: datetime | None, now: datetime) -> Pace | None:
    """Return the account's pace at `now`, or None when its rate lets it dial nothing.

    The first call is due at the account's `next_dial_at`, but never more than MAX_CATCH_UP
    in the past.
    """
    interval = interval_between_calls(calls_per_minute)
    if interval is None:
        return None
    earliest = now - MAX_CATCH_UP
    first_due_at = earliest if next_dial_at is None else max(next_dial_at, earliest)
    return Pace(interval=interval, first_due_at=first_due_at)
