"""The phone call transition table (scfm.calls.states), without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from scfm.calls.states import (
    ACTIVE_STATUSES,
    COMPLETABLE_STATUSES,
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    REMOTE_STATUS_MOVES,
    RETRY_STATUSES,
    SETTLED_STATUSES,
    TRANSITIONS,
    Move,
    PhoneCallStatus,
    next_status,
    sources_for,
    sql_statuses,
)

S = PhoneCallStatus
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=2)


def test_every_move_has_a_transition():
    assert set(TRANSITIONS) == set(Move)


def test_no_move_leaves_a_settled_status():
    for transition in TRANSITIONS.values():
        assert not transition.sources & SETTLED_STATUSES


def test_the_status_sets_derived_from_the_final_statuses():
    assert ACTIVE_STATUSES == (S.CREATED, S.QUEUED, S.REMOTELY_QUEUED, S.IN_PROGRESS)
    assert IN_FLIGHT_STATUSES == (S.QUEUED, S.REMOTELY_QUEUED, S.IN_PROGRESS)
    assert {S.NOT_ANSWERED, S.BUSY, S.FAILED, S.CANCELED, S.EXPIRED, S.ERRORED} == RETRY_STATUSES
    assert FINAL_STATUSES - {S.EXPIRED} == SETTLED_STATUSES
    assert {S.CREATED, S.QUEUED, S.REMOTELY_QUEUED, S.IN_PROGRESS, S.EXPIRED} == COMPLETABLE_STATUSES
    assert set(ACTIVE_STATUSES) | FINAL_STATUSES == set(S)


@pytest.mark.parametrize(
    ("move", "sources", "target"),
    [
        (Move.CLAIM, {S.CREATED}, S.QUEUED),
        (Move.RELEASE, {S.QUEUED}, S.CREATED),
        (Move.HAND_OVER, {S.QUEUED}, S.REMOTELY_QUEUED),
        (Move.REFUSE, {S.QUEUED}, S.ERRORED),
        (Move.GIVE_UP_UNSENT, {S.QUEUED}, S.ERRORED),
        (Move.EXPIRE_UNKNOWN, {S.REMOTELY_QUEUED, S.IN_PROGRESS}, S.EXPIRED),
    ],
)
def test_the_engines_moves(move, sources, target):
    assert TRANSITIONS[move].sources == sources
    assert TRANSITIONS[move].target == target


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("remote_status", [*REMOTE_STATUS_MOVES, "queued", "", None, "bogus"])
def test_a_providers_news_moves_only_a_call_that_is_not_settled(current, remote_status):
    target = next_status(current=current, remote_status=remote_status, remotely_queued_at=LONG_AGO, now=NOW)
    if current in SETTLED_STATUSES or remote_status in ("", None, "bogus"):
        assert target is None
    elif target is not None:
        assert target != current
        assert current in sources_for(target)


def test_a_late_ringing_never_reopens_a_completed_call_but_corrects_an_expired_one():
    assert next_status(current=S.COMPLETED, remote_status="ringing", remotely_queued_at=None, now=NOW) is None
    assert next_status(current=S.EXPIRED, remote_status="ringing", remotely_queued_at=None, now=NOW) == (
        S.IN_PROGRESS
    )
    assert next_status(current=S.EXPIRED, remote_status="completed", remotely_queued_at=None, now=NOW) == (
        S.COMPLETED
    )


def test_a_call_still_queued_at_the_provider_expires_after_an_hour():
    recent = NOW - timedelta(minutes=59)
    queued = {"remote_status": "queued", "now": NOW}
    assert next_status(current=S.REMOTELY_QUEUED, remotely_queued_at=recent, **queued) is None
    assert next_status(current=S.REMOTELY_QUEUED, remotely_queued_at=None, **queued) is None
    assert next_status(current=S.REMOTELY_QUEUED, remotely_queued_at=LONG_AGO, **queued) == S.EXPIRED
    assert next_status(current=S.EXPIRED, remotely_queued_at=LONG_AGO, **queued) is None


def test_sql_statuses_are_sorted_literals_and_refuse_anything_else():
    assert sql_statuses({S.QUEUED, S.CREATED}) == "'created', 'queued'"
    with pytest.raises(ValueError):
        sql_statuses(["queued'; DROP TABLE phone_calls; --"])
