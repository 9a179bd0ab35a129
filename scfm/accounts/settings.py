"""Account settings: stored as sent, read with defaults so a missing key never breaks the engine."""

from typing import Any

DEFAULT_ACCOUNT_SETTINGS: dict[str, Any] = {
    "from_phone_number": "1234",
    "phone_call_queue_limit": 200,
    "max_phone_calls_for_callout_participation": 3,
}
# Fallbacks used on read only; not written into new accounts, to keep the reference's JSON.
READ_ONLY_DEFAULTS: dict[str, Any] = {
    "phone_call_retry_delay_seconds": 900,
}
# Never more attempts than this for one participation, whatever the settings say.
MAX_PHONE_CALLS_PER_PARTICIPATION = 10


def setting(settings: dict, key: str) -> Any:
    """Return `key` from stored settings, falling back to its default when missing or blank."""
    value = settings.get(key) if isinstance(settings, dict) else None
    if value is None or value == "":
        return DEFAULT_ACCOUNT_SETTINGS.get(key, READ_ONLY_DEFAULTS.get(key))
    return value


def int_setting(settings: dict, key: str) -> int:
    value = setting(settings, key)
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(DEFAULT_ACCOUNT_SETTINGS.get(key, READ_ONLY_DEFAULTS.get(key, 0)))
