"""The simulator's HTTP side: the Twilio Calls API subset SCFM uses, and a control API, as plain ASGI.

Served by granian with one worker (`scfm simulator`), so the ledger lives in one process.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from scfm.simulator.config import ConfigError, credentials_from_env, knobs_from_env
from scfm.simulator.core import ApiError, Simulator

logger = logging.getLogger(__name__)

Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 1_000_000
_CALLS = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>[^/]+)/Calls\.json$")
_CALL = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>[^/]+)/Calls/(?P<call_sid>[^/]+)\.json$")
# A recording's media, as Twilio serves it (the simulator has WAV bytes for both extensions).
_RECORDING_MEDIA = re.compile(
    r"^/2010-04-01/Accounts/(?P<account_sid>[^/]+)/Recordings/(?P<recording_sid>[^/.]+)\.(?:mp3|wav)$"
)
_LEDGER_CALL = re.compile(r"^/simulator/calls/(?P<call_sid>[^/]+)$")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    scheme: str = "http"

    def base_url(self) -> str:
        """Return scheme://host the client used, for URLs it must reach us back at."""
        return f"{self.scheme}://{self.headers.get('host', 'localhost')}"

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)

    async def send(self, send: Send) -> None:
        body = json.dumps(self.data).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(name.encode(), value.encode()) for name, value in self.headers.items()]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class MediaResponse:
    """Bytes with their content type (a recording's audio)."""

    status: int
    body: bytes
    content_type: str

    async def send(self, send: Send) -> None:
        headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def _error(status: int, message: str) -> Response:
    return Response(status, {"error": message, "status": status})


