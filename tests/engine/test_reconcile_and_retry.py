import datetime

import pytest
from django.utils import timezone

from scfm.calls import retries
from scfm.calls.models import PhoneCall
from scfm.engine import reconcile, retry
from scfm.telephony import provider
from tests import factories
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def handed_over(callout, *, minutes_ago, status="remotely_queued"):
    (call,) = add_participants(callout, 1)
    PhoneCall.objects.filter(pk=call.pk).update(
        status=status,
        remote_call_id=f"CA{call.pk:032d}",
        remotely_queued_at=timezone.now() - minutes_ago * MINUTE,
    )
    call.refresh_from_db()
    return call


def test_stale_calls_are_fetched_and_updated_without_running_the_call_flow(running_callout, fake_provider):
    stale = handed_over(running_callout, minutes_ago=11)
    fresh = handed_over(running_callout, minutes_ago=2)
    fake_provider.fetch_result = provider.RemoteCall(
        status="completed", duration=33, resource={"status": "completed"}
    )
    assert reconcile.tick()
    assert fake_provider.fetched == [stale.remote_call_id]
    stale.refresh_from_db()
    assert (stale.status, stale.duration, stale.remote_status) == ("completed", 33, "completed")
    assert stale.remote_response == {"status": "completed"}
    assert stale.remote_status_fetch_queued_at is not None
    assert stale.remote_phone_call_events.count() == 0
    assert stale.callout_participation.__class__.objects.get(pk=stale.callout_participation_id).answered
    fresh.refresh_from_db()
    assert fresh.status == "remotely_queued"


def test_fetch_is_repeated_only_after_the_interval(running_callout, fake_provider):
    handed_over(running_callout, minutes_ago=11)
    fake_provider.fetch_result = provider.RemoteCall(status="ringing", duration=None)
    reconcile.tick()
    reconcile.tick()
    assert len(fake_provider.fetched) == 1
    reconcile.tick(now=timezone.now() + 16 * MINUTE)
    assert len(fake_provider.fetched) == 2


def test_still_queued_an_hour_after_hand_over_expires_and_is_retried(running_callout, fake_provider):
    call = handed_over(running_callout, minutes_ago=61)
    fake_provider.fetch_result = provider.RemoteCall(status="queued", duration=None)
    reconcile.tick()
    call.refresh_from_db()
    assert call.status == "expired"
    assert call.retry_at is not None


def unknown_hand_over(callout):
    (call,) = add_participants(callout, 1)
    PhoneCall.objects.filter(pk=call.pk).update(
        status="queued", claimed_by="dead", claim_expires_at=timezone.now() - 11 * MINUTE
    )
    return call


def test_unknown_hand_over_the_provider_never_got_becomes_errored(running_callout, fake_provider):
    call = unknown_hand_over(running_callout)
    assert reconcile.tick()
    call.refresh_from_db()
    assert call.status == "errored"
    assert call.retry_at is not None
    assert fake_provider.placed == []  # never sent again


def test_unknown_hand_over_the_provider_placed_is_bound_to_its_call(running_callout, fake_provider):
    call = unknown_hand_over(running_callout)
    sid = "CA" + "7" * 32
    fake_provider.found = [
        provider.RemoteCall(status="completed", duration=40, sid=sid, resource={"to": call.msisdn})
    ]
    reconcile.tick()
    call.refresh_from_db()
    assert (call.status, call.remote_call_id, call.duration) == ("completed", sid, 40)
    assert call.retry_at is None
    assert fake_provider.placed == []


def test_a_provider_call_already_bound_elsewhere_is_not_taken(running_callout, fake_provider):
    call = unknown_hand_over(running_callout)
    other = handed_over(running_callout, minutes_ago=1)
    fake_provider.found = [
        provider.RemoteCall(
            status="completed", duration=1, sid=other.remote_call_id, resource={"to": call.msisdn}
        )
    ]
    reconcile.tick()
    call.refresh_from_db()
    assert call.status == "errored"


def test_lookup_failures_leave_the_call_for_later(running_callout, fake_provider):
    call = unknown_hand_over(running_callout)
    fake_provider.found = provider.OutcomeUnknown("ReadTimeout")
    reconcile.tick()
    call.refresh_from_db()
    assert call.status == "queued"


def test_retry_creates_the_next_attempt_when_due(running_callout):
    (call,) = add_participants(running_callout, 1)
    PhoneCall.objects.filter(pk=call.pk).update(status="busy", retry_at=timezone.now() - MINUTE)
    assert retry.tick()
    attempts = PhoneCall.objects.filter(callout_participation=call.callout_participation).order_by("id")
    assert [a.status for a in attempts] == ["busy", "created"]
    assert attempts[1].msisdn == call.msisdn
    call.callout_participation.refresh_from_db()
    assert call.callout_participation.phone_calls_count == 2
    assert not retry.tick()  # the due marker is consumed


def test_retry_waits_for_the_delay(running_callout):
    (call,) = add_participants(running_callout, 1)
    PhoneCall.objects.filter(pk=call.pk).update(status="busy", retry_at=timezone.now() + MINUTE)
    assert not retry.tick()
    assert PhoneCall.objects.count() == 1


@pytest.mark.parametrize("why", ["answered", "max_attempts", "active_call"])
def test_no_retry_when_the_rule_says_no(running_callout, why):
    (call,) = add_participants(running_callout, 1)
    participation = call.callout_participation
    if why == "answered":
        participation.answered = True
    if why == "max_attempts":
        participation.phone_calls_count = 3
    participation.save()
    if why == "active_call":
        factories.PhoneCallFactory(callout_participation=participation, status="in_progress")
    PhoneCall.objects.filter(pk=call.pk).update(status="busy", retry_at=timezone.now() - MINUTE)
    before = PhoneCall.objects.count()
    retry.tick()
    assert PhoneCall.objects.count() == before
    call.refresh_from_db()
    assert call.retry_at is None


def test_callout_settings_override_attempts_but_never_beyond_ten(running_callout):
    running_callout.settings = {"max_phone_calls_for_callout_participation": 50}
    running_callout.save()
    (call,) = add_participants(running_callout, 1)
    participation = call.callout_participation
    participation.phone_calls_count = 10
    participation.save()
    PhoneCall.objects.filter(pk=call.pk).update(status="expired", retry_at=timezone.now() - MINUTE)
    retry.tick()
    assert PhoneCall.objects.count() == 1


@pytest.mark.parametrize(
    ("setting", "delay"),
    [
        (30, 30),
        ("30", 30),
        (-5, 0),
        # Settings are free JSON through the API; years of delay would overflow the date.
        (10**12, retries.MAX_RETRY_DELAY_SECONDS),
        ("9" * 5000, 900),  # not a number Python converts: the account's delay
    ],
)
def test_busy_callback_schedules_retry_after_the_configured_delay(running_callout, setting, delay):
    from scfm.calls.services import record_remote_phone_call_event

    running_callout.settings = {"phone_call_retry_delay_seconds": setting}
    running_callout.save()
    call = handed_over(running_callout, minutes_ago=1)
    now = timezone.now()
    record_remote_phone_call_event(
        account=running_callout.account,
        now=now,
        params={
            "CallSid": call.remote_call_id,
            "From": "1294",
            "To": call.msisdn,
            "Direction": "outbound-api",
            "CallStatus": "busy",
            "AccountSid": "sim-account",
        },
    )
    call.refresh_from_db()
    assert call.status == "busy"
    assert call.retry_at == now + datetime.timedelta(seconds=delay)
