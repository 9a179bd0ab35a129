import datetime
import threading
import time

import pytest
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.engine import dial
from scfm.telephony import provider
from tests import factories
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db


def test_claims_only_calls_of_running_callouts(running_callout, somleng_account):
    paused = factories.CalloutFactory(account=somleng_account, status="paused")
    running_calls = add_participants(running_callout, 2)
    add_participants(paused, 2)
    now = timezone.now()
    claimed = dial.claim_calls(
        account_id=somleng_account.pk, callout_ids=[running_callout.pk], worker="w1", now=now, limit=10
    )
    # 60 calls a minute: one now, the next a second later.
    assert claimed == [running_calls[0].pk]
    call = PhoneCall.objects.get(pk=claimed[0])
    assert (call.status, call.claimed_by) == ("queued", "w1")
    assert (
        dial.claim_calls(
            account_id=somleng_account.pk, callout_ids=[running_callout.pk], worker="w1", now=now, limit=10
        )
        == []
    )
    later = now + datetime.timedelta(seconds=1)
    assert dial.claim_calls(
        account_id=somleng_account.pk, callout_ids=[running_callout.pk], worker="w1", now=later, limit=10
    ) == [running_calls[1].pk]


def test_pacing_allows_the_configured_rate_and_no_more(running_callout, somleng_account):
    somleng_account.settings["phone_call_queue_limit"] = 600  # ten a second
    somleng_account.save()
    add_participants(running_callout, 40)
    start = timezone.now()
    claimed = []
    for step in range(31):  # three seconds in 100 ms steps
        claimed += dial.claim_calls(
            account_id=somleng_account.pk,
            callout_ids=[running_callout.pk],
            worker="w",
            now=start + datetime.timedelta(milliseconds=100 * step),
            limit=100,
        )
    # At most a quarter second of catch-up at the start (three calls), then one every 100 ms.
    assert len(claimed) == 3 + 30


def test_zero_rate_dials_nothing(running_callout, somleng_account):
    somleng_account.settings["phone_call_queue_limit"] = 0
    somleng_account.save()
    add_participants(running_callout, 1)
    assert (
        dial.claim_calls(
            account_id=somleng_account.pk,
            callout_ids=[running_callout.pk],
            worker="w",
            now=timezone.now(),
            limit=10,
        )
        == []
    )


@pytest.mark.parametrize("limit", [10**9, 10**30])
def test_a_rate_beyond_reason_means_no_limit(running_callout, somleng_account, limit):
    # Stored through the API (settings are free JSON); the interval between calls rounds to zero.
    somleng_account.settings["phone_call_queue_limit"] = limit
    somleng_account.save()
    add_participants(running_callout, 5)
    claimed = dial.claim_calls(
        account_id=somleng_account.pk,
        callout_ids=[running_callout.pk],
        worker="w",
        now=timezone.now(),
        limit=10,
    )
    assert len(claimed) == 5


def claim_one(callout):
    return dial.claim_calls(
        account_id=callout.account_id, callout_ids=[callout.pk], worker="w", now=timezone.now(), limit=1
    )[0]


def test_hand_over_records_the_provider_call(running_callout, fake_provider, settings):
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    (call,) = add_participants(running_callout, 1)
    claim_one(running_callout)
    assert dial.hand_over(call.pk) == "remotely_queued"
    (request,) = fake_provider.placed
    assert request["to"] == call.msisdn
    assert request["from"] == "1294"
    assert (
        request["url"]
        == request["status_callback"]
        == (f"https://scfm.example.org/twilio_webhooks/phone_call_events/{call.pk}")
    )
    assert request["config"].base_url == "http://127.0.0.1:8001"
    call.refresh_from_db()
    assert call.status == "remotely_queued"
    assert call.remote_call_id.startswith("CA")
    assert (call.remote_status, call.remote_direction) == ("queued", "outbound-api")
    assert call.remote_queue_response["sid"] == call.remote_call_id
    assert call.remotely_queued_at is not None
    assert call.claimed_by is None


def test_hand_over_is_never_repeated(running_callout, fake_provider):
    (call,) = add_participants(running_callout, 1)
    claim_one(running_callout)
    dial.hand_over(call.pk)
    dial.hand_over(call.pk)
    assert len(fake_provider.placed) == 1


