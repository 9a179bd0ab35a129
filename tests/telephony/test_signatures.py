from django.test import RequestFactory

from scfm.telephony.signatures import find_account_for_sid, is_valid_signature, webhook_url
from tests import factories
from tests.telephony.conftest import SOMLENG_SID, SOMLENG_TOKEN, TWILIO_SID, TWILIO_TOKEN, sign

PATH = "/twilio_webhooks/phone_call_events"


def test_webhook_url_is_the_request_url():
    request = RequestFactory().post(f"{PATH}?a=1")

    assert webhook_url(request) == f"http://testserver{PATH}?a=1"


def test_webhook_url_honours_forwarded_proto_host_and_port():
    request = RequestFactory().post(
        PATH,
        headers={
            "X-Forwarded-Proto": "https, http",
            "X-Forwarded-Host": "scfm.example.org",
            "X-Forwarded-Port": "8443",
        },
    )

    assert webhook_url(request) == f"https://scfm.example.org:8443{PATH}"


def test_webhook_url_leaves_default_forwarded_port_out():
    request = RequestFactory().post(
        PATH,
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "scfm.example.org",
            "X-Forwarded-Port": "443",
        },
    )

    assert webhook_url(request) == f"https://scfm.example.org{PATH}"


def test_webhook_url_keeps_the_requested_path_when_path_info_was_rewritten():
    request = RequestFactory().post(f"{PATH}.xml")
    request.path_info = PATH  # what the format-suffix middleware does

    assert webhook_url(request) == f"http://testserver{PATH}.xml"


def test_find_account_for_twilio_sid(account):
    assert find_account_for_sid(TWILIO_SID) == (account, TWILIO_TOKEN)
    assert find_account_for_sid("AC" + TWILIO_SID[2:].upper()) == (account, TWILIO_TOKEN)


def test_find_account_for_somleng_sid(somleng_account):
    assert find_account_for_sid(SOMLENG_SID.upper()) == (somleng_account, SOMLENG_TOKEN)


def test_twilio_style_sid_is_not_looked_up_among_somleng_sids(db):
    factories.AccountFactory(somleng_account_sid=TWILIO_SID, somleng_auth_token=SOMLENG_TOKEN)

    assert find_account_for_sid(TWILIO_SID) is None


def test_unknown_or_blank_sid_finds_nothing(account):
    assert find_account_for_sid("") is None
    assert find_account_for_sid("AC" + "f" * 32) is None
    assert find_account_for_sid("not-a-somleng-sid") is None


def test_account_without_token_is_not_found(db):
    factories.AccountFactory(twilio_account_sid=TWILIO_SID, twilio_auth_token=None)

    assert find_account_for_sid(TWILIO_SID) is None


def test_signature_is_checked_against_the_post_params():
    params = {"CallSid": "CA1", "AccountSid": TWILIO_SID}
    signature = sign(f"http://testserver{PATH}", params)

    good = RequestFactory().post(PATH, params, headers={"X-Twilio-Signature": signature})
    tampered = RequestFactory().post(
        PATH, {**params, "CallSid": "CA2"}, headers={"X-Twilio-Signature": signature}
    )

    assert is_valid_signature(good, TWILIO_TOKEN)
    assert not is_valid_signature(tampered, TWILIO_TOKEN)
    assert not is_valid_signature(good, "other-token")
    assert not is_valid_signature(RequestFactory().post(PATH, params), TWILIO_TOKEN)
