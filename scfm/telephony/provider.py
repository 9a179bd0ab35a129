"""The provider port: place and fetch calls at Twilio or Somleng through twilio-python.

Nothing outside `scfm.telephony` imports twilio. The engine passes primitives in and gets
dataclasses and three kinds of failure back, which decide what happens to the phone call:

- `ProviderRefused`: the provider answered that it will not place the call (a 4xx): `errored`;
  never retried when its error code says the number cannot be called (`terminal`).
- `ProviderBusy`: the call was certainly not created (429, 503, or the request never left): try
  again later, same attempt.
- `OutcomeUnknown`: the request may have reached the provider (read timeout, a 5xx, a dropped
  connection). The call must not be dialed again; callbacks or reconciliation decide.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from scfm.telephony.terminal_errors import is_terminal

TWILIO_STATUS_CALLBACK_EVENTS = ["initiated", "ringing", "answered", "completed"]
REQUEST_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class ProviderConfig:
    """Where and as whom to reach an account's provider."""

    name: str  # "twilio" or "somleng"
    account_sid: str
    auth_token: str
    base_url: str | None  # None means api.twilio.com


@dataclass(frozen=True)
class PlacedCall:
    sid: str
    status: str | None
    direction: str | None
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteCall:
    status: str | None
    duration: int | None
    resource: dict[str, Any] = field(default_factory=dict)
    sid: str | None = None
    created_at: datetime | None = None


class ProviderError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code  # the provider's error code (Twilio's numbering), when it gave one

    @property
    def terminal(self) -> bool:
        """Whether the error says the number can never be called (scfm.telephony.terminal_errors)."""
        return is_terminal(self.code)


class ProviderRefused(ProviderError):
    """The provider refused the request; it did not create a call."""


class ProviderBusy(ProviderError):
    """The call was certainly not created; the same attempt may be tried again later."""


class OutcomeUnknown(ProviderError):
    """The request may have reached the provider; never send it again."""


class NotConfigured(ProviderRefused):
    """The account has no usable provider credentials."""


_local = threading.local()


def _client(config: ProviderConfig) -> Client:
    """Return this thread's client for `config` (requests sessions are not shared across threads)."""
    clients: dict[ProviderConfig, Client] = getattr(_local, "clients", None) or {}
    _local.clients = clients
    client = clients.get(config)
    if client is None:
        # No automatic retries: a POST to Calls is not idempotent at the provider.
        http_client = TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS, max_retries=None)
        client = Client(config.account_sid, config.auth_token, http_client=http_client)
        if config.base_url:
            client.api.base_url = config.base_url.rstrip("/")
        clients[config] = client
    return client