def test_refused_call_is_errored_and_scheduled_for_retry(running_callout, fake_provider):
    fake_provider.place_result = provider.ProviderRefused("400: invalid To", status=400)
    (call,) = add_participants(running_callout, 1)
    claim_one(running_callout)
    assert dial.hand_over(call.pk) == "errored"
    call.refresh_from_db()
    assert call.status == "errored"
    assert call.remote_error_message == "400: invalid To"
    assert call.retry_at is not None


def test_busy_provider_gets_the_call_back_later(running_callout, fake_provider):
    fake_provider.place_result = provider.ProviderBusy("429: too many requests", status=429)
    (call,) = add_participants(running_callout, 1)
    claim_one(running_callout)
    assert dial.hand_over(call.pk) == "created"
    call.refresh_from_db()
    assert (call.status, call.claimed_by) == ("created", None)


def test_unknown_outcome_is_left_for_reconciliation(running_callout, fake_provider):
    fake_provider.place_result = provider.OutcomeUnknown("ReadTimeout")
    (call,) = add_participants(running_callout, 1)
    claim_one(running_callout)
    assert dial.hand_over(call.pk) == "queued"
    dial.hand_over(call.pk)  # a second look never re-sends it
    assert len(fake_provider.placed) == 2  # both attempts raised before a CallSid existed
    call.refresh_from_db()
    assert call.status == "queued"
    assert call.remote_error_message.startswith("outcome unknown")


@pytest.mark.django_db(transaction=True)
def test_dialer_tick_hands_over_every_due_call(running_callout, somleng_account, fake_provider):
    somleng_account.settings["phone_call_queue_limit"] = 6000
    somleng_account.save()
    add_participants(running_callout, 5)
    dialer = dial.Dialer(worker="w", max_in_flight=4)
    try:
        assert dialer.tick(now=timezone.now() + datetime.timedelta(seconds=5))
    finally:
        dialer.drain()
    assert PhoneCall.objects.filter(status="remotely_queued").count() == 4
    assert len(fake_provider.placed) == 4


def placed_outcome(call, sid, *, status="queued"):
    return dial.Outcome(
        call=dial.ClaimedCall(call.pk, call.msisdn, call.account_id),
        at=timezone.now(),
        placed=provider.PlacedCall(
            sid=sid, status=status, direction="outbound-api", resource={"sid": sid, "status": status}
        ),
    )


def claim_all(callout):
    callout.account.settings["phone_call_queue_limit"] = 60_000
    callout.account.save()
    return dial.claim_calls(
        account_id=callout.account_id, callout_ids=[callout.pk], worker="w", now=timezone.now(), limit=100
    )


def test_recording_a_batch_of_hand_overs_is_one_record_per_call(running_callout):
    calls = add_participants(running_callout, 3)
    assert len(claim_all(running_callout)) == 3
    # A fast provider's callback moved the second call on before the engine recorded it.
    PhoneCall.objects.filter(pk=calls[1].pk).update(
        status="in_progress", remote_status="ringing", remote_call_id="CA-early"
    )
    dial.record_outcomes([placed_outcome(call, f"CA{n}") for n, call in enumerate(calls)])

    first, early, last = (PhoneCall.objects.get(pk=call.pk) for call in calls)
    for call, sid in ((first, "CA0"), (last, "CA2")):
        assert (call.status, call.remote_status, call.remote_call_id) == ("remotely_queued", "queued", sid)
        assert (call.remote_direction, call.remote_queue_response) == (
            "outbound-api",
            {"sid": sid, "status": "queued"},
        )
        assert call.remotely_queued_at is not None
        assert (call.claimed_by, call.claim_expires_at) == (None, None)
        assert call.lock_version == 2  # claim, then record
    # The callback's news stands; the hand-over is still recorded.
    assert (early.status, early.remote_status, early.remote_call_id) == ("in_progress", "ringing", "CA-early")
    assert early.remote_queue_response == {"sid": "CA1", "status": "queued"}
    assert early.remotely_queued_at is not None
    assert early.claimed_by is None


