"""The simulator's knobs: call outcomes, timings and fault injection, validated from JSON."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.env import env_str

OUTCOMES = ("answered", "busy", "no-answer", "failed")
# A rule-only outcome: the Calls API refuses the number as Twilio refuses an invalid `To`
# (HTTP 400, error 21211) and no call is created. Not in the mix: a mix decides accepted calls.
INVALID_NUMBER = "invalid-number"
RULE_OUTCOMES = (*OUTCOMES, INVALID_NUMBER)
DEFAULT_MIX = {"answered": 0.7, "busy": 0.1, "no-answer": 0.15, "failed": 0.05}

DEFAULT_ACCOUNT_SID = "simulator-account"
DEFAULT_AUTH_TOKEN = "simulator-token"
DEFAULT_PORT = 8001

Digits = str | tuple[str, ...]


class ConfigError(ValueError):
    """A knob has an unknown name or a value out of range."""


@dataclass(frozen=True)
class Credentials:
    """The one account the simulator serves (Basic auth pair, and the key signing its webhooks)."""

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN


@dataclass(frozen=True)
class Rule:
    """What happens to calls to one number or number pattern; unset fields fall back to the knobs.

    `outcome` is one of OUTCOMES, or `invalid-number` to refuse the create like Twilio's 21211.
    """

    outcome: str | None = None
    duration: int | None = None
    digits: Digits | None = None
    ring_seconds: float | None = None
    drop_final_callback: bool | None = None  # never send this number's final callback

    def to_dict(self) -> dict[str, Any]:
        data = {name: value for name, value in dataclasses.asdict(self).items() if value is not None}
        if isinstance(self.digits, tuple):
            data["digits"] = list(self.digits)
        return data


@dataclass(frozen=True)
class Knobs:
    """Every setting of the simulator; `GET /simulator/config` shows them, `PUT` changes them."""

    seed: int | None = None
    # Timings, in simulated seconds; every wait is multiplied by `time_scale` (0 = no waiting).
    time_scale: float = 1.0
    ring_seconds: float = 1.0
    play_seconds: float = 0.0
    say_seconds: float = 0.0
    gather_seconds: float = 0.0
    # Outcomes.
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    rules: dict[str, Rule] = field(default_factory=dict)
    answered_duration_range: tuple[int, int] = (10, 60)
    digits: Digits = "1"
    max_twiml_documents: int = 20
    # Provider faults on the Calls API.
    latency_ms: float = 0.0
    error_rate_5xx: float = 0.0
    error_rate_429: float = 0.0
    error_rate_5xx_after_accept: float = 0.0
    cps_limit: int = 0
    # Callback faults and delivery.
    duplicate_callback_rate: float = 0.0
    reorder_callbacks: float = 0.0
    drop_callback_rate: float = 0.0
    callback_retries: int = 0
    callback_retry_backoff_ms: float = 200.0
    http_timeout_seconds: float = 15.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: Knobs | None = None) -> Knobs:
        """Return `base` (or the defaults) with the knobs in `data` replaced; raise ConfigError if bad."""
        if not isinstance(data, Mapping):
            raise ConfigError("the configuration must be a JSON object")
        changes: dict[str, Any] = {}
        for name, value in data.items():
            parse = _PARSERS.get(name)
            if parse is None:
                raise ConfigError(f"unknown knob {name!r}")
            changes[name] = parse(name, value)
        return dataclasses.replace(base or cls(), **changes)

    @classmethod
    def from_json(cls, text: str) -> Knobs:
        """Return knobs from a JSON object (empty text gives the defaults)."""
        if not text.strip():
            return cls()
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise ConfigError(f"invalid JSON: {error}") from error

    def to_dict(self) -> dict[str, Any]:
        """Return the knobs as JSON-ready data, in the shape `from_dict` accepts."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["mix"] = dict(self.mix)
        data["rules"] = {pattern: rule.to_dict() for pattern, rule in self.rules.items()}
        data["answered_duration_range"] = list(self.answered_duration_range)
        if isinstance(self.digits, tuple):
            data["digits"] = list(self.digits)
        return data

    def rule_for(self, to: str) -> tuple[str, Rule] | None:
        """Return a number's rule: an exact match, else the longest `*suffix`, else the longest `prefix*`."""
        if to in self.rules:
            return to, self.rules[to]
        suffixes = [p for p in self.rules if p.startswith("*") and to.endswith(p[1:])]
        prefixes = [
            p for p in self.rules if p.endswith("*") and not p.startswith("*") and to.startswith(p[:-1])
        ]
        for candidates in (suffixes, prefixes):
            if candidates:
                pattern = max(candidates, key=len)
                return pattern, self.rules[pattern]
        return None


def _number(name: str, value: Any) -> float:
    # bool is an int in Python; `"latency_ms": true` is a mistake, not 1 ms.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a number")
    return float(value)


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if number < 0:
        raise ConfigError(f"{name} must be >= 0")
    return number


