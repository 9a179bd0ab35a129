"""`start_at` and `stop_at`: a callout dials only between them, on the calendar clock."""

import datetime
import threading
import time

import pytest
from django.utils import timezone

from scfm.engine import dial
from tests import factories
from tests.engine.dialing import TUESDAY, add_calls, claim, running_callout, status, unpaced

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def account(db):
    return unpaced(factories.AccountFactory())


def test_a_callout_started_ahead_of_time_dials_from_its_start_at(account):
    (call,) = add_calls(running_callout(account, start_at="2026-03-10T07:00:00+07:00"), 1)
    assert claim(account, now=TUESDAY - MINUTE) == []
    assert status(call) == "created"
    assert claim(account, now=TUESDAY) == [call.pk]


def test_a_callout_past_its_stop_at_makes_no_new_calls(account):
    stopping = running_callout(account, stop_at="2026-03-10T00:05:00Z")
    calls = add_calls(stopping, 3)
    assert claim(account, now=TUESDAY, limit=1) == [calls[0].pk]
    assert claim(account, now=TUESDAY + 5 * MINUTE) == []
    assert [status(call) for call in calls] == ["queued", "created", "created"]


def test_the_calendar_clock_decides_start_and_stop(account, settings):
    (early,) = add_calls(running_callout(account, start_at="2026-03-10T01:00:00Z"), 1)
    (late,) = add_calls(running_callout(account, stop_at="2026-03-10T00:30:00Z"), 1)
    settings.SCFM_CLOCK_OFFSET_SECONDS = 3600  # the calendar reads 01:00
    assert claim(account, now=TUESDAY) == [early.pk]
    assert status(late) == "created"


def test_callouts_waiting_for_their_start_do_not_take_the_others_share(account):
    waiting = running_callout(account, priority="emergency", start_at="2026-03-10T01:00:00Z")
    add_calls(waiting, 3)
    routine = add_calls(running_callout(account), 3)
    assert claim(account, now=TUESDAY) == [call.pk for call in routine]


@pytest.mark.django_db(transaction=True)
def test_the_dialer_wakes_up_for_a_start_at(account, fake_provider):
    start = timezone.now() + datetime.timedelta(milliseconds=600)
    add_calls(running_callout(account, start_at=start.isoformat()), 1)
    dialer = dial.Dialer(worker="w")
    try:
        assert not dialer.tick()
        started = time.monotonic()
        dialer.wait(5.0, threading.Event())
        assert time.monotonic() - started < 2.0  # woken for the start, not after the full pause
        while timezone.now() < start:
            time.sleep(0.05)
        assert dialer.tick()
    finally:
        dialer.drain()
    assert len(fake_provider.placed) == 1
