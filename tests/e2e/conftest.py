import pytest

from tests import factories
from tests.e2e.stack import Stack


@pytest.fixture
def stack(transactional_db):
    """Web, engine and simulator processes over loopback, sharing the test database."""
    running = Stack().start()
    try:
        yield running
    finally:
        running.stop()


def simulator_account(stack, **settings):
    """Return an account whose provider is the stack's simulator, retrying after 1 s, at most 3 attempts."""
    return factories.AccountFactory(
        platform_provider_name="somleng",
        somleng_account_sid="simulator-account",
        somleng_auth_token="simulator-token",
        somleng_api_base_url=stack.simulator_url,
        settings={
            "from_phone_number": "1294",
            "phone_call_queue_limit": 1200,
            "max_phone_calls_for_callout_participation": 3,
            "phone_call_retry_delay_seconds": 1,
            **settings,
        },
    )


@pytest.fixture
def simulated_account(stack):
    return simulator_account(stack)