def _positive(name: str, value: Any) -> float:
    number = _number(name, value)
    if number <= 0:
        raise ConfigError(f"{name} must be > 0")
    return number


def _rate(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0 <= number <= 1:
        raise ConfigError(f"{name} must be between 0 and 1")
    return number


def _flag_or_rate(name: str, value: Any) -> float:
    return float(value) if isinstance(value, bool) else _rate(name, value)


def _count(name: str, value: Any, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be an integer from {minimum} to {maximum}")
    return value


def _seed(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer or null")
    return value


def _digits(name: str, value: Any) -> Digits:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{name} must be a string or a list of strings (one per Gather)")


def _duration_range(name: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ConfigError(f"{name} must be [min, max]")
    low, high = (_count(name, item) for item in value)
    if low > high:
        raise ConfigError(f"{name} must be [min, max] with min <= max")
    return low, high


def _mix(name: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"{name} must be an object of outcome weights")
    unknown = set(value) - set(OUTCOMES)
    if unknown:
        raise ConfigError(f"{name}: unknown outcomes {sorted(unknown)}; use {list(OUTCOMES)}")
    weights = {outcome: _non_negative(f"{name}.{outcome}", weight) for outcome, weight in value.items()}
    if sum(weights.values()) <= 0:
        raise ConfigError(f"{name}: the weights must not all be 0")
    return weights


def _rule(pattern: str, value: Any) -> Rule:
    if not isinstance(value, Mapping):
        raise ConfigError(f"rules[{pattern!r}] must be an object")
    unknown = set(value) - {f.name for f in dataclasses.fields(Rule)}
    if unknown:
        raise ConfigError(f"rules[{pattern!r}]: unknown keys {sorted(unknown)}")
    outcome = value.get("outcome")
    if outcome is not None and outcome not in RULE_OUTCOMES:
        raise ConfigError(f"rules[{pattern!r}].outcome must be one of {list(RULE_OUTCOMES)}")

    def optional(name: str, parse: Callable[[str, Any], Any]) -> Any:
        return None if value.get(name) is None else parse(f"rules[{pattern!r}].{name}", value[name])

    return Rule(
        outcome=outcome,
        duration=optional("duration", _count),
        digits=optional("digits", _digits),
        ring_seconds=optional("ring_seconds", _non_negative),
        drop_final_callback=optional("drop_final_callback", _boolean),
    )


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false")
    return value


def _rules(name: str, value: Any) -> dict[str, Rule]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be an object mapping a number or pattern to a rule")
    return {str(pattern): _rule(str(pattern), rule) for pattern, rule in value.items()}


_PARSERS = {
    "seed": _seed,
    "time_scale": _non_negative,
    "ring_seconds": _non_negative,
    "play_seconds": _non_negative,
    "say_seconds": _non_negative,
    "gather_seconds": _non_negative,
    "mix": _mix,
    "rules": _rules,
    "answered_duration_range": _duration_range,
    "digits": _digits,
    "max_twiml_documents": lambda name, value: _count(name, value, minimum=1, maximum=1000),
    "latency_ms": _non_negative,
    "error_rate_5xx": _rate,
    "error_rate_429": _rate,
    "error_rate_5xx_after_accept": _rate,
    "cps_limit": _count,
    "duplicate_callback_rate": _rate,
    "reorder_callbacks": _flag_or_rate,
    "drop_callback_rate": _rate,
    "callback_retries": lambda name, value: _count(name, value, maximum=10),
    "callback_retry_backoff_ms": _non_negative,
    "http_timeout_seconds": _positive,
}


def credentials_from_env() -> Credentials:
    """Return the account from SIMULATOR_ACCOUNT_SID and SIMULATOR_AUTH_TOKEN."""
    return Credentials(
        account_sid=env_str("SIMULATOR_ACCOUNT_SID", DEFAULT_ACCOUNT_SID),
        auth_token=env_str("SIMULATOR_AUTH_TOKEN", DEFAULT_AUTH_TOKEN),
    )


def knobs_from_env() -> Knobs:
    """Return the knobs of SIMULATOR_CONFIG_FILE (a JSON file), then of SIMULATOR_CONFIG (inline JSON)."""
    knobs = Knobs()
    path = env_str("SIMULATOR_CONFIG_FILE", "")
    if path:
        try:
            knobs = Knobs.from_json(Path(path).read_text())
        except OSError as error:
            raise ConfigError(f"cannot read SIMULATOR_CONFIG_FILE: {error}") from error
    inline = env_str("SIMULATOR_CONFIG", "")
    if inline.strip():
        try:
            knobs = Knobs.from_dict(json.loads(inline), base=knobs)
        except json.JSONDecodeError as error:
            raise ConfigError(f"SIMULATOR_CONFIG is not JSON: {error}") from error
    return knobs
