"""The dial loop holds calls outside their calling window until it opens, in the contact's zone."""

import datetime
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from scfm.accounts.services import update_account
from scfm.callouts.services import update_callout
from scfm.calls import lifecycle
from scfm.calls.models import PhoneCall
from scfm.engine import dial
from tests import factories
from tests.engine.dialing import (
    TUESDAY,
    add_call,
    add_calls,
    claim,
    held_until,
    running_callout,
    status,
    unpaced,
)
from tests.engine.test_phone_call_indexes import assert_indexed, phone_call_reads

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAYTIME = {"from": "08:00", "to": "20:00"}
RUSSIAN_MOBILE = "+79161234567"  # phonenumbers: sixteen zones, Europe/Bucharest (+2) to Asia/Anadyr (+12)
NO_REGION = "+80012345678"  # an international freephone number: no time zone


@pytest.fixture
def account(db):
    return unpaced(factories.AccountFactory())


def test_a_call_outside_its_window_is_held_until_it_opens_in_the_contacts_metadata_zone(account):
    callout = running_callout(account, calling_window=DAYTIME)
    # 07:00 in Phnom Penh; the number is Somali (03:00), but the contact's metadata says where it is.
    early = add_call(callout, time_zone="Asia/Phnom_Penh")
    awake = add_call(callout, time_zone="Asia/Tokyo")  # 09:00
    assert claim(account, now=TUESDAY) == [awake.pk]
    assert status(early) == "created"
    assert held_until(early) == TUESDAY + HOUR  # 08:00 in Phnom Penh
    assert held_until(awake) is None


def test_without_a_metadata_zone_the_numbers_region_decides(account):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, msisdn="+85512345678")
    assert claim(account, now=TUESDAY) == []
    assert held_until(call) == TUESDAY + HOUR


def test_a_region_of_several_zones_waits_until_the_window_is_open_in_all(account):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, msisdn=RUSSIAN_MOBILE)
    assert claim(account, now=TUESDAY) == []
    # Bucharest opens last (08:00 at +2, 06:00 UTC) while Anadyr is still open (until 08:00 UTC).
    assert held_until(call) == TUESDAY + 6 * HOUR


def test_the_accounts_zone_is_used_when_it_is_one_of_the_regions_zones(account):
    account.settings["time_zone"] = "Europe/Moscow"
    account.save()
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, msisdn=RUSSIAN_MOBILE)
    assert claim(account, now=TUESDAY) == []
    assert held_until(call) == TUESDAY + 5 * HOUR  # 08:00 in Moscow


def test_zones_whose_windows_never_overlap_are_judged_in_the_westernmost_and_the_call_goes_out(account):
    callout = running_callout(account, calling_window={"from": "09:00", "to": "17:00"})
    call = add_call(callout, msisdn=RUSSIAN_MOBILE)
    assert claim(account, now=TUESDAY) == []
    assert held_until(call) == TUESDAY + 7 * HOUR  # 09:00 in Bucharest
    # When it opens there it is closed in Anadyr (19:00), and the call goes out all the same.
    assert claim(account, now=TUESDAY + 7 * HOUR) == [call.pk]


def test_the_accounts_zone_then_utc_when_the_number_has_no_region(account):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, msisdn=NO_REGION)
    assert claim(account, now=TUESDAY) == []
    assert held_until(call) == TUESDAY + 8 * HOUR  # 08:00 UTC

    other_account = unpaced(factories.AccountFactory(), time_zone="Asia/Phnom_Penh")
    other = add_call(running_callout(other_account, calling_window=DAYTIME), msisdn=NO_REGION)
    assert claim(other_account, now=TUESDAY) == []
    assert held_until(other) == TUESDAY + HOUR


