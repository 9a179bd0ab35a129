"""The provider webhooks over HTTP: signatures, status codes, TwiML and what gets stored."""

import pytest

from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.calls.states import PhoneCallStatus
from scfm.contacts.models import Contact
from tests import factories
from tests.telephony.conftest import (
    LEGACY_WEBHOOK_PATH,
    SOMLENG_SID,
    SOMLENG_TOKEN,
    TWILIO_SID,
    WEBHOOK_PATH,
    inbound_params,
    status_callback_params,
)

HELLO_WORLD_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    "<Say>Thanks for trying our documentation. Enjoy!</Say>"
    "<Play>https://demo.twilio.com/docs/classic.mp3</Play>"
    "</Response>"
)
NO_AUDIO_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say>No audio URL to play. Bye Bye</Say></Response>'
)
VALIDATION_FAILED = b"Twilio Request Validation Failed."
OUTBOUND_SID = "CA22222222222222222222222222222222"


def outbound_call(account, **fields) -> PhoneCall:
    fields.setdefault("status", PhoneCallStatus.REMOTELY_QUEUED)
    fields.setdefault("remote_call_id", OUTBOUND_SID)
    fields.setdefault("remote_direction", "outbound-api")
    return factories.PhoneCallFactory(callout_participation__callout__account=account, **fields)


def assert_validation_failed(response) -> None:
    assert response.status_code == 403
    assert response["Content-Type"] == "text/plain"
    assert response.content == VALIDATION_FAILED


@pytest.mark.parametrize("path", [WEBHOOK_PATH, LEGACY_WEBHOOK_PATH])
def test_inbound_call_creates_contact_call_and_event_and_answers_hello_world(provider, account, path):
    params = inbound_params()

    response = provider.post(params, path=path)

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/xml")
    assert "Location" not in response
    assert response.content.decode() == HELLO_WORLD_TWIML
    contact = Contact.objects.get(account=account)
    assert contact.msisdn == "+85510202101"
    phone_call = PhoneCall.objects.get(remote_call_id=params["CallSid"])
    assert phone_call.account == account
    assert phone_call.contact == contact
    assert phone_call.msisdn == "+85510202101"
    assert phone_call.status == PhoneCallStatus.IN_PROGRESS
    assert phone_call.remote_status == "in-progress"
    assert phone_call.remote_direction == "inbound"
    assert phone_call.call_flow_logic == account.call_flow_logic
    assert phone_call.callout_participation is None
    event = RemotePhoneCallEvent.objects.get(phone_call=phone_call)
    assert event.details == params
    assert event.remote_call_id == params["CallSid"]
    assert event.remote_direction == "inbound"
    assert event.call_flow_logic == "CallFlowLogic::HelloWorld"
    assert event.call_duration == 0


def test_inbound_call_reuses_the_callers_contact(provider, account):
    contact = factories.ContactFactory(account=account, msisdn="+85510202101")

    provider.post(inbound_params(From="+855 10 202 101"))

    assert PhoneCall.objects.get().contact == contact
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(("caller", "msisdn"), [("anonymous", "anonymous"), ("123", "+123")])
def test_inbound_call_from_an_implausible_number_still_gets_contact_and_call(
    provider, account, caller, msisdn
):
    response = provider.post(inbound_params(From=caller))

    assert response.status_code == 201
    phone_call = PhoneCall.objects.get()
    assert phone_call.contact.msisdn == msisdn
    assert phone_call.msisdn == msisdn
    assert phone_call.status == PhoneCallStatus.IN_PROGRESS


def test_inbound_call_on_a_play_message_account_says_there_is_no_audio(provider, account):
    account.call_flow_logic = "CallFlowLogic::PlayMessage"
    account.save(update_fields=["call_flow_logic"])

    response = provider.post(inbound_params())

    assert response.status_code == 201
    assert response.content.decode() == NO_AUDIO_TWIML