def _resource(call: Any) -> dict[str, Any]:
    """Return the non-empty properties of a twilio-python Call instance as JSON-ready values."""
    values = {}
    for key, value in vars(call).items():
        if key.startswith("_") or value is None or callable(value):
            continue
        values[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _classify(error: Exception) -> ProviderError:
    if isinstance(error, TwilioRestException):
        code = error.code if isinstance(error.code, int) else None
        message = f"{error.status}: {error.msg}" if error.msg else str(error.status)
        if code is not None:
            message += f" (error {code})"
        if error.status in (429, 503):
            return ProviderBusy(message, status=error.status, code=code)
        if 400 <= error.status < 500:
            return ProviderRefused(message, status=error.status, code=code)
        return OutcomeUnknown(message, status=error.status, code=code)
    if isinstance(error, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return ProviderBusy(f"could not connect: {error}")
    if isinstance(error, requests.exceptions.ConnectionError) and "NewConnectionError" in repr(error):
        return ProviderBusy(f"could not connect: {error}")
    return OutcomeUnknown(f"{type(error).__name__}: {error}")


def place_call(config: ProviderConfig, *, to: str, from_: str, url: str, status_callback: str) -> PlacedCall:
    """Ask the provider to call `to`; its TwiML comes from `url`, its statuses go to `status_callback`."""
    if not config.account_sid or not config.auth_token:
        raise NotConfigured("the account has no provider credentials")
    options: dict[str, Any] = {"to": to, "from_": from_, "url": url, "status_callback": status_callback}
    if config.name == "twilio":
        # Without these Twilio only reports `completed`; Somleng accepts no such parameter.
        options["status_callback_event"] = TWILIO_STATUS_CALLBACK_EVENTS
    try:
        call = _client(config).calls.create(**options)
    except Exception as error:  # every failure is classified; nothing escapes unclassified
        raise _classify(error) from error
    return PlacedCall(sid=call.sid, status=call.status, direction=call.direction, resource=_resource(call))


def fetch_call(config: ProviderConfig, sid: str) -> RemoteCall:
    """Return the provider's current view of call `sid`."""
    if not config.account_sid or not config.auth_token:
        raise NotConfigured("the account has no provider credentials")
    try:
        call = _client(config).calls(sid).fetch()
    except Exception as error:
        raise _classify(error) from error
    return _remote_call(call)


def find_calls(config: ProviderConfig, *, to: str, created_since: datetime) -> list[RemoteCall]:
    """Return the provider's calls to `to` created since `created_since`, oldest first.

    Used to learn what became of a request whose answer never came back.
    """
    if not config.account_sid or not config.auth_token:
        raise NotConfigured("the account has no provider credentials")
    try:
        calls = _client(config).calls.list(to=to, start_time_after=created_since, limit=50)
    except Exception as error:
        raise _classify(error) from error
    found = [_remote_call(call) for call in calls]
    return sorted(
        (call for call in found if call.created_at is None or call.created_at >= created_since),
        key=lambda call: call.created_at or created_since,
    )


def _remote_call(call: Any) -> RemoteCall:
    duration = int(call.duration) if call.duration not in (None, "") else None
    status = call.status.value if hasattr(call.status, "value") else call.status
    return RemoteCall(
        status=status, duration=duration, resource=_resource(call), sid=call.sid, created_at=call.date_created
    )


TWILIO_API_ORIGIN = "https://api.twilio.com"
RECORDING_FETCH_TIMEOUT_SECONDS = 30
MAX_RECORDING_BYTES = 100 * 1024 * 1024  # a two-hour mono mp3 is well under this


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def recording_audio_url(recording_url: str) -> str:
    """Return where a recording's audio is downloaded: `RecordingUrl` + `.mp3` (reference §9.6)."""
    return f"{recording_url}.mp3"


def fetch_recording_audio(config: ProviderConfig, recording_url: str) -> bytes:
    """Download a recording's audio; raise ProviderBusy to try again later, ProviderRefused to stop.

    The account's credentials go only to its provider's API host (Twilio, or the Somleng or
    simulator base URL): a RecordingUrl elsewhere is fetched without them, so a callback cannot
    make us hand the auth token to another host.
    """
    url = recording_audio_url(recording_url)
    api_origin = _origin(config.base_url or TWILIO_API_ORIGIN)
    to_provider = _origin(url) == api_origin and bool(config.auth_token)
    auth = (config.account_sid, config.auth_token) if to_provider else None
    try:
        with requests.get(url, auth=auth, timeout=RECORDING_FETCH_TIMEOUT_SECONDS, stream=True) as response:
            if response.status_code == 404 or response.status_code == 429 or response.status_code >= 500:
                # Twilio answers 404 for a moment after the callback while the file is written.
                raise ProviderBusy(f"{response.status_code} from {url}", status=response.status_code)
            if response.status_code != 200:
                raise ProviderRefused(f"{response.status_code} from {url}", status=response.status_code)
            content = bytearray()
            for chunk in response.iter_content(chunk_size=64 * 1024):
                content += chunk
                if len(content) > MAX_RECORDING_BYTES:
                    raise ProviderRefused(f"the recording at {url} exceeds {MAX_RECORDING_BYTES} bytes")
    except requests.RequestException as error:
        raise ProviderBusy(f"{type(error).__name__}: {error}") from error
    if not content:
        raise ProviderBusy(f"{url} answered no audio")
    return bytes(content)