def test_an_emergency_ignores_the_accounts_default_window_but_honours_its_own(account):
    account.settings["calling_window"] = DAYTIME
    account.save()
    routine = add_call(running_callout(account), time_zone="Asia/Phnom_Penh")
    emergency = add_call(running_callout(account, priority="emergency"), time_zone="Asia/Phnom_Penh")
    emergency_with_window = add_call(
        running_callout(account, priority="emergency", calling_window=DAYTIME), time_zone="Asia/Phnom_Penh"
    )
    assert claim(account, now=TUESDAY) == [emergency.pk]
    assert held_until(routine) == held_until(emergency_with_window) == TUESDAY + HOUR


def test_held_calls_go_out_when_their_window_opens_and_first(account):
    callout = running_callout(account, calling_window=DAYTIME)
    held = add_call(callout, time_zone="Asia/Phnom_Penh")
    assert claim(account, now=TUESDAY) == []
    fresh = add_call(callout, time_zone="Asia/Phnom_Penh")
    assert claim(account, now=TUESDAY + HOUR - datetime.timedelta(seconds=1)) == []
    assert claim(account, now=TUESDAY + HOUR, limit=1) == [held.pk]  # older than `fresh`'s hold
    assert claim(account, now=TUESDAY + HOUR, limit=1) == [fresh.pk]


def test_the_calendar_clock_offset_shifts_windows_but_not_what_is_stored(account, settings):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, time_zone="Asia/Phnom_Penh")
    settings.SCFM_CLOCK_OFFSET_SECONDS = 30 * 60  # the calendar reads 07:30 in Phnom Penh
    assert claim(account, now=TUESDAY) == []
    assert held_until(call) == TUESDAY + HOUR / 2  # the real moment the calendar reads 08:00
    assert claim(account, now=TUESDAY + HOUR / 2) == [call.pk]


def test_a_held_call_whose_time_came_is_judged_again_by_the_window_of_now(account):
    callout = running_callout(account, calling_window={"from": "10:00", "to": "20:00"})
    call = add_call(callout, time_zone="Asia/Phnom_Penh")
    # Held by an earlier window (08:00) that the callout no longer has.
    PhoneCall.objects.filter(pk=call.pk).update(window_opens_at=TUESDAY + HOUR)
    assert claim(account, now=TUESDAY + HOUR) == []
    assert held_until(call) == TUESDAY + 3 * HOUR


def test_calls_held_by_a_window_that_is_gone_go_out_at_once(account):
    callout = running_callout(account)
    call = add_call(callout)
    PhoneCall.objects.filter(pk=call.pk).update(window_opens_at=TUESDAY + 5 * HOUR)
    assert claim(account, now=TUESDAY) == [call.pk]


def test_a_night_backlog_is_held_in_bounded_steps_without_stalling_the_other_callouts(account, monkeypatch):
    monkeypatch.setattr(lifecycle, "WINDOW_SCAN_LIMIT", 5)
    monkeypatch.setattr(lifecycle, "WINDOW_SCAN_BATCH", 2)
    night = running_callout(account, calling_window=DAYTIME)
    backlog = add_calls(night, 12, time_zone="Asia/Phnom_Penh")
    day = running_callout(account)
    daytime_calls = add_calls(day, 3)
    claimed = claim(account, now=TUESDAY, limit=3)
    assert claimed == [call.pk for call in daytime_calls]
    held = PhoneCall.objects.filter(callout=night, window_opens_at=TUESDAY + HOUR).count()
    assert 3 <= held <= 6  # a first batch of three, then two at a time within the scan's limit
    for _ in range(6):
        claim(account, now=TUESDAY, limit=3)
    assert (
        PhoneCall.objects.filter(callout=night, status="created", window_opens_at=TUESDAY + HOUR).count()
        == 12
    )
    assert all(status(call) == "created" for call in backlog)


