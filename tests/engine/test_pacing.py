"""The dial pace arithmetic (scfm.engine.pacing), without a database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scfm.engine.pacing import (
    MAX_CALLS_PER_MINUTE,
    MAX_CATCH_UP,
    Pace,
    interval_between_calls,
    pace_for,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calls_per_minute", "interval"),
    [(60, timedelta(seconds=1)), (1, timedelta(minutes=1)), (600, timedelta(milliseconds=100))],
)
def test_the_interval_spreads_the_rate_evenly_over_a_minute(calls_per_minute, interval):
    assert interval_between_calls(calls_per_minute) == interval


@pytest.mark.parametrize("calls_per_minute", [0, -5])
def test_a_rate_that_is_not_positive_dials_nothing(calls_per_minute):
    assert interval_between_calls(calls_per_minute) is None
    assert pace_for(calls_per_minute=calls_per_minute, next_dial_at=None, now=NOW) is None


def test_a_huge_rate_is_capped_so_the_interval_never_rounds_to_zero():
    capped = interval_between_calls(MAX_CALLS_PER_MINUTE)
    assert capped == timedelta(microseconds=1)
    assert interval_between_calls(10**30) == capped


def test_an_idle_account_catches_up_on_a_quarter_second_at_most():
    # 600 calls a minute: one every 100 ms; a quarter second of catch-up is 2 intervals + the due call.
    pace = pace_for(calls_per_minute=600, next_dial_at=NOW - timedelta(hours=1), now=NOW)
    assert pace.first_due_at == NOW - MAX_CATCH_UP
    assert pace.calls_due(now=NOW, limit=100) == 3
    assert pace_for(calls_per_minute=600, next_dial_at=None, now=NOW) == pace


def test_no_call_is_due_before_the_accounts_next_dial_time():
    pace = pace_for(calls_per_minute=60, next_dial_at=NOW + timedelta(milliseconds=1), now=NOW)
    assert pace.first_due_at == NOW + timedelta(milliseconds=1)
    assert pace.calls_due(now=NOW, limit=100) == 0


def test_the_calls_due_are_capped_by_the_limit():
    pace = Pace(interval=timedelta(microseconds=1), first_due_at=NOW - MAX_CATCH_UP)
    assert pace.calls_due(now=NOW, limit=7) == 7


def test_the_next_dial_time_follows_the_calls_handed_over():
    pace = Pace(interval=timedelta(seconds=2), first_due_at=NOW)
    assert pace.next_dial_at(handed_over=3) == NOW + timedelta(seconds=6)


@settings(deadline=None)  # up to 6,000 ticks an example: slow on a busy machine, never stuck
@given(
    calls_per_minute=st.integers(min_value=1, max_value=6000),
    tick_ms=st.integers(min_value=10, max_value=2000),
    limit=st.integers(min_value=1, max_value=100),
)
def test_ticking_for_a_minute_never_hands_over_faster_than_the_rate(calls_per_minute, tick_ms, limit):
    next_dial_at = None
    handed_over = 0
    now = NOW
    end = NOW + timedelta(minutes=1)
    while now < end:
        pace = pace_for(calls_per_minute=calls_per_minute, next_dial_at=next_dial_at, now=now)
        due = pace.calls_due(now=now, limit=limit)
        if due:
            handed_over += due
            next_dial_at = pace.next_dial_at(handed_over=due)
        now += timedelta(milliseconds=tick_ms)
    # The minute's calls, plus the first one due at once and the catch-up allowed at the start.
    catch_up = MAX_CATCH_UP / interval_between_calls(calls_per_minute)
    assert handed_over <= calls_per_minute + 1 + catch_up
