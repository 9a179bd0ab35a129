"""The simulator's state: knobs, the ledger of accepted calls, and the decisions taken for each create."""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

import httpx

from scfm.simulator.calls import CallPlayer
from scfm.simulator.config import INVALID_NUMBER, OUTCOMES, Credentials, Knobs, Rule
from scfm.simulator.ledger import Call, CallPlan
from scfm.simulator.recordings import SimulatedRecording
from scfm.simulator.webhooks import WebhookSender, is_http_url

STATUS_CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
# Requests to SCFM (callbacks, TwiML fetches) open at once. More wait their turn in an asyncio
# semaphore: httpx's own pool queue costs time quadratic in its length (and every request checks
# each pooled connection), which starved the Calls API of the event loop once a few thousand
# calls were playing. SCFM's web workers serve a handful of requests at a time anyway.
MAX_OPEN_REQUESTS = 16

try:  # httpcore imports sniffio on every request; when it is absent, remember that once
    import sniffio  # noqa: F401
except ImportError:
    sys.modules["sniffio"] = None  # type: ignore[assignment]  # a failed import, at no cost


class ApiError(Exception):
    """A Twilio-style error answer: HTTP status, Twilio error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


@dataclass(frozen=True)
class Draws:
    """The random numbers taken for one create, always the same count so a seed replays exactly."""

    rate_limit: float
    server_error: float
    error_after_accept: float
    outcome: float
    duration: float
    duplicate: float
    reorder: float
    drop: float

    @classmethod
    def take(cls, rng: random.Random) -> Draws:
        return cls(*(rng.random() for _ in range(8)))


class Simulator:
    """Accept calls like the Twilio Calls API and play each one in a background task."""

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        knobs: Knobs | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.knobs = knobs or Knobs()
        self.calls: dict[str, Call] = {}
        self.recordings: dict[str, SimulatedRecording] = {}
        self.rejected: dict[str, int] = {"400": 0, "429": 0, "5xx": 0}
        self._rng = random.Random(self.knobs.seed)
        self._recent_creates: deque[float] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport = transport
        self._player: CallPlayer | None = None

    @property
    def player(self) -> CallPlayer:
        # Created on first use so the HTTP client belongs to the running event loop.
        if self._player is None:
            limits = httpx.Limits(
                max_connections=MAX_OPEN_REQUESTS, max_keepalive_connections=MAX_OPEN_REQUESTS
            )
            client = httpx.AsyncClient(transport=self._transport, follow_redirects=False, limits=limits)
            self._player = CallPlayer(
                WebhookSender(client, self.credentials.auth_token, max_open_requests=MAX_OPEN_REQUESTS),
                self.recordings,
            )
        return self._player

    def configure(self, data: Mapping[str, object], *, replace: bool = False) -> Knobs:
        """Change the knobs given (or all of them, defaults for the rest, with `replace`); reseed if asked."""
        self.knobs = Knobs.from_dict(data, base=None if replace else self.knobs)
        if "seed" in data or replace:
            self._rng = random.Random(self.knobs.seed)
        return self.knobs

    def reset(self) -> None:
        """Forget every call (stopping those still playing), the counters and the CPS window; reseed."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.calls.clear()
        self.recordings.clear()
        self.rejected = {"400": 0, "429": 0, "5xx": 0}
        self._recent_creates.clear()
        self._rng = random.Random(self.knobs.seed)

    @property
    def active_calls(self) -> int:
        return len(self._tasks)

    def create_call(
        self, form: Mapping[str, list[str]], *, api_base_url: str = ""
    ) -> tuple[Call, ApiError | None]:
        """Accept a call from Calls.json form data and start playing it; raise ApiError to refuse it.

        The second value is an error to answer with although the call was accepted: the provider
        placed the call but the client never learns its SID.
        """
        knobs = self.knobs
        try:
            # Refused while the request is validated, before any draw: the other calls' outcomes
            # stay those of the seed.
            request = _parse_create(form, knobs)
        except ApiError:
            self.rejected["400"] += 1
            raise
        draws = Draws.take(self._rng)
        if self._over_cps_limit(knobs.cps_limit) or draws.rate_limit < knobs.error_rate_429:
            self.rejected["429"] += 1
            raise ApiError(429, 20429, "Too Many Requests")
        if draws.server_error < knobs.error_rate_5xx:
            self.rejected["5xx"] += 1
            raise ApiError(500, 20500, "An internal server error has occurred")
        call = Call(
            sid=f"CA{uuid.uuid4().hex}",
            account_sid=self.credentials.account_sid,
            plan=plan_call(knobs, request["to"], draws),
            knobs=knobs,
            api_base_url=api_base_url,
            **request,
        )
        self.calls[call.sid] = call
        self._recent_creates.append(time.monotonic())
        task = asyncio.get_running_loop().create_task(self.player.play(call), name=f"call {call.sid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if draws.error_after_accept < knobs.error_rate_5xx_after_accept:
            call.response_error = 500
            return call, ApiError(500, 20500, "An internal server error has occurred")
        return call, None

    def _over_cps_limit(self, cps_limit: int) -> bool:
        """Return whether `cps_limit` calls were already accepted within the last second."""
        if not cps_limit:
            return False
        moment = time.monotonic()
        while self._recent_creates and moment - self._recent_creates[0] >= 1.0:
            self._recent_creates.popleft()
        return len(self._recent_creates) >= cps_limit

    async def drain(self) -> None:
        """Wait until every call being played has reached its end."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop playing calls and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._player is not None:
            await self._player.sender.client.aclose()
            self._player = None


class CallFields(TypedDict):
    to: str
    from_: str
    url: str
    method: str
    status_callback: str | None
    status_callback_method: str
    status_callback_events: tuple[str, ...]


def _parse_create(form: Mapping[str, list[str]], knobs: Knobs) -> CallFields:
    """Return the Call fields of a create request, or raise ApiError(400) like Twilio does (also
    for a `To` whose rule says `invalid-number`)."""

    def first(name: str, default: str = "") -> str:
        values = form.get(name) or [default]
        return values[0].strip()

    to, from_, url = first("To"), first("From"), first("Url")
    if not to:
        raise ApiError(400, 21201, "No 'To' number is specified")
    matched = knobs.rule_for(to)
    if matched and matched[1].outcome == INVALID_NUMBER:
        raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not from_:
        raise ApiError(400, 21213, "No 'From' number is specified")
    if not url:
        raise ApiError(400, 21205, "Url parameter is required (the simulator does not accept Twiml)")
    if not is_http_url(url):
        raise ApiError(400, 21205, f"Url is not a valid URL: {url}")
    status_callback = first("StatusCallback") or None
    if status_callback and not is_http_url(status_callback):
        raise ApiError(400, 21609, f"StatusCallback is not a valid URL: {status_callback}")
    methods = {name: first(name, "POST").upper() for name in ("Method", "StatusCallbackMethod")}
    for name, method in methods.items():
        if method not in {"GET", "POST"}:
            raise ApiError(400, 21603 if name == "Method" else 21609, f"{name} must be GET or POST")
    # Twilio's helper libraries repeat the parameter; people also send one space-separated value.
    requested = {event for value in form.get("StatusCallbackEvent", []) for event in value.split()}
    return CallFields(
        to=to,
        from_=from_,
        url=url,
        method=methods["Method"],
        status_callback=status_callback,
        status_callback_method=methods["StatusCallbackMethod"],
        status_callback_events=tuple(event for event in STATUS_CALLBACK_EVENTS if event in requested),
    )


def plan_call(knobs: Knobs, to: str, draws: Draws) -> CallPlan:
    """Decide a call's outcome, duration, digits and faults: the number's rule first, then the mix."""
    matched = knobs.rule_for(to)
    pattern, rule = matched if matched else (None, Rule())
    low, high = knobs.answered_duration_range
    drawn_duration = min(high, low + int(draws.duration * (high - low + 1)))
    return CallPlan(
        outcome=rule.outcome or _weighted(knobs.mix, draws.outcome),
        duration=drawn_duration if rule.duration is None else rule.duration,
        digits=knobs.digits if rule.digits is None else rule.digits,
        ring_seconds=knobs.ring_seconds if rule.ring_seconds is None else rule.ring_seconds,
        duplicate_final_callback=draws.duplicate < knobs.duplicate_callback_rate,
        reorder_callbacks=draws.reorder < knobs.reorder_callbacks,
        drop_final_callback=(
            draws.drop < knobs.drop_callback_rate
            if rule.drop_final_callback is None
            else rule.drop_final_callback
        ),
        rule=pattern,
    )


def _weighted(mix: Mapping[str, float], draw: float) -> str:
    """Pick an outcome with probability proportional to its weight, walking the outcomes in a fixed order."""
    weights = [(outcome, mix.get(outcome, 0.0)) for outcome in OUTCOMES]
    threshold = draw * sum(weight for _, weight in weights)
    for outcome, weight in weights:
        if threshold < weight:
            return outcome
        threshold -= weight
    # Rounding can leave the threshold a hair above the last weight: take the last possible outcome.
    return next(outcome for outcome, weight in reversed(weights) if weight > 0)
