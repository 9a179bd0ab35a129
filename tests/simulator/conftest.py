"""Fixtures: a simulator app driven through httpx, and a fake SCFM that serves TwiML and checks signatures."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.request_validator import RequestValidator

from scfm.simulator.app import create_app
from scfm.simulator.config import Credentials, Knobs
from scfm.simulator.core import Simulator

ACCOUNT_SID = "simulator-account"
AUTH_TOKEN = "simulator-token"
SCFM = "http://scfm.test"
CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
PLAY_AND_HANGUP = "<Response><Play>https://cdn.test/a.mp3</Play><Hangup/></Response>"


@dataclass
class Received:
    method: str
    url: str
    path: str
    params: dict[str, str]
    signature_valid: bool


@dataclass
class FakeScfm:
    """Stand in for SCFM: serve TwiML documents by path, answer callbacks, record every request."""

    documents: dict[str, str] = field(default_factory=lambda: {"/twiml": PLAY_AND_HANGUP})
    # Status codes to answer callbacks with, one per request, then 200; an exception is raised instead.
    callback_answers: list[int | Exception] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        url = str(request.url)
        valid = RequestValidator(AUTH_TOKEN).validate(
            url, params, request.headers.get("X-Twilio-Signature", "")
        )
        if request.method == "GET":
            params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        self.received.append(Received(request.method, url, request.url.path, params, valid))
        if request.url.path.startswith("/callbacks"):
            answer = self.callback_answers.pop(0) if self.callback_answers else 200
            if isinstance(answer, Exception):
                raise answer
            return httpx.Response(answer)
        document = self.documents.get(request.url.path)
        if document is None:
            return httpx.Response(404, text="not found")
        return httpx.Response(200, text=document, headers={"content-type": "text/xml"})

    @property
    def callbacks(self) -> list[Received]:
        return [item for item in self.received if item.path.startswith("/callbacks")]

    @property
    def twiml_requests(self) -> list[Received]:
        return [item for item in self.received if not item.path.startswith("/callbacks")]

    def callback_statuses(self) -> list[str]:
        return [item.params["CallStatus"] for item in self.callbacks]


@dataclass
class Harness:
    """The simulator under test, its API client and the fake SCFM it calls."""

    simulator: Simulator
    api: httpx.AsyncClient
    scfm: FakeScfm

    def configure(self, **knobs: Any) -> None:
        self.simulator.configure(knobs)

    async def create(self, **params: Any) -> httpx.Response:
        """POST Calls.json with sensible defaults (a status callback, the /twiml document)."""
        data: dict[str, Any] = {
            "To": "+85512000001",
            "From": "1294",
            "Url": f"{SCFM}/twiml",
            "StatusCallback": f"{SCFM}/callbacks?pc=1",
        }
        data.update(params)
        return await self.api.post(CALLS_PATH, data={k: v for k, v in data.items() if v is not None})

    async def play(self, **params: Any) -> dict[str, Any]:
        """Create a call, wait until it is over, and return its ledger entry."""
        response = await self.create(**params)
        assert response.status_code == 201, response.text
        await self.simulator.drain()
        return self.simulator.calls[response.json()["sid"]].ledger_entry()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def scfm() -> FakeScfm:
    return FakeScfm()


@pytest.fixture
async def harness(scfm: FakeScfm) -> AsyncIterator[Harness]:
    """A simulator that answers every call and never waits (time_scale 0), seeded for repeatability."""
    simulator = Simulator(
        credentials=Credentials(ACCOUNT_SID, AUTH_TOKEN),
        knobs=Knobs.from_dict({"seed": 7, "time_scale": 0, "mix": {"answered": 1}}),
        transport=httpx.MockTransport(scfm),
    )
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(simulator)),
        base_url="http://simulator.test",
        auth=(ACCOUNT_SID, AUTH_TOKEN),
    )
    yield Harness(simulator, api, scfm)
    await simulator.aclose()
    await api.aclose()


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