def test_outbound_play_message_call_plays_the_callout_audio(provider, account):
    phone_call = outbound_call(
        account,
        call_flow_logic="CallFlowLogic::PlayMessage",
        callout_participation__callout__audio_url="https://example.com/alert.mp3",
    )

    response = provider.post(status_callback_params(phone_call.remote_call_id, "in-progress"))

    assert response.status_code == 201
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        "<Play>https://example.com/alert.mp3</Play></Response>"
    )


def test_outbound_completed_callback_completes_call_and_marks_participation_answered(provider, account):
    phone_call = outbound_call(account)

    params = status_callback_params(phone_call.remote_call_id, "completed", CallDuration="87")

    response = provider.post(params)

    assert response.status_code == 201
    assert response.content.decode() == HELLO_WORLD_TWIML
    phone_call.refresh_from_db()
    assert phone_call.status == PhoneCallStatus.COMPLETED
    assert phone_call.remote_status == "completed"
    assert phone_call.duration == 87
    assert phone_call.lock_version == 1
    assert phone_call.callout_participation.answered is True
    event = RemotePhoneCallEvent.objects.get(phone_call=phone_call)
    assert event.call_duration == 87
    assert event.details["CallDuration"] == 87
    assert PhoneCall.objects.count() == 1
    assert Contact.objects.count() == 1


def test_late_ringing_after_completed_leaves_the_call_completed(provider, account):
    phone_call = outbound_call(account)
    provider.post(status_callback_params(phone_call.remote_call_id, "completed", CallDuration="87"))

    response = provider.post(status_callback_params(phone_call.remote_call_id, "ringing"))

    assert response.status_code == 201
    phone_call.refresh_from_db()
    assert phone_call.status == PhoneCallStatus.COMPLETED
    assert phone_call.remote_status == "completed"
    assert phone_call.lock_version == 1
    assert phone_call.remote_phone_call_events.count() == 2


def test_duplicate_completed_callback_changes_nothing(provider, account):
    phone_call = outbound_call(account)
    params = status_callback_params(phone_call.remote_call_id, "completed", CallDuration="87")
    provider.post(params)

    response = provider.post(params)

    assert response.status_code == 201
    phone_call.refresh_from_db()
    assert phone_call.status == PhoneCallStatus.COMPLETED
    assert phone_call.duration == 87
    assert phone_call.lock_version == 1


def test_somleng_account_sid_finds_the_somleng_account(provider, somleng_account):
    params = inbound_params(AccountSid=SOMLENG_SID)

    response = provider.post(params, token=SOMLENG_TOKEN)

    assert response.status_code == 201
    assert PhoneCall.objects.get().account == somleng_account


def test_account_sid_is_matched_case_insensitively(provider, account):
    response = provider.post(inbound_params(AccountSid="AC" + TWILIO_SID[2:].upper()))

    assert response.status_code == 201


def test_signature_over_the_forwarded_https_url_is_accepted(provider, account):
    response = provider.post(
        inbound_params(),
        signed_url=f"https://scfm.example.org{WEBHOOK_PATH}",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "scfm.example.org"},
    )

    assert response.status_code == 201


def test_signature_over_the_internal_url_is_refused_behind_a_proxy(provider, account):
    response = provider.post(inbound_params(), headers={"X-Forwarded-Proto": "https"})

    assert_validation_failed(response)


def test_wrong_signature_is_refused_and_nothing_is_stored(provider, account):
    response = provider.post(inbound_params(), token="not-the-auth-token")

    assert_validation_failed(response)
    assert not PhoneCall.objects.exists()
    assert not Contact.objects.exists()


def test_missing_signature_is_refused(provider, account):
    response = provider.post(inbound_params(), signature="")

    assert_validation_failed(response)


def test_unknown_account_sid_is_refused(provider, account):
    response = provider.post(inbound_params(AccountSid="AC" + "0" * 32))

    assert_validation_failed(response)


