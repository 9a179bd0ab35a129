"""Delivery control settings of a callout and its account: priority, calling window, retry ladders,
start and stop times, and the account's time zone and concurrency cap.

They live in the free `settings` JSON of callouts and accounts (additive to the reference's
contract). Writes are validated (`callout_settings_errors`, `account_settings_errors`: messages
for a 422 under `settings`); reads (`policy_for`) are lenient — a value stored before validation
existed, or by hand, falls back to its default instead of stopping the engine.

The account's own keys (`time_zone`, `max_concurrent_calls`, its default `calling_window`) are
validated and read in `scfm.accounts.settings`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scfm.accounts.settings import MAX_PHONE_CALLS_PER_PARTICIPATION
from scfm.core.calling_windows import CallingWindow, InvalidWindow, is_time_zone, parse_window, window_errors

EMERGENCY = "emergency"
# The share of an account's rate each priority gets among its running callouts; an emergency
# callout is not shared: it takes all it can use first.
PRIORITY_WEIGHTS = {"high": 4, "normal": 2, "low": 1}
PRIORITIES = (EMERGENCY, *PRIORITY_WEIGHTS)
DEFAULT_PRIORITY = "normal"
# The final statuses a retry ladder may name (scfm.calls.states.RETRY_STATUSES).
RETRY_OUTCOMES = ("busy", "not_answered", "failed", "errored", "expired", "canceled")
# A longer delay is not a retry any more (and far dates break arithmetic): one week.
MAX_RETRY_DELAY_SECONDS = 7 * 24 * 60 * 60


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the engine delivers one callout's calls (see `policy_for`)."""

    priority: str = DEFAULT_PRIORITY
    window: CallingWindow | None = None
    retry_ladders: dict[str, tuple[int, ...]] = field(default_factory=dict)
    start_at: datetime | None = None
    stop_at: datetime | None = None
    account_time_zone: str | None = None

    @property
    def is_emergency(self) -> bool:
        return self.priority == EMERGENCY

    @property
    def weight(self) -> int:
        return PRIORITY_WEIGHTS.get(self.priority, PRIORITY_WEIGHTS[DEFAULT_PRIORITY])

    def has_started(self, calendar_now: datetime) -> bool:
        return self.start_at is None or self.start_at <= calendar_now

    def has_stopped(self, calendar_now: datetime) -> bool:
        return self.stop_at is not None and self.stop_at <= calendar_now


def policy_for(callout_settings: Any, account_settings: Any) -> DeliveryPolicy:
    """Return the delivery policy of a callout: its own settings over its account's, leniently."""
    callout_settings = callout_settings if isinstance(callout_settings, dict) else {}
    account_settings = account_settings if isinstance(account_settings, dict) else {}
    priority = callout_settings.get("priority")
    priority = priority if priority in PRIORITIES else DEFAULT_PRIORITY
    window = _lenient_window(callout_settings.get("calling_window"))
    if window is None and priority != EMERGENCY:
        # An emergency ignores the account's default window, never one set on the callout itself.
        window = _lenient_window(account_settings.get("calling_window"))
    account_zone = account_settings.get("time_zone")
    return DeliveryPolicy(
        priority=priority,
        window=window,
        retry_ladders=_lenient_ladders(callout_settings.get("retry_policy")),
        start_at=_lenient_datetime(callout_settings.get("start_at")),
        stop_at=_lenient_datetime(callout_settings.get("stop_at")),
        account_time_zone=account_zone if is_time_zone(account_zone) else None,
    )


def callout_settings_errors(settings: Any) -> list[str]:
    """Return what is wrong with a callout's delivery settings (messages for `settings`)."""
    if not isinstance(settings, dict):
        return []  # reported as "is invalid" by the caller
    errors = []
    if "priority" in settings and settings["priority"] not in PRIORITIES:
        errors.append(f"priority must be one of {', '.join(PRIORITIES)}")
    errors += window_errors(settings.get("calling_window"))
    if "retry_policy" in settings:
        errors += [f"retry_policy {message}" for message in _ladder_errors(settings["retry_policy"])]
    times = {}
    for key in ("start_at", "stop_at"):
        if settings.get(key) is not None:
            parsed = parse_datetime_with_offset(settings[key])
            if parsed is None:
                errors.append(
                    f"{key} must be an ISO 8601 date and time with an offset (2026-12-24T08:00:00+07:00)"
                )
            times[key] = parsed
    if times.get("start_at") and times.get("stop_at") and times["stop_at"] <= times["start_at"]:
        errors.append("stop_at must be after start_at")
    return errors


def parse_datetime_with_offset(value: Any) -> datetime | None:
    """Return an aware datetime from ISO 8601 text that states its offset, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.year > 1 else None


def _ladder_errors(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ['must be an object of delay lists, like {"busy": [300, 900]}']
    errors = []
    for outcome, ladder in value.items():
        if outcome not in RETRY_OUTCOMES:
            errors.append(f"names an unknown outcome {outcome!r} (known: {', '.join(RETRY_OUTCOMES)})")
        elif not isinstance(ladder, list) or len(ladder) > MAX_PHONE_CALLS_PER_PARTICIPATION:
            errors.append(
                f"{outcome} must be a list of at most {MAX_PHONE_CALLS_PER_PARTICIPATION} delays in seconds"
            )
        elif any(isinstance(delay, bool) or not isinstance(delay, int) for delay in ladder):
            errors.append(f"{outcome} delays must be whole numbers of seconds")
        elif any(delay < 0 for delay in ladder):
            errors.append(f"{outcome} delays must not be negative")
        elif any(delay > MAX_RETRY_DELAY_SECONDS for delay in ladder):
            errors.append(f"{outcome} delays must be at most {MAX_RETRY_DELAY_SECONDS} seconds (a week)")
    return errors


def _lenient_window(value: Any) -> CallingWindow | None:
    if value is None:
        return None
    try:
        return parse_window(value)
    except InvalidWindow:
        return None


def _lenient_ladders(value: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(value, dict):
        return {}
    return {
        outcome: tuple(ladder) for outcome, ladder in value.items() if not _ladder_errors({outcome: ladder})
    }


def _lenient_datetime(value: Any) -> datetime | None:
    return parse_datetime_with_offset(value)
