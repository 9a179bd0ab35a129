"""A refusal whose error code says the number can never be called is not retried; others are.

Through the provider port's classification (a fake port raising what it would raise), and through
the real port (twilio-python) against the simulator's process, which refuses an invalid `To` with
Twilio's 400 and code 21211.
"""

import datetime

import httpx
import pytest
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.engine import dial
from scfm.telephony import provider
from tests.e2e.stack import Stack, wait_for
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def claim(*calls):
    """Claim `calls` as the dial loop does before a hand-over (the claim itself is tested elsewhere)."""
    PhoneCall.objects.filter(pk__in=[call.pk for call in calls]).update(
        status="queued", claimed_by="w", claim_expires_at=timezone.now() + 60 * SECOND
    )


def hand_over_refused(callout, fake_provider, error):
    fake_provider.place_result = error
    (call,) = add_participants(callout, 1)
    claim(call)
    assert dial.hand_over(call.pk) == "errored"
    call.refresh_from_db()
    return call


@pytest.mark.parametrize("code", [21211, 13224, 21215])
def test_a_refusal_saying_the_number_is_invalid_is_never_retried(running_callout, fake_provider, code):
    error = provider.ProviderRefused(f"400: invalid (error {code})", status=400, code=code)
    call = hand_over_refused(running_callout, fake_provider, error)
    assert call.retry_at is None
    assert call.remote_error_message == f"400: invalid (error {code})"


@pytest.mark.parametrize("code", [None, 21210, 20003])
def test_any_other_refusal_is_retried(running_callout, fake_provider, code):
    error = provider.ProviderRefused("400: refused", status=400, code=code)
    call = hand_over_refused(running_callout, fake_provider, error)
    assert call.retry_at is not None


@pytest.fixture
def simulator(db):
    """The simulator's own process (no web, no engine): only its Calls API is used."""
    stack = Stack()
    stack.start_process("simulator", "simulator", "--port", str(stack.simulator_port))
    try:
        wait_for(f"{stack.simulator_url}/simulator/health")
        yield stack
    finally:
        stack.stop()


@pytest.mark.e2e
def test_the_simulators_invalid_to_is_terminal_and_a_plain_400_is_not(
    simulator, running_callout, somleng_account, settings
):
    somleng_account.somleng_account_sid = "simulator-account"
    somleng_account.somleng_auth_token = "simulator-token"
    somleng_account.somleng_api_base_url = simulator.simulator_url
    somleng_account.save()
    invalid, valid, misaddressed = add_participants(running_callout, 3)
    simulator.configure_simulator(time_scale=0, rules={invalid.msisdn: {"outcome": "invalid-number"}})
    claim(invalid, valid, misaddressed)
    # Nothing listens there: accepted calls' TwiML fetches fail at the simulator, after the create.
    settings.SCFM_PUBLIC_URL = "http://127.0.0.1:9"
    assert dial.hand_over(invalid.pk) == "errored"
    assert dial.hand_over(valid.pk) == "remotely_queued"
    # The simulator refuses a Url that is not http(s): 400 with code 21205, a request to fix, not
    # a number that cannot be called.
    settings.SCFM_PUBLIC_URL = "ftp://scfm.example.org"
    assert dial.hand_over(misaddressed.pk) == "errored"

    calls = {call.pk: call for call in PhoneCall.objects.all()}
    assert "21211" in calls[invalid.pk].remote_error_message
    assert "not a valid phone number" in calls[invalid.pk].remote_error_message
    assert calls[invalid.pk].retry_at is None
    assert "21205" in calls[misaddressed.pk].remote_error_message
    assert calls[misaddressed.pk].retry_at is not None
    ledger = httpx.get(f"{simulator.simulator_url}/simulator/calls", timeout=5).json()
    assert [entry["to"] for entry in ledger["calls"]] == [valid.msisdn]
    assert ledger["rejected"]["400"] == 2