def test_missing_account_sid_is_refused(provider, account):
    params = inbound_params()
    del params["AccountSid"]

    assert_validation_failed(provider.post(params))


def test_account_without_auth_token_is_refused(provider, account):
    account.twilio_auth_token = ""
    account.save(update_fields=["twilio_auth_token"])

    assert_validation_failed(provider.post(inbound_params(), token=""))


@pytest.mark.parametrize("missing", ["CallSid", "From", "To", "Direction", "CallStatus"])
def test_missing_required_param_is_a_bad_request(provider, account, missing):
    params = inbound_params()
    del params[missing]

    response = provider.post(params)

    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}
    assert not PhoneCall.objects.exists()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"CallDuration": "abc"},
        {"CallDuration": "-1"},
        {"CallDuration": "9" * 20},
        {"CallDuration": "9" * 5000},  # more digits than Python converts to an int
        {"ApiVersion": "2008-08-01"},
        {"CallSid": "x" * 256},
        {"From": "+855\x00"},
    ],
)
def test_invalid_param_is_a_bad_request(provider, account, bad):
    response = provider.post(inbound_params(**bad))

    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}


@pytest.mark.parametrize(
    ("digits", "stored"), [("0123", 123), ("9" * 18, 10**18 - 1), ("9" * 5000, "9" * 5000)]
)
def test_digits_are_a_number_when_they_fit_64_bits_else_kept_as_typed(provider, account, digits, stored):
    response = provider.post(inbound_params(Digits=digits))

    assert response.status_code == 201
    assert RemotePhoneCallEvent.objects.get().details["Digits"] == stored


def test_call_sid_of_another_account_is_not_touched(provider, account, other_account):
    other_call = outbound_call(other_account, status=PhoneCallStatus.IN_PROGRESS)
    params = status_callback_params(other_call.remote_call_id, "completed", CallDuration="87")

    response = provider.post(params)

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found"}
    other_call.refresh_from_db()
    assert other_call.status == PhoneCallStatus.IN_PROGRESS
    assert other_call.duration == 0
    assert not RemotePhoneCallEvent.objects.exists()
    assert not Contact.objects.filter(account=account).exists()


def test_phone_call_id_in_the_url_finds_a_call_whose_call_sid_is_not_stored_yet(provider, account):
    phone_call = outbound_call(account, remote_call_id=None)

    response = provider.post(
        status_callback_params(OUTBOUND_SID, "in-progress"), path=f"{WEBHOOK_PATH}/{phone_call.pk}"
    )

    assert response.status_code == 201
    phone_call.refresh_from_db()
    assert phone_call.remote_call_id == OUTBOUND_SID
    assert phone_call.status == PhoneCallStatus.IN_PROGRESS
    assert PhoneCall.objects.count() == 1


def test_phone_call_id_of_another_account_is_not_found(provider, account, other_account):
    other_call = outbound_call(other_account, remote_call_id=None)

    response = provider.post(
        status_callback_params(OUTBOUND_SID, "completed"), path=f"{WEBHOOK_PATH}/{other_call.pk}"
    )

    assert response.status_code == 404
    other_call.refresh_from_db()
    assert other_call.remote_call_id is None
    assert other_call.status == PhoneCallStatus.REMOTELY_QUEUED


def test_json_format_suffix_is_not_acceptable(provider, account):
    response = provider.post(inbound_params(), path=f"{LEGACY_WEBHOOK_PATH}.json")

    assert response.status_code == 406
    assert not PhoneCall.objects.exists()


def test_get_on_the_twilio_webhook_path_is_not_allowed(client, account):
    assert client.get(WEBHOOK_PATH).status_code == 405


def test_get_on_the_legacy_path_lists_events_with_a_token(client, account):
    response = client.get(LEGACY_WEBHOOK_PATH)

    assert response.status_code == 401  # the REST API's list, which needs an access token
