"""callout_statistics: what it reads from the database for the counts and the ETA (fixed `now`)."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F

from scfm.callouts.models import CalloutParticipation
from scfm.calls.callout_statistics import api_timestamp, callout_statistics
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


@pytest.fixture
def account(db):
    return factories.AccountFactory(
        settings={"phone_call_queue_limit": 600, "max_phone_calls_for_callout_participation": 1}
    )


def running_callout(account, **settings):
    return factories.CalloutFactory(account=account, status="running", settings=settings)


_numbers = itertools.count(1)


def add_calls(callout, count, **fields):
    """`count` participations of `callout` with one call each, in three statements."""
    contacts = Contact.objects.bulk_create(
        Contact(account=callout.account, msisdn=f"+8559700{next(_numbers):05d}") for _ in range(count)
    )
    participations = CalloutParticipation.objects.bulk_create(
        CalloutParticipation(
            callout=callout,
            contact=contact,
            msisdn=contact.msisdn,
            call_flow_logic=callout.call_flow_logic,
            phone_calls_count=1,
        )
        for contact in contacts
    )
    return PhoneCall.objects.bulk_create(
        PhoneCall(
            callout_participation=participation,
            callout=callout,
            contact=participation.contact,
            account=callout.account,
            msisdn=participation.msisdn,
            call_flow_logic=callout.call_flow_logic,
            **fields,
        )
        for participation in participations
    )


def eta_seconds(callout):
    return callout_statistics(callout, now=NOW).eta_seconds


def test_counts_are_taken_at_now(account):
    callout = running_callout(account)
    add_calls(callout, 2, status="remotely_queued", remotely_queued_at=NOW - timedelta(seconds=59))
    add_calls(callout, 3, status="completed", remotely_queued_at=NOW - timedelta(seconds=61))
    add_calls(callout, 1, status="created", window_opens_at=NOW + timedelta(seconds=1))
    add_calls(callout, 4, status="created", window_opens_at=NOW)  # its window has opened

    statistics = callout_statistics(callout, now=NOW)

    assert statistics.calls_per_minute == 2
    assert statistics.waiting_for_window == 1
    assert statistics.calls_in_progress == 2
    assert statistics.participations == 10
    assert statistics.participations_remaining == 7


def test_eta_of_open_calls_is_their_dialing_time_and_a_call_length(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    # 100 calls at 10 a second, then 30 s: no call has ended yet to tell how long one lasts.
    assert eta_seconds(callout) == 40
    assert callout_statistics(callout, now=NOW).eta_at == NOW + timedelta(seconds=40)


def test_the_call_length_comes_from_the_callouts_finished_calls(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    ended = add_calls(callout, 5, status="completed", remotely_queued_at=NOW - timedelta(minutes=5))
    refused = add_calls(callout, 5, status="errored", remotely_queued_at=NOW - timedelta(minutes=5))
    # Ended 12 s after hand-over; refused calls ended at once but say nothing of a call's length.
    PhoneCall.objects.filter(pk__in=[call.pk for call in ended]).update(
        updated_at=NOW - timedelta(minutes=5) + timedelta(seconds=12)
    )
    PhoneCall.objects.filter(pk__in=[call.pk for call in refused]).update(
        updated_at=NOW - timedelta(minutes=5)
    )
    assert eta_seconds(callout) == 10 + 12


def test_calls_waiting_for_their_window_push_the_eta(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    add_calls(callout, 300, window_opens_at=NOW + timedelta(hours=1))
    add_calls(callout, 200, window_opens_at=NOW + timedelta(hours=2))
    statistics = callout_statistics(callout, now=NOW)
    assert statistics.waiting_for_window == 500
    assert statistics.eta_seconds == 7200 + 20 + 30


def test_the_callouts_window_holds_open_calls_in_the_contacts_zone(account):
    # 10:00 UTC is 17:00 in Phnom Penh: the window closes in a minute there, after 600 calls.
    callout = running_callout(account, calling_window={"from": "08:00", "to": "17:01"})
    contacts = factories.ContactFactory.create_batch(
        5, account=account, metadata={"time_zone": "Asia/Phnom_Penh"}
    )
    for contact in contacts:
        factories.PhoneCallFactory(
            callout_participation__callout=callout, callout_participation__contact=contact
        )
    add_calls(callout, 1195)
    statistics = callout_statistics(callout, now=NOW)
    # The other 600 go from 08:00 the next day in Phnom Penh (01:00 UTC), a minute, then a call.
    assert statistics.eta_at == datetime(2026, 3, 3, 1, 1, 30, tzinfo=UTC)


def test_the_window_is_judged_on_the_calendar_clock(account, settings):
    callout = running_callout(account, calling_window={"from": "08:00", "to": "20:00"})
    account.settings = {**account.settings, "time_zone": "UTC"}
    account.save()
    contact = factories.ContactFactory(account=account, msisdn="+12025550100", metadata={"time_zone": "UTC"})
    factories.PhoneCallFactory(callout_participation__callout=callout, callout_participation__contact=contact)
    assert eta_seconds(callout) == 30
    # Eleven hours ahead the calendar reads 21:00: the call waits for 08:00, 11 hours away.
    settings.SCFM_CLOCK_OFFSET_SECONDS = 11 * 3600
    assert eta_seconds(callout) == 11 * 3600 + 30


def test_an_emergency_running_on_the_account_delays_a_normal_callout(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    alone = eta_seconds(callout)
    emergency = running_callout(account, priority="emergency")
    add_calls(emergency, 600)
    assert eta_seconds(callout) == alone + 60


def test_callouts_that_cannot_dial_now_do_not_share_the_rate(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    alone = eta_seconds(callout)
    later = running_callout(account, priority="emergency", start_at="2026-03-02T12:00:00+00:00")
    over = running_callout(account, priority="emergency", stop_at="2026-03-02T09:00:00+00:00")
    paused = factories.CalloutFactory(account=account, status="paused", settings={"priority": "emergency"})
    waiting = running_callout(account, priority="emergency")
    for other in (later, over, paused):
        add_calls(other, 600)
    add_calls(waiting, 600, window_opens_at=NOW + timedelta(hours=1))
    # Another account's callout shares nothing either.
    add_calls(running_callout(factories.AccountFactory(), priority="emergency"), 600)
    assert eta_seconds(callout) == alone


def test_a_high_priority_callout_takes_four_shares_to_a_normal_twos(account):
    callout = running_callout(account)
    add_calls(callout, 100)
    high = running_callout(account, priority="high")
    add_calls(high, 2000)
    # A third of 10 calls a second while the high callout has calls: 100 calls in 30 s.
    assert eta_seconds(callout) == 30 + 30


def test_a_callout_started_ahead_of_its_start_at_dials_from_then(account):
    callout = running_callout(account, start_at="2026-03-02T11:00:00+00:00")
    add_calls(callout, 100)
    assert eta_seconds(callout) == 3600 + 10 + 30


def test_a_callout_ends_at_its_stop_at(account):
    callout = running_callout(account, stop_at="2026-03-02T10:01:00+00:00")
    add_calls(callout, 6000)
    assert eta_seconds(callout) == 60 + 30


def test_the_concurrency_cap_slows_the_callout(account):
    account.settings = {**account.settings, "max_concurrent_calls": 2}
    account.save()
    callout = running_callout(account)
    add_calls(callout, 100)
    # Two calls at once, 30 s each (the default length): one every 15 s.
    assert eta_seconds(callout) == 100 * 15 + 30


def test_expected_retries_follow_the_callouts_ladder(account):
    account.settings = {**account.settings, "max_phone_calls_for_callout_participation": 2}
    account.save()
    callout = running_callout(account, retry_policy={"not_answered": [600]})
    add_calls(callout, 600)
    add_calls(callout, 100, status="completed")
    add_calls(callout, 100, status="not_answered")
    with_ladder = eta_seconds(callout)
    callout.settings = {"retry_policy": {"not_answered": []}}
    assert eta_seconds(callout) == 60 + 30
    # About half the 600 come back 600 s after their first call, the last one near 60 + 30 + 600 s.
    assert 60 + 30 + 600 < with_ladder < 60 + 30 + 600 + 60


def test_pending_retries_are_dialed_when_due(account):
    callout = running_callout(account)
    add_calls(callout, 10, status="busy", retry_at=NOW + timedelta(minutes=10))
    statistics = callout_statistics(callout, now=NOW)
    assert statistics.participations_remaining == 10
    assert statistics.eta_seconds == 600 + 1 + 30


def test_the_observed_rate_is_blended_in_once_the_callout_has_dialed_a_while(account):
    callout = running_callout(account)
    add_calls(callout, 1500)
    # 250 handed over in the last 50 s: 300 a minute, half the account's rate; 7.5 a second blended.
    add_calls(callout, 125, status="completed", remotely_queued_at=NOW - timedelta(seconds=50))
    add_calls(callout, 125, status="completed", remotely_queued_at=NOW - timedelta(seconds=10))
    PhoneCall.objects.filter(callout=callout, status="completed").update(
        updated_at=F("remotely_queued_at") + timedelta(seconds=10)
    )
    statistics = callout_statistics(callout, now=NOW)
    assert statistics.calls_per_minute == 250
    assert statistics.eta_seconds == 1500 / 7.5 + 10


def test_a_callout_that_just_resumed_is_not_judged_by_its_quiet_minute(account):
    callout = running_callout(account)
    add_calls(callout, 1500)
    # Paused until 10 s ago: 100 calls since then, none in the 50 s before.
    add_calls(callout, 100, status="completed", remotely_queued_at=NOW - timedelta(seconds=10))
    add_calls(callout, 100, status="completed", remotely_queued_at=NOW - timedelta(minutes=5))
    PhoneCall.objects.filter(callout=callout, status="completed").update(updated_at=F("remotely_queued_at"))
    assert eta_seconds(callout) == 150


def test_a_few_hand_overs_do_not_tell_the_rate(account):
    callout = running_callout(account)
    add_calls(callout, 1500)
    # Its first calls were just added: 5 handed over in the last 30 s say nothing of the pace.
    add_calls(callout, 5, status="completed", remotely_queued_at=NOW - timedelta(seconds=30))
    PhoneCall.objects.filter(callout=callout, status="completed").update(updated_at=F("remotely_queued_at"))
    assert eta_seconds(callout) == 150


def test_a_running_callout_with_nothing_left_is_done_now(account):
    callout = running_callout(account)
    add_calls(callout, 3, status="completed", remotely_queued_at=NOW - timedelta(minutes=5))
    statistics = callout_statistics(callout, now=NOW)
    assert statistics.participations_remaining == 0
    assert statistics.eta_seconds == 0
    assert statistics.eta_at == NOW


def test_a_completed_callout_is_done_when_it_completed(account):
    completed_at = NOW - timedelta(minutes=2)
    callout = factories.CalloutFactory(account=account, status="stopped", completed_at=completed_at)
    statistics = callout_statistics(callout, now=NOW)
    assert (statistics.eta_seconds, statistics.eta_at, statistics.completed_at) == (
        0,
        completed_at,
        completed_at,
    )


def test_timestamps_are_written_as_the_api_writes_them():
    moment = datetime(2026, 3, 2, 17, 4, 5, 678901, tzinfo=UTC) + timedelta(hours=0)
    assert api_timestamp(moment) == "2026-03-02T17:04:05.678Z"
    assert api_timestamp(None) is None


def test_second_attempts_expect_no_retry_past_the_last_attempt(account):
    account.settings = {**account.settings, "max_phone_calls_for_callout_participation": 2}
    account.save()
    callout = running_callout(account, retry_policy={"not_answered": [600]})
    add_calls(callout, 100, status="completed")
    add_calls(callout, 100, status="not_answered")
    first_attempts = add_calls(callout, 300)
    assert eta_seconds(callout) > 600
    # The same open calls as second attempts: their participations' first calls were not answered.
    CalloutParticipation.objects.filter(phone_calls__in=first_attempts).update(phone_calls_count=2)
    assert eta_seconds(callout) == 30 + 30


def test_retries_under_way_are_read_by_attempt(account):
    account.settings = {**account.settings, "max_phone_calls_for_callout_participation": 3}
    account.save()
    callout = running_callout(account, retry_policy={"busy": [600, 600]})
    ended = NOW - timedelta(minutes=1)
    add_calls(callout, 100, status="completed", remotely_queued_at=ended)
    add_calls(callout, 100, status="busy", remotely_queued_at=ended)
    PhoneCall.objects.filter(callout=callout).update(updated_at=ended + timedelta(seconds=10))
    pending = add_calls(callout, 10, status="busy", retry_at=NOW)
    in_flight = add_calls(callout, 10, status="in_progress", remotely_queued_at=NOW)
    # On their first attempts, both groups may come back twice more, 600 s after each call.
    assert eta_seconds(callout) > 1200
    CalloutParticipation.objects.filter(phone_calls__in=pending).update(phone_calls_count=2)
    CalloutParticipation.objects.filter(phone_calls__in=in_flight).update(phone_calls_count=3)
    # The pending retries make the third and last attempt (1 s, then a 10 s call); the calls in
    # flight are the last attempts, over 10 s after their hand-over.
    assert eta_seconds(callout) == 11
