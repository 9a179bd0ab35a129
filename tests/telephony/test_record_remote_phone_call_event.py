"""The phone call event service: status mapping, ordering, idempotency and the stored details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scfm.calls import event_lookup
from scfm.calls.event_lookup import PhoneCallNotFound, caller_msisdn
from scfm.calls.models import PhoneCall
from scfm.calls.services import record_remote_phone_call_event
from scfm.calls.states import PhoneCallStatus
from scfm.core.errors import BadRequest
from scfm.telephony.payloads import clean_remote_phone_call_event_params
from tests import factories
from tests.telephony.conftest import TWILIO_SID, inbound_params, status_callback_params

CALL_SID = "CA33333333333333333333333333333333"


def outbound_call(account, **fields) -> PhoneCall:
    fields.setdefault("status", PhoneCallStatus.REMOTELY_QUEUED)
    fields.setdefault("remote_call_id", CALL_SID)
    fields.setdefault("remotely_queued_at", timezone.now())
    return factories.PhoneCallFactory(callout_participation__callout__account=account, **fields)


def record(account, call_status: str, *, now=None, **overrides: str):
    params = clean_remote_phone_call_event_params(status_callback_params(CALL_SID, call_status, **overrides))
    return record_remote_phone_call_event(account=account, params=params, now=now)


@pytest.mark.parametrize(
    ("call_status", "status"),
    [
        ("ringing", PhoneCallStatus.IN_PROGRESS),
        ("in-progress", PhoneCallStatus.IN_PROGRESS),
        ("busy", PhoneCallStatus.BUSY),
        ("no-answer", PhoneCallStatus.NOT_ANSWERED),
        ("failed", PhoneCallStatus.FAILED),
        ("canceled", PhoneCallStatus.CANCELED),
        ("completed", PhoneCallStatus.COMPLETED),
    ],
)
def test_call_status_maps_to_phone_call_status(account, call_status, status):
    outbound_call(account)

    phone_call, event = record(account, call_status)

    assert phone_call.status == status
    assert phone_call.remote_status == call_status
    assert event.details["CallStatus"] == call_status


@pytest.mark.parametrize("call_status", ["busy", "no-answer", "failed", "canceled"])
def test_unanswered_outcomes_leave_participation_unanswered(account, call_status):
    outbound_call(account, status=PhoneCallStatus.IN_PROGRESS)

    phone_call, _ = record(account, call_status)

    assert phone_call.callout_participation.answered is False


@pytest.mark.parametrize(
    "settled",
    [
        PhoneCallStatus.BUSY,
        PhoneCallStatus.NOT_ANSWERED,
        PhoneCallStatus.FAILED,
        PhoneCallStatus.CANCELED,
        PhoneCallStatus.COMPLETED,
    ],
)
@pytest.mark.parametrize("call_status", ["ringing", "in-progress", "completed", "busy", "queued"])
def test_settled_call_never_moves(account, settled, call_status):
    outbound_call(account, status=settled, remote_status="settled-before")

    phone_call, event = record(account, call_status, CallDuration="12")

    assert phone_call.status == settled
    assert phone_call.lock_version == 0
    assert phone_call.remote_status == "settled-before"
    assert phone_call.duration == 12  # kept like the reference: filled in while still 0
    assert event.call_duration == 12


def test_expired_call_is_reopened_by_a_later_completed(account):
    outbound_call(account, status=PhoneCallStatus.EXPIRED)

    phone_call, _ = record(account, "completed", CallDuration="30")

    assert phone_call.status == PhoneCallStatus.COMPLETED
    assert phone_call.callout_participation.answered is True


def test_call_still_queued_an_hour_after_hand_over_expires(account):
    now = timezone.now()
    outbound_call(account, remotely_queued_at=now - timedelta(hours=1, seconds=1))

    phone_call, _ = record(account, "queued", now=now)

    assert phone_call.status == PhoneCallStatus.EXPIRED
    assert phone_call.remote_status == "queued"


def test_call_queued_for_less_than_an_hour_stays_remotely_queued(account):
    now = timezone.now()
    outbound_call(account, remotely_queued_at=now - timedelta(minutes=59))

    phone_call, _ = record(account, "queued", now=now)

    assert phone_call.status == PhoneCallStatus.REMOTELY_QUEUED
    assert phone_call.lock_version == 0


def test_inbound_call_queued_without_hand_over_time_stays_created(account):
    params = clean_remote_phone_call_event_params(inbound_params(CallStatus="queued"))

    phone_call, _ = record_remote_phone_call_event(account=account, params=params)

    assert phone_call.status == PhoneCallStatus.CREATED


def test_duration_is_only_filled_in_while_zero(account):
    outbound_call(account, status=PhoneCallStatus.IN_PROGRESS, duration=40)

    phone_call, event = record(account, "completed", CallDuration="87")

    assert phone_call.duration == 40
    assert event.call_duration == 87


def test_updated_at_is_the_event_time(account):
    outbound_call(account)
    now = timezone.now() + timedelta(minutes=5)

    phone_call, _ = record(account, "completed", now=now)

    assert phone_call.updated_at == now


def test_call_sid_of_another_account_raises_not_found(account, other_account):
    outbound_call(other_account)

    with pytest.raises(PhoneCallNotFound):
        record(account, "completed")


def test_second_event_for_a_new_inbound_call_finds_the_first_call(account):
    first = clean_remote_phone_call_event_params(inbound_params(CallStatus="ringing"))
    final = clean_remote_phone_call_event_params(inbound_params(CallStatus="completed", CallDuration="5"))

    record_remote_phone_call_event(account=account, params=first)
    phone_call, _ = record_remote_phone_call_event(account=account, params=final)

    assert PhoneCall.objects.count() == 1
    assert phone_call.status == PhoneCallStatus.COMPLETED
    assert phone_call.duration == 5


def test_unknown_outbound_call_sid_creates_a_call_to_the_called_number(account):
    params = clean_remote_phone_call_event_params(status_callback_params("CA-unknown", "ringing"))

    phone_call, _ = record_remote_phone_call_event(account=account, params=params)

    assert phone_call.msisdn == "+252662345678"
    assert phone_call.contact.msisdn == "+252662345678"
    assert phone_call.remote_direction == "outbound-api"


def test_details_keep_only_the_reference_params():
    raw = {
        **inbound_params(),
        "CallDuration": "87",
        "Digits": "0123",
        "SpeechResult": "hello",
        "Timestamp": "Tue, 01 Jan 2030 00:00:00 +0000",
    }

    details = clean_remote_phone_call_event_params(raw)

    assert details == {**inbound_params(), "CallDuration": 87, "Digits": 123}


@pytest.mark.parametrize(
    ("digits", "stored"), [("5", 5), ("0123", 123), ("*", "*"), ("12#", "12#"), ("", None)]
)
def test_digits_become_integers_when_all_digits(digits, stored):
    details = clean_remote_phone_call_event_params(inbound_params(Digits=digits))

    assert details["Digits"] == stored


def test_blank_call_duration_counts_as_absent():
    details = clean_remote_phone_call_event_params(inbound_params(CallDuration=""))

    assert "CallDuration" not in details


@pytest.mark.parametrize("key", ["CallSid", "From", "To", "Direction", "CallStatus", "AccountSid"])
def test_blank_required_param_is_a_bad_request(key):
    with pytest.raises(BadRequest):
        clean_remote_phone_call_event_params(inbound_params(**{key: " "}))


@pytest.mark.parametrize(
    ("raw", "msisdn"),
    [
        ("+85510202101", "+85510202101"),
        ("(855) 10 202-101", "+85510202101"),
        ("123", "+123"),
        ("anonymous", "anonymous"),
        ("sip:alice@example.com", "sip:alice@example.com"),
        ("client:bob1", "client:bob1"),
        ("+٨٥٥١٠٢٠٢١٠١", "+85510202101"),  # Arabic-Indic digits: the same caller as ASCII ones
        ("+８５５１０２０２１０１", "+85510202101"),  # full-width
    ],
)
def test_caller_msisdn(raw, msisdn):
    assert caller_msisdn(raw) == msisdn


def test_caller_id_too_long_to_store_is_a_bad_request(account):
    params = clean_remote_phone_call_event_params(inbound_params(From="sip:" + "a" * 40 + "@example.com"))

    with pytest.raises(BadRequest):
        record_remote_phone_call_event(account=account, params=params)
    assert not PhoneCall.objects.exists()


def test_account_sid_is_kept_as_sent(account):
    params = clean_remote_phone_call_event_params(inbound_params())

    _, event = record_remote_phone_call_event(account=account, params=params)

    assert event.details["AccountSid"] == TWILIO_SID


def test_first_event_losing_the_insert_race_uses_the_winners_call(account):
    # As if a concurrent first event for the same CallSid committed between lookup and insert.
    params = clean_remote_phone_call_event_params(inbound_params())
    winner, _ = record_remote_phone_call_event(account=account, params=params)

    assert event_lookup._create_inbound_phone_call(account=account, params=params) == winner


def test_insert_race_lost_to_another_account_raises_not_found(account, other_account):
    outbound_call(other_account, remote_call_id=CALL_SID)
    params = clean_remote_phone_call_event_params(inbound_params(CallSid=CALL_SID))

    with pytest.raises(PhoneCallNotFound):
        event_lookup._create_inbound_phone_call(account=account, params=params)
