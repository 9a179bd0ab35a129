"""`max_concurrent_calls`: never more of an account's calls between claim and a final status."""

import datetime
import threading

import pytest
from django.utils import timezone

from scfm.calls import lifecycle
from scfm.calls.models import PhoneCall
from tests import factories
from tests.engine.dialing import add_calls, claim, running_callout, unpaced
from tests.engine.test_populate import race

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def account(db):
    return unpaced(factories.AccountFactory(), max_concurrent_calls=3)


def test_the_cap_counts_claimed_handed_over_and_ringing_calls(account):
    callout = running_callout(account)
    calls = add_calls(callout, 10)
    now = timezone.now()
    assert len(claim(account, now=now)) == 3
    assert claim(account, now=now + SECOND) == []
    PhoneCall.objects.filter(pk=calls[0].pk).update(status="remotely_queued")
    PhoneCall.objects.filter(pk=calls[1].pk).update(status="in_progress")
    assert claim(account, now=now + 2 * SECOND) == []
    PhoneCall.objects.filter(pk=calls[2].pk).update(status="completed")
    assert claim(account, now=now + 3 * SECOND) == [calls[3].pk]
    PhoneCall.objects.filter(pk__in=[calls[0].pk, calls[1].pk]).update(status="busy")
    assert claim(account, now=now + 4 * SECOND) == [calls[4].pk, calls[5].pk]


def test_the_cap_holds_across_the_accounts_callouts_and_priorities(account):
    routine, emergency = running_callout(account), running_callout(account, priority="emergency")
    add_calls(routine, 5)
    add_calls(emergency, 5)
    now = timezone.now()
    assert len(claim(account, now=now)) == 3
    assert claim(account, now=now + SECOND) == []
    assert lifecycle.calls_in_flight(account.pk) == 3


def test_without_a_cap_the_pace_alone_decides(account):
    account.settings.pop("max_concurrent_calls")
    account.save()
    add_calls(running_callout(account), 10)
    assert len(claim(account, now=timezone.now())) == 10


@pytest.mark.django_db(transaction=True)
def test_two_engines_together_never_exceed_the_cap(account):
    callout = running_callout(account)
    add_calls(callout, 40)
    later = timezone.now() + 10 * SECOND
    samples: list[int] = []
    sampled = threading.Lock()

    def engine():
        worker = threading.current_thread().name
        claimed = []
        for step in range(40):
            claimed += claim(account, now=later + step * SECOND, limit=5, worker=worker)
            in_flight = lifecycle.calls_in_flight(account.pk)
            with sampled:
                samples.append(in_flight)
            if step % 3 == 2:
                finish_one(worker)  # a call ends, which makes room for another
        return claimed

    results = race(engine)
    claimed = [call_id for result in results for call_id in result]
    assert len(claimed) == len(set(claimed)) > 3  # calls ended and others went out
    assert max(samples) <= 3


def finish_one(worker):
    call_id = (
        PhoneCall.objects.filter(claimed_by=worker, status="queued").values_list("id", flat=True).first()
    )
    if call_id is not None:
        PhoneCall.objects.filter(pk=call_id).update(status="completed")
