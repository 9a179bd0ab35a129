from collections.abc import Mapping
from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from tests import factories

TWILIO_SID = "AC1234567890abcdef1234567890abcdef"
TWILIO_TOKEN = "twilio-auth-token"
SOMLENG_SID = "8f0a1c3e-6b0e-4e4a-9d7c-0b8f0d7d2b11"
SOMLENG_TOKEN = "somleng-auth-token"
WEBHOOK_PATH = "/twilio_webhooks/phone_call_events"
LEGACY_WEBHOOK_PATH = "/api/remote_phone_call_events"


@pytest.fixture
def account(db):
    return factories.AccountFactory(
        platform_provider_name="twilio", twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN
    )


@pytest.fixture
def somleng_account(db):
    return factories.AccountFactory(
        platform_provider_name="somleng", somleng_account_sid=SOMLENG_SID, somleng_auth_token=SOMLENG_TOKEN
    )


def sign(url: str, params: Mapping[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Provider:
    """Send form-encoded webhooks signed the way Twilio and Somleng sign them."""

    def __init__(self) -> None:
        self.client = Client()

    def post(
        self,
        params: Mapping[str, str],
        *,
        path: str = WEBHOOK_PATH,
        token: str = TWILIO_TOKEN,
        signed_url: str | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        if signature is None:
            signature = sign(signed_url or f"http://testserver{path}", params, token)
        return self.client.post(
            path,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature, **(headers or {})},
        )


@pytest.fixture
def provider() -> Provider:
    return Provider()


def inbound_params(**overrides: str) -> dict[str, str]:
    params = {
        "CallSid": "CA11111111111111111111111111111111",
        "From": "+85510202101",
        "To": "345",
        "Direction": "inbound",
        "CallStatus": "in-progress",
        "AccountSid": TWILIO_SID,
        "ApiVersion": "2010-04-01",
    }
    params.update(overrides)
    return params


def status_callback_params(call_sid: str, call_status: str, **overrides: str) -> dict[str, str]:
    params = {
        "CallSid": call_sid,
        "AccountSid": TWILIO_SID,
        "Direction": "outbound-api",
        "CallStatus": call_status,
        "From": "1294",
        "To": "+252662345678",
    }
    params.update(overrides)
    return params
