import itertools
from dataclasses import dataclass, field

import pytest

from scfm.telephony import provider
from tests import factories


@dataclass
class FakeProvider:
    """Records place/fetch requests; answers as told (a result, or an exception to raise)."""

    placed: list[dict] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    place_result: object = None
    fetch_result: object = None
    found: list = field(default_factory=list)  # what find_calls answers
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def place_call(self, config, *, to, from_, url, status_callback):
        self.placed.append(
            {"config": config, "to": to, "from": from_, "url": url, "status_callback": status_callback}
        )
        if isinstance(self.place_result, Exception):
            raise self.place_result
        sid = f"CA{next(self._sids):032d}"
        return provider.PlacedCall(
            sid=sid,
            status="queued",
            direction="outbound-api",
            resource={"sid": sid, "status": "queued", "to": to},
        )

    def fetch_call(self, config, sid):
        self.fetched.append(sid)
        if isinstance(self.fetch_result, Exception):
            raise self.fetch_result
        return self.fetch_result

    def find_calls(self, config, *, to, created_since):
        if isinstance(self.found, Exception):
            raise self.found
        return [call for call in self.found if call.resource.get("to") == to]


@pytest.fixture
def fake_provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(provider, "place_call", fake.place_call)
    monkeypatch.setattr(provider, "fetch_call", fake.fetch_call)
    monkeypatch.setattr(provider, "find_calls", fake.find_calls)
    return fake


@pytest.fixture
def somleng_account(db):
    return factories.AccountFactory(
        platform_provider_name="somleng",
        somleng_account_sid="sim-account",
        somleng_auth_token="sim-token",
        somleng_api_base_url="http://127.0.0.1:8001",
        settings={
            "from_phone_number": "1294",
            "phone_call_queue_limit": 60,
            "max_phone_calls_for_callout_participation": 3,
        },
    )


@pytest.fixture
def running_callout(somleng_account):
    return factories.CalloutFactory(account=somleng_account, status="running")


def add_participants(callout, count):
    calls = []
    for _ in range(count):
        participation = factories.CalloutParticipationFactory(callout=callout, phone_calls_count=1)
        calls.append(factories.PhoneCallFactory(callout_participation=participation))
    return calls