def test_recording_outcomes_that_are_not_placed_calls(running_callout):
    busy, refused, unknown = add_participants(running_callout, 3)
    assert len(claim_all(running_callout)) == 3

    def outcome(call, error):
        return dial.Outcome(
            call=dial.ClaimedCall(call.pk, call.msisdn, call.account_id), at=timezone.now(), error=error
        )

    dial.record_outcomes(
        [
            outcome(busy, provider.ProviderBusy("429", status=429)),
            outcome(refused, provider.ProviderRefused("400: invalid To", status=400)),
            outcome(unknown, provider.OutcomeUnknown("ReadTimeout")),
        ]
    )
    busy, refused, unknown = (PhoneCall.objects.get(pk=call.pk) for call in (busy, refused, unknown))
    assert (busy.status, busy.claimed_by) == ("created", None)
    assert (refused.status, refused.remote_error_message) == ("errored", "400: invalid To")
    assert refused.retry_at is not None
    assert unknown.status == "queued"
    assert unknown.remote_error_message == "outcome unknown: ReadTimeout"


@pytest.mark.django_db(transaction=True)
def test_dialer_records_every_kind_of_answer(running_callout, somleng_account, fake_provider):
    somleng_account.settings["phone_call_queue_limit"] = 6000
    somleng_account.save()
    fake_provider.place_result = provider.ProviderBusy("503: unavailable", status=503)
    (call,) = add_participants(running_callout, 1)
    dialer = dial.Dialer(worker="w", max_in_flight=4)
    try:
        assert dialer.tick(now=timezone.now() + datetime.timedelta(seconds=5))
    finally:
        dialer.drain()
    call.refresh_from_db()
    assert (call.status, call.claimed_by) == ("created", None)
    assert len(fake_provider.placed) == 1


@pytest.mark.django_db(transaction=True)
def test_dialer_never_sends_a_call_that_already_has_a_call_sid(
    running_callout, somleng_account, fake_provider
):
    somleng_account.settings["phone_call_queue_limit"] = 6000
    somleng_account.save()
    sent, named = add_participants(running_callout, 2)
    PhoneCall.objects.filter(pk=named.pk).update(remote_call_id="CA-known")
    dialer = dial.Dialer(worker="w", max_in_flight=4)
    try:
        assert dialer.tick(now=timezone.now() + datetime.timedelta(seconds=5))
    finally:
        dialer.drain()
    assert [request["to"] for request in fake_provider.placed] == [sent.msisdn]
    named.refresh_from_db()
    assert (named.status, named.remote_call_id) == ("queued", "CA-known")  # left to reconciliation


@pytest.mark.django_db(transaction=True)
def test_dialer_idles_until_the_next_call_is_due(running_callout, somleng_account, fake_provider):
    somleng_account.settings["phone_call_queue_limit"] = 300  # one every 200 ms
    somleng_account.save()
    add_participants(running_callout, 5)
    dialer = dial.Dialer(worker="w", max_in_flight=4)
    try:
        assert dialer.tick()  # the quarter second of catch-up: two calls
        deadline = time.monotonic() + 5
        while dialer.free_capacity() < 4 and time.monotonic() < deadline:
            dialer.wait(0.05, threading.Event())
            dialer.record_finished()
        assert not dialer.tick()  # the next call is not due yet
        started = time.monotonic()
        dialer.wait(5.0, threading.Event())
        assert time.monotonic() - started < 1.0  # woken for it, not after the full pause
        assert dialer.tick()
    finally:
        dialer.drain()
    assert len(fake_provider.placed) == 3


def test_an_account_whose_claim_fails_does_not_stop_the_others(
    running_callout, somleng_account, fake_provider, monkeypatch
):
    somleng_account.settings["phone_call_queue_limit"] = 60000
    somleng_account.save()
    other_callout = factories.CalloutFactory(account=factories.AccountFactory(), status="running")
    add_participants(other_callout, 2)
    add_participants(running_callout, 2)
    real_claim = dial._claim

    def claim(*, account_id, **kwargs):
        if account_id == other_callout.account_id:
            raise ZeroDivisionError("a setting nobody foresaw")
        return real_claim(account_id=account_id, **kwargs)

    monkeypatch.setattr(dial, "_claim", claim)
    dialer = dial.Dialer(worker="w")
    dialer.tick()
    dialer.drain()

    assert PhoneCall.objects.filter(callout=running_callout).exclude(status="created").count() == 2
    assert PhoneCall.objects.filter(callout=other_callout, status="created").count() == 2
