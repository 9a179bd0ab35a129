"""Account settings: stored as sent, read with defaults so a missing key never breaks the engine."""

from typing import Any

from scfm.core.calling_windows import is_time_zone, window_errors

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


def max_concurrent_calls(settings: Any) -> int | None:
    """Return the cap on the account's calls between hand-over and a final status, or None (no cap)."""
    value = settings.get("max_concurrent_calls") if isinstance(settings, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def delivery_settings_errors(settings: Any) -> list[str]:
    """Return what is wrong with an account's delivery settings (422 messages under `settings`):
    its default `calling_window`, `time_zone` and `max_concurrent_calls`."""
    if not isinstance(settings, dict):
        return []  # reported as "is invalid" by the caller
    errors = window_errors(settings.get("calling_window"))
    if settings.get("time_zone") is not None and not is_time_zone(settings["time_zone"]):
        errors.append("time_zone must be an IANA time zone name such as Asia/Phnom_Penh")
    if settings.get("max_concurrent_calls") is not None and max_concurrent_calls(settings) is None:
        errors.append("max_concurrent_calls must be a whole number of at least 1 (leave it out for no cap)")
    return errors