def _twilio_error(error: ApiError) -> Response:
    headers = {"www-authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else {}
    return Response(error.status, error.body(), headers)


class SimulatorApp:
    """Route requests to the Calls API or the control API of one Simulator."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await _read_request(scope, receive)
        if request is None:
            await _error(413, f"request bodies are limited to {MAX_BODY_BYTES} bytes").send(send)
            return
        try:
            response = await self.dispatch(request)
        except Exception:
            logger.exception("%s %s failed", request.method, request.path)
            response = _error(500, "simulator error, see its log")
        await response.send(send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.simulator.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def dispatch(self, request: Request) -> Response | MediaResponse:
        """Answer one request."""
        if match := _RECORDING_MEDIA.match(request.path):
            if request.method != "GET":
                return _twilio_error(ApiError(405, 20004, "Method not allowed"))
            if not self._is_authenticated(request, match["account_sid"]):
                return _twilio_error(ApiError(401, 20003, "Authenticate"))
            recording = self.simulator.recordings.get(match["recording_sid"])
            if recording is None:
                return _twilio_error(
                    ApiError(404, 20404, f"The requested resource {request.path} was not found")
                )
            recording.fetches += 1
            return MediaResponse(200, recording.audio, "audio/wav")
        if match := _CALLS.match(request.path):
            if request.method == "GET":
                return await self._calls_api(request, match["account_sid"], self._list_calls, "GET")
            return await self._calls_api(request, match["account_sid"], self._create_call, "POST")
        if match := _CALL.match(request.path):
            call_sid = match["call_sid"]
            return await self._calls_api(
                request, match["account_sid"], lambda req: self._fetch_call(req, call_sid), "GET"
            )
        return self._control(request)

    async def _calls_api(
        self, request: Request, account_sid: str, handler: Callable[[Request], Response], method: str
    ) -> Response:
        if request.method != method:
            return _twilio_error(ApiError(405, 20004, "Method not allowed"))
        if not self._is_authenticated(request, account_sid):
            return _twilio_error(ApiError(401, 20003, "Authenticate"))
        response = handler(request)
        latency = self.simulator.knobs.latency_ms
        if latency:
            # After the work, like a slow network: a client that gives up still had its call placed.
            await asyncio.sleep(latency / 1000)
        return response

    def _is_authenticated(self, request: Request, account_sid: str) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = self.simulator.credentials
        return (
            hmac.compare_digest(username.encode(), expected.account_sid.encode())
            & hmac.compare_digest(password.encode(), expected.auth_token.encode())
            & hmac.compare_digest(account_sid.encode(), expected.account_sid.encode())
        )

    def _create_call(self, request: Request) -> Response:
        try:
            call, error_after_accept = self.simulator.create_call(
                request.form(), api_base_url=request.base_url()
            )
        except ApiError as error:
            return _twilio_error(error)
        logger.info("accepted %s to %s", call.sid, call.to)
        if error_after_accept is not None:
            return _twilio_error(error_after_accept)
        return Response(201, call.resource())

    def _list_calls(self, request: Request) -> Response:
        """List calls, newest first, filtered by `To` and `StartTime>=` (a date), like Twilio."""
        to = request.query_value("To")
        # twilio-python sends `StartTime>` with a timestamp; Twilio's docs show `StartTime>=` with a date.
        started_on_or_after = request.query_value("StartTime>=") or request.query_value("StartTime>")
        calls = [
            call
            for call in reversed(self.simulator.calls.values())
            if (to is None or call.to == to)
            and (not started_on_or_after or call.date_created.date().isoformat() >= started_on_or_after[:10])
        ]
        page_size = min(int(request.query_value("PageSize") or 50), 1000)
        resources = [call.resource() for call in calls[:page_size]]
        return Response(
            200,
            {
                "calls": resources,
                "page": 0,
                "page_size": page_size,
                "start": 0,
                "end": max(len(resources) - 1, 0),
                "first_page_uri": request.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": request.path,
            },
        )

    def _fetch_call(self, request: Request, call_sid: str) -> Response:
        call = self.simulator.calls.get(call_sid)
        if call is None:
            return _twilio_error(ApiError(404, 20404, f"The requested resource {request.path} was not found"))
        return Response(200, call.resource())

    def _control(self, request: Request) -> Response:
        routes: dict[str, dict[str, Callable[[Request], Response]]] = {
            "/simulator/health": {"GET": self._health},
            "/simulator/calls": {"GET": self._ledger},
            "/simulator/config": {"GET": self._show_config, "PUT": self._change_config},
            "/simulator/reset": {"POST": self._reset},
        }
        if match := _LEDGER_CALL.match(request.path):
            call_sid = match["call_sid"]
            routes[request.path] = {"GET": lambda req: self._ledger_call(call_sid)}
        methods = routes.get(request.path)
        if methods is None:
            return _error(404, f"no such path: {request.path}")
        handler = methods.get(request.method)
        if handler is None:
            return _error(405, f"use {' or '.join(methods)}")
        return handler(request)

    def _health(self, request: Request) -> Response:
        return Response(
            200,
            {
                "status": "ok",
                "account_sid": self.simulator.credentials.account_sid,
                "calls": len(self.simulator.calls),
                "active_calls": self.simulator.active_calls,
                "rejected": self.simulator.rejected,
            },
        )

    def _ledger(self, request: Request) -> Response:
        to, status = request.query_value("to"), request.query_value("status")
        try:
            offset = int(request.query_value("offset") or 0)
            limit = int(request.query_value("limit") or len(self.simulator.calls))
        except ValueError:
            return _error(400, "offset and limit must be integers")
        calls = [
            call
            for call in self.simulator.calls.values()
            if (to is None or call.to == to) and (status is None or call.status == status)
        ]
        # Serialise only the page: a long reliability run can hold a lot of calls.
        page = [call.ledger_entry() for call in calls[max(offset, 0) : max(offset, 0) + max(limit, 0)]]
        return Response(200, {"total": len(calls), "calls": page, "rejected": self.simulator.rejected})

    def _ledger_call(self, call_sid: str) -> Response:
        call = self.simulator.calls.get(call_sid)
        return Response(200, call.ledger_entry()) if call else _error(404, f"no call {call_sid}")

    def _show_config(self, request: Request) -> Response:
        return Response(200, self.simulator.knobs.to_dict())

    def _change_config(self, request: Request) -> Response:
        try:
            data = json.loads(request.body or b"{}")
            replace = (request.query_value("replace") or "").lower() in {"1", "true", "yes"}
            knobs = self.simulator.configure(data, replace=replace)
        except json.JSONDecodeError as error:
            return _error(400, f"invalid JSON: {error}")
        except ConfigError as error:
            return _error(400, str(error))
        return Response(200, knobs.to_dict())

    def _reset(self, request: Request) -> Response:
        self.simulator.reset()
        return Response(200, {"reset": True})


async def _read_request(scope: Scope, receive: Receive) -> Request | None:
    """Read a whole HTTP request; return None when its body is too large."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            break
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
        headers={name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]},
        body=bytes(body),
        scheme=str(scope.get("scheme") or "http"),
    )


def create_app(simulator: Simulator | None = None) -> SimulatorApp:
    """Return the ASGI app for `simulator` (a default one when None)."""
    return SimulatorApp(simulator or Simulator())


def create_app_from_env() -> SimulatorApp:
    """Return the ASGI app configured from SIMULATOR_* variables (granian's `--factory` target)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # One line per callback is noise next to the simulator's own per-call lines, and costs time.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return create_app(Simulator(credentials=credentials_from_env(), knobs=knobs_from_env()))