@pytest.mark.django_db(transaction=True)
def test_the_dialer_keeps_working_while_it_holds_calls(account, fake_provider, monkeypatch):
    monkeypatch.setattr(lifecycle, "WINDOW_SCAN_LIMIT", 4)
    callout = running_callout(account, calling_window=DAYTIME)
    add_calls(callout, 6, time_zone="Asia/Phnom_Penh")
    dialer = dial.Dialer(worker="w", max_in_flight=4)
    try:
        assert dialer.tick(now=TUESDAY)  # four held
        assert dialer.tick(now=TUESDAY)  # two held
        assert not dialer.tick(now=TUESDAY)  # nothing left to look at
    finally:
        dialer.drain()
    assert PhoneCall.objects.filter(window_opens_at=TUESDAY + HOUR).count() == 6
    assert fake_provider.placed == []


def test_changing_a_callouts_window_lets_its_held_calls_be_judged_again(account):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, time_zone="Asia/Phnom_Penh")
    claim(account, now=TUESDAY)
    update_callout(callout=callout, data={"settings": {"calling_window": DAYTIME, "retry_policy": {}}})
    assert held_until(call) == TUESDAY + HOUR  # the window did not change
    update_callout(callout=callout, data={"settings": {"calling_window": {"from": "06:00", "to": "20:00"}}})
    assert held_until(call) is None
    assert claim(account, now=TUESDAY) == [call.pk]


def test_an_emergency_priority_lets_calls_held_by_the_accounts_window_go(account):
    account.settings["calling_window"] = DAYTIME
    account.save()
    callout = running_callout(account)
    call = add_call(callout, time_zone="Asia/Phnom_Penh")
    claim(account, now=TUESDAY)
    update_callout(callout=callout, data={"settings": {"priority": "emergency"}})
    assert claim(account, now=TUESDAY) == [call.pk]


@pytest.mark.parametrize(
    ("change", "cleared"),
    [
        ({"calling_window": {"from": "07:00", "to": "20:00"}}, True),
        ({"time_zone": "Asia/Bangkok"}, True),
        ({"max_concurrent_calls": 5}, False),
    ],
)
def test_changing_the_accounts_window_or_zone_lets_held_calls_be_judged_again(account, change, cleared):
    account.settings["calling_window"] = DAYTIME
    account.save()
    call = add_call(running_callout(account), time_zone="Asia/Phnom_Penh")
    claim(account, now=TUESDAY)
    update_account(account=account, data={"settings": {**account.settings, **change}})
    assert (held_until(call) is None) is cleared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_claims_with_a_window_use_the_partial_indexes(account):
    callout = running_callout(account, calling_window=DAYTIME)
    add_calls(callout, 3, time_zone="Asia/Phnom_Penh")
    queries = phone_call_reads(lambda: claim(account, now=TUESDAY))
    queries += phone_call_reads(lambda: claim(account, now=TUESDAY + HOUR))
    assert sum("window_opens_at" in sql for sql in queries) >= 4
    for sql in queries:
        assert_indexed(sql)


@pytest.mark.django_db(transaction=True)
def test_the_dialer_wakes_up_when_a_held_calls_window_opens(account, fake_provider, settings):
    callout = running_callout(account, calling_window=DAYTIME)
    call = add_call(callout, time_zone="Asia/Phnom_Penh")
    # The calendar reads 07:59:59.4 in Phnom Penh: the window opens in 0.6 s of real time.
    real_now = timezone.now()
    local = real_now.astimezone(ZoneInfo("Asia/Phnom_Penh"))
    calendar = local.replace(hour=7, minute=59, second=59, microsecond=400_000)
    settings.SCFM_CLOCK_OFFSET_SECONDS = (calendar - real_now).total_seconds()
    dialer = dial.Dialer(worker="w")
    try:
        assert dialer.tick()  # held
        assert held_until(call) is not None
        assert not dialer.tick()
        started = time.monotonic()
        dialer.wait(5.0, threading.Event())
        assert time.monotonic() - started < 2.0  # woken for the opening, not after the full pause
        while timezone.now() < held_until(call):
            time.sleep(0.05)
        assert dialer.tick()
    finally:
        dialer.drain()
    assert [request["to"] for request in fake_provider.placed] == [call.msisdn]
