"""Retry ladders per outcome, the attempts cap, stop_at and start_at (scfm.calls.retries)."""

import datetime

import pytest
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.calls.retries import create_next_attempts, schedule_retry
from scfm.calls.services import record_remote_phone_call_event
from scfm.engine import retry
from tests import factories

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
LADDERS = {"busy": [300, 900], "not_answered": [900, 3600], "failed": [1800], "errored": [], "expired": [900]}


@pytest.fixture
def callout(somleng_account):
    """A running callout with the issue's example ladders, 5 attempts, and 42 s for other outcomes."""
    return factories.CalloutFactory(
        account=somleng_account,
        status="running",
        settings={
            "retry_policy": LADDERS,
            "max_phone_calls_for_callout_participation": 5,
            "phone_call_retry_delay_seconds": 42,
        },
    )


def first_call(callout):
    participation = factories.CalloutParticipationFactory(callout=callout, phone_calls_count=1)
    return factories.PhoneCallFactory(callout_participation=participation)


def end(call, status, now=None):
    """End `call` with `status` as the engine or a webhook does; return its retry delay, or None."""
    now = now or timezone.now()
    PhoneCall.objects.filter(pk=call.pk).update(status=status)
    schedule_retry(phone_call_id=call.pk, status=status, now=now)
    call.refresh_from_db()
    return None if call.retry_at is None else (call.retry_at - now) / SECOND


def next_attempt(call):
    """Let the retry loop create the participation's next call (as if its retry_at had come)."""
    PhoneCall.objects.filter(pk=call.pk).update(retry_at=timezone.now() - SECOND)
    (created,) = create_next_attempts(phone_call_ids=[call.pk])
    return created


def test_the_first_and_second_busy_take_the_first_and_second_rung_then_no_more(callout):
    call = first_call(callout)
    assert end(call, "busy") == 300
    call = next_attempt(call)
    assert end(call, "busy") == 900
    call = next_attempt(call)
    assert end(call, "busy") is None  # the busy ladder is used up, though attempts are left
    call.callout_participation.refresh_from_db()
    assert call.callout_participation.phone_calls_count == 3


def test_each_outcome_climbs_its_own_ladder(callout):
    call = first_call(callout)
    assert end(call, "busy") == 300
    call = next_attempt(call)
    assert end(call, "not_answered") == 900  # the first not_answered, whatever came before
    call = next_attempt(call)
    assert end(call, "not_answered") == 3600
    call = next_attempt(call)
    assert end(call, "busy") == 900  # the second busy


@pytest.mark.parametrize(("outcome", "delay"), [("failed", 1800), ("expired", 900)])
def test_a_one_rung_ladder_retries_once(callout, outcome, delay):
    call = first_call(callout)
    assert end(call, outcome) == delay
    call = next_attempt(call)
    assert end(call, outcome) is None


def test_an_empty_ladder_never_retries(callout):
    assert end(first_call(callout), "errored") is None


def test_an_outcome_without_a_ladder_waits_the_configured_delay(callout):
    call = first_call(callout)
    assert end(call, "canceled") == 42
    call = next_attempt(call)
    assert end(call, "canceled") == 42


def test_without_a_policy_every_outcome_waits_the_configured_delay(somleng_account):
    callout = factories.CalloutFactory(account=somleng_account, status="running")
    assert end(first_call(callout), "busy") == 900  # the account's default
    assert end(first_call(callout), "errored") == 900


def test_the_attempts_cap_holds_whatever_the_ladder(callout):
    callout.settings = {**callout.settings, "max_phone_calls_for_callout_participation": 2}
    callout.save()
    call = first_call(callout)
    assert end(call, "not_answered") == 900
    call = next_attempt(call)
    assert end(call, "not_answered") is None  # two attempts made; the ladder had another rung


def test_a_webhook_schedules_the_ladders_delay(callout):
    call = first_call(callout)
    PhoneCall.objects.filter(pk=call.pk).update(status="in_progress", remote_call_id="CA" + "1" * 32)
    now = timezone.now()
    record_remote_phone_call_event(
        account=callout.account,
        now=now,
        params={
            "CallSid": "CA" + "1" * 32,
            "From": "1294",
            "To": call.msisdn,
            "Direction": "outbound-api",
            "CallStatus": "no-answer",
            "AccountSid": "sim-account",
        },
    )
    call.refresh_from_db()
    assert (call.status, call.retry_at) == ("not_answered", now + 900 * SECOND)


def test_scheduling_a_retry_takes_two_queries(callout, django_assert_num_queries):
    call = first_call(callout)
    PhoneCall.objects.filter(pk=call.pk).update(status="busy")
    with django_assert_num_queries(2):
        schedule_retry(phone_call_id=call.pk, status="busy", now=timezone.now())


def stop_at_in(callout, seconds, now):
    callout.settings = {**callout.settings, "stop_at": (now + seconds * SECOND).isoformat()}
    callout.save()


def test_no_retry_is_scheduled_at_or_after_stop_at(callout):
    now = timezone.now()
    stop_at_in(callout, 900, now)
    assert end(first_call(callout), "busy", now) == 300
    assert end(first_call(callout), "not_answered", now) is None  # 900 s: exactly at stop_at
    assert end(first_call(callout), "failed", now) is None


def test_stop_at_is_read_on_the_calendar_clock(callout, settings):
    now = timezone.now()
    stop_at_in(callout, 3600, now)  # an hour away in real time…
    settings.SCFM_CLOCK_OFFSET_SECONDS = 3400  # …but 200 s away on the calendar
    assert end(first_call(callout), "busy", now) is None  # 300 s would pass it
    settings.SCFM_CLOCK_OFFSET_SECONDS = 3000
    assert end(first_call(callout), "busy", now) == 300


def test_start_at_does_not_delay_or_prevent_retries(callout):
    now = timezone.now()
    callout.settings = {**callout.settings, "start_at": (now + 86400 * SECOND).isoformat()}
    callout.save()
    assert end(first_call(callout), "busy", now) == 300


def test_no_next_attempt_once_stop_at_has_passed(callout, somleng_account, django_assert_max_num_queries):
    other = factories.CalloutFactory(account=somleng_account, status="running")
    stopped_call, going_call = first_call(callout), first_call(other)
    now = timezone.now()
    end(stopped_call, "busy", now)
    end(going_call, "busy", now)
    stop_at_in(callout, -1, now)
    PhoneCall.objects.filter(retry_at__isnull=False).update(retry_at=now - SECOND)
    with django_assert_max_num_queries(10):
        assert retry.tick()
    assert list(PhoneCall.objects.filter(callout=callout).values_list("status", flat=True)) == ["busy"]
    assert sorted(PhoneCall.objects.filter(callout=other).values_list("status", flat=True)) == [
        "busy",
        "created",
    ]
    assert not PhoneCall.objects.filter(retry_at__isnull=False).exists()  # both due markers consumed
