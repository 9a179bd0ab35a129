"""The provider's phone call event payload (Twilio and Somleng form params): check it and keep what counts.

Only the webhook reads a provider's form; the rest of SCFM sees the cleaned params this returns.
"""

import re
from collections.abc import Mapping
from typing import Any

from scfm.core.errors import BadRequest

# The reference keeps exactly these webhook params in `details` (§9.4); clients filter on them.
REQUIRED_EVENT_PARAMS = ("CallSid", "From", "To", "Direction", "CallStatus", "AccountSid")
OPTIONAL_EVENT_PARAMS = ("ApiVersion", "CallDuration", "Digits")
API_VERSION = "2010-04-01"

# Column sizes: a longer value would be a database error (a 500) on PostgreSQL.
_MAX_LENGTHS = {"CallSid": 255, "Direction": 64, "CallStatus": 64}
_MAX_NUMERIC_DIGITS = 18
_MAX_INTEGER = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")


def clean_remote_phone_call_event_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the webhook params kept as an event's `details`, or raise BadRequest.

    Required: CallSid, From, To, Direction, CallStatus, AccountSid (non-blank). Optional:
    ApiVersion (must be 2010-04-01), CallDuration (a non-negative integer) and Digits, which
    becomes an integer when it is all digits (`"0123"` → 123, `"*"` stays a string), as the
    reference's schema coerces it and IVR flows compare it.
    """
    details: dict[str, Any] = {}
    for key in REQUIRED_EVENT_PARAMS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{key} is missing")
        details[key] = value
    for key, limit in _MAX_LENGTHS.items():
        if len(details[key]) > limit:
            raise BadRequest(f"{key} is too long")

    api_version = raw.get("ApiVersion")
    if api_version is not None:
        if api_version != API_VERSION:
            raise BadRequest("ApiVersion must be 2010-04-01")
        details["ApiVersion"] = api_version

    call_duration = raw.get("CallDuration")
    if call_duration not in (None, ""):
        if not isinstance(call_duration, str) or not _DIGITS.fullmatch(call_duration):
            raise BadRequest("CallDuration must be an integer")
        # Length first: Python refuses to convert strings of more than 4,300 digits.
        if len(call_duration) > len(str(_MAX_INTEGER)) or int(call_duration) > _MAX_INTEGER:
            raise BadRequest("CallDuration is too large")
        details["CallDuration"] = int(call_duration)

    digits = raw.get("Digits")
    if digits is not None:
        # Blank Digits (a Gather that timed out) is stored as null, like the reference's coercion.
        # Keys pressed are a number when they fit a 64-bit integer; longer ones are kept as typed.
        is_number = _DIGITS.fullmatch(digits) and len(digits) <= _MAX_NUMERIC_DIGITS
        details["Digits"] = int(digits) if is_number else (digits or None)

    # PostgreSQL rejects NUL in text and jsonb; refuse it here rather than fail on save.
    if any(isinstance(value, str) and "\x00" in value for value in details.values()):
        raise BadRequest("Parameters must not contain NUL characters")
    return details


# A provider's request is signed, so its size is the provider's; this bounds what one event keeps
# should a misconfigured proxy or a buggy provider send something huge.
_MAX_PROVIDER_PARAMS = 200
_MAX_PROVIDER_VALUE_LENGTH = 10_000


def provider_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return every parameter of a provider's form as sent, to keep with its event.

    Values stay strings (a repeated key keeps its list). NUL characters, which PostgreSQL refuses
    in jsonb, are dropped rather than failing the callback; callbacks carry no secret (Twilio and
    Somleng sign with the auth token but never send it), so all of it may be stored.
    """
    getlist = getattr(raw, "getlist", None)
    kept: dict[str, Any] = {}
    for key in list(raw)[:_MAX_PROVIDER_PARAMS]:
        values = getlist(key) if getlist is not None else [raw[key]]
        cleaned = [str(value).replace("\x00", "")[:_MAX_PROVIDER_VALUE_LENGTH] for value in values]
        kept[str(key).replace("\x00", "")] = cleaned[0] if len(cleaned) == 1 else cleaned
    return kept


RECORDING_STATUS_PARAMS = (
    "CallSid",
    "AccountSid",
    "RecordingSid",
    "RecordingUrl",
    "RecordingStatus",
    "RecordingDuration",
)
_MAX_RECORDING_URL_LENGTH = 1000


def clean_recording_status_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return a recording status callback's params (reference §9.6), or raise BadRequest.

    All six are required; RecordingDuration becomes an integer (Twilio sends `-1` for an absent
    recording: kept as 0) and RecordingUrl must be an http(s) URL.
    """
    params: dict[str, Any] = {}
    for key in RECORDING_STATUS_PARAMS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{key} is missing")
        if "\x00" in value:
            raise BadRequest("Parameters must not contain NUL characters")
        params[key] = value.strip()
    for key in ("CallSid", "RecordingSid", "RecordingStatus"):
        if len(params[key]) > 255:
            raise BadRequest(f"{key} is too long")
    url = params["RecordingUrl"]
    if len(url) > _MAX_RECORDING_URL_LENGTH or not re.match(r"https?://[^/\s]+", url):
        raise BadRequest("RecordingUrl must be an http(s) URL")
    duration = params["RecordingDuration"]
    if re.fullmatch(r"-?[0-9]{1,9}", duration) is None:
        raise BadRequest("RecordingDuration must be an integer")
    params["RecordingDuration"] = max(int(duration), 0)
    return params
