"""The pure sharing of an account's allowance among its callouts (scfm.engine.shares)."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from scfm.engine.shares import AccountShares, SmoothWeightedRoundRobin

HIGH, NORMAL, LOW = 4, 2, 1


def taker(due: dict[int, int], taken: Counter):
    """A `take` that claims from `due` (calls each callout has), counting into `taken`."""

    def take(callout: int, quota: int) -> int:
        got = min(quota, due.get(callout, 0))
        due[callout] = due.get(callout, 0) - got
        if got:
            taken[callout] += got
        return got

    return take


def test_one_call_a_tick_converges_to_the_weights():
    shares, taken = AccountShares(), Counter()
    due = {1: 10_000, 2: 10_000, 3: 10_000}
    for _ in range(700):
        shares.distribute(1, emergencies=[], weights={1: HIGH, 2: NORMAL, 3: LOW}, take=taker(due, taken))
    assert taken == {1: 400, 2: 200, 3: 100}


def test_every_callout_is_picked_within_one_cycle_of_the_weights():
    shares, picks = AccountShares(), []
    due = {1: 10_000, 2: 10_000, 3: 10_000}
    for _ in range(70):
        taken = Counter()
        shares.distribute(1, emergencies=[], weights={1: HIGH, 2: NORMAL, 3: LOW}, take=taker(due, taken))
        picks += list(taken)
    for start in range(len(picks) - 7):
        assert set(picks[start : start + 7]) == {1, 2, 3}  # the low callout never waits longer


def test_a_large_allowance_is_shared_by_weight_in_one_tick():
    shares, taken = AccountShares(), Counter()
    due = {1: 10_000, 2: 10_000, 3: 10_000}
    assert (
        shares.distribute(100, emergencies=[], weights={1: HIGH, 2: NORMAL, 3: LOW}, take=taker(due, taken))
        == 100
    )
    assert taken == {1: 57, 2: 29, 3: 14}


def test_emergencies_take_everything_while_they_have_calls_then_the_others_resume():
    shares, taken = AccountShares(), Counter()
    due = {1: 10_000, 2: 10_000, 9: 25}
    for _ in range(10):
        shares.distribute(4, emergencies=[9], weights={1: HIGH, 2: LOW}, take=taker(due, taken))
    # 25 emergency calls: six ticks of 4, then 1 and the 3 left of that tick go to the others.
    assert taken[9] == 25
    assert taken[1] + taken[2] == 15
    assert taken[1] > taken[2] > 0


def test_several_emergencies_share_equally():
    shares, taken = AccountShares(), Counter()
    due = {7: 10_000, 8: 10_000, 1: 10_000}
    for _ in range(9):
        shares.distribute(1, emergencies=[7, 8], weights={1: HIGH}, take=taker(due, taken))
    assert taken == {7: 5, 8: 4}
    assert 1 not in taken


def test_a_callout_with_nothing_due_gives_its_share_and_banks_no_credit():
    shares, taken = AccountShares(), Counter()
    due = {1: 10_000, 2: 0}
    weights = {1: LOW, 2: HIGH}
    for _ in range(50):
        assert shares.distribute(1, emergencies=[], weights=weights, take=taker(due, taken)) == 1
    assert taken == {1: 50}
    # Calls come for the high callout: from now on it gets its weight, without a burst for the
    # fifty ticks it had nothing to make.
    due[2] = 10_000
    first = Counter()
    for _ in range(5):
        shares.distribute(1, emergencies=[], weights=weights, take=taker(due, first))
    assert first == {2: 4, 1: 1}


def test_what_no_callout_can_use_is_left():
    shares, taken = AccountShares(), Counter()
    assert shares.distribute(10, emergencies=[5], weights={1: NORMAL}, take=taker({5: 2, 1: 3}, taken)) == 5
    assert taken == {5: 2, 1: 3}


def test_credits_of_callouts_that_stopped_running_are_dropped():
    shares = AccountShares()
    shares.distribute(1, emergencies=[], weights={1: HIGH, 2: LOW}, take=taker({1: 5, 2: 5}, Counter()))
    shares.distribute(1, emergencies=[], weights={3: LOW}, take=taker({3: 5}, Counter()))
    assert set(shares.weighted.credits) <= {3}


@given(
    weights=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=6),
    allowances=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=40),
)
def test_shares_follow_the_weights_within_one_call_per_callout(weights, allowances):
    """While every callout has calls, each one's count stays within one call of its exact share."""
    rr, counts = SmoothWeightedRoundRobin(), Counter()
    by_key = dict(enumerate(weights))
    for allowance in allowances:
        quotas = rr.split(allowance, by_key)
        assert sum(quotas.values()) == allowance
        counts.update(quotas)
    total, weight_sum = sum(allowances), sum(weights)
    for key, weight in by_key.items():
        assert abs(counts[key] - total * weight / weight_sum) < 1 + 1e-9 * total
