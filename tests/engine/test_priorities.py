"""An account's allowance goes to emergencies first, then by weight high : normal : low = 4 : 2 : 1."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.engine import dial
from scfm.engine.shares import AccountShares
from tests import factories
from tests.engine.dialing import add_calls, claim, running_callout, unpaced

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def account(db):
    return unpaced(factories.AccountFactory())


def claimed_by_callout(ids):
    return Counter(PhoneCall.objects.filter(pk__in=ids).values_list("callout_id", flat=True))


def test_one_call_at_a_time_is_shared_four_two_one(account):
    high, normal, low = (running_callout(account, priority=p) for p in ("high", "normal", "low"))
    for callout in (high, normal, low):
        add_calls(callout, 45)
    shares, now, ids = AccountShares(), timezone.now(), []
    for step in range(70):
        ids += claim(account, now=now + step * SECOND, limit=1, shares=shares)
    assert claimed_by_callout(ids) == {high.pk: 40, normal.pk: 20, low.pk: 10}


def test_no_priority_means_normal_and_a_low_callout_is_never_starved(account):
    first, second = running_callout(account, priority="high"), running_callout(account, priority="high")
    default, low = running_callout(account), running_callout(account, priority="low")
    for callout in (first, second, default, low):
        add_calls(callout, 20)
    shares, now, ids = AccountShares(), timezone.now(), []
    for step in range(11):  # one cycle of the weights: 4 + 4 + 2 + 1
        ids += claim(account, now=now + step * SECOND, limit=1, shares=shares)
    assert claimed_by_callout(ids) == {first.pk: 4, second.pk: 4, default.pk: 2, low.pk: 1}


def test_an_emergency_started_behind_a_backlog_gets_the_very_next_call_and_all_it_can_use(account):
    routine = running_callout(account)
    backlog = add_calls(routine, 60)
    shares, now = AccountShares(), timezone.now()
    assert claim(account, now=now, limit=5, shares=shares) == [call.pk for call in backlog[:5]]
    emergency = running_callout(account, priority="emergency")
    alert = add_calls(emergency, 7)
    assert claim(account, now=now + SECOND, limit=1, shares=shares) == [alert[0].pk]
    assert claim(account, now=now + 2 * SECOND, limit=5, shares=shares) == [call.pk for call in alert[1:6]]
    # The last emergency call, and what it cannot use goes to the routine callout again.
    assert claim(account, now=now + 3 * SECOND, limit=5, shares=shares) == sorted(
        [alert[6].pk, *(call.pk for call in backlog[5:9])]
    )
    assert claim(account, now=now + 4 * SECOND, limit=5, shares=shares) == [call.pk for call in backlog[9:14]]


def test_several_emergencies_share_equally_and_a_dry_callout_gives_its_share(account):
    first, second = (
        running_callout(account, priority="emergency"),
        running_callout(account, priority="emergency"),
    )
    routine = running_callout(account, priority="high")
    add_calls(first, 30)
    add_calls(second, 2)
    add_calls(routine, 30)
    ids = claim(account, now=timezone.now(), limit=10)
    assert claimed_by_callout(ids) == {first.pk: 8, second.pk: 2}


@pytest.mark.django_db(transaction=True)
def test_the_dialer_keeps_each_accounts_shares_from_tick_to_tick(account, fake_provider):
    high, low = running_callout(account, priority="high"), running_callout(account, priority="low")
    add_calls(high, 30)
    add_calls(low, 30)
    other_account = unpaced(factories.AccountFactory())
    other = running_callout(other_account)
    add_calls(other, 30)
    dialer = dial.Dialer(worker="w", max_in_flight=64, max_claim=1)
    now = timezone.now()
    try:
        for step in range(25):
            dialer.tick(now=now + step * SECOND)
    finally:
        dialer.drain()
    sent = claimed_by_callout(PhoneCall.objects.exclude(status="created").values_list("id", flat=True))
    assert sent == {high.pk: 20, low.pk: 5, other.pk: 25}
    assert len(fake_provider.placed) == 50
