"""Delivery settings edited with widgets: priority, calling window, retry ladders, start and stop times.

The widgets are read into the settings JSON that `scfm.callouts.services` and `scfm.accounts.services`
take, and those services judge it (an unknown priority, a window that ends before it starts, a negative
delay…): the fields here only turn what was typed into JSON and say so when they cannot read it.

A setting whose widgets still mean what is stored keeps its stored JSON (`keep_unchanged`): opening a
page and saving it rewrites nothing, and a default left as it is (normal priority, no window, every
outcome on the account's delay) is not written into the settings.
"""

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scfm.callouts.delivery import (
    DEFAULT_PRIORITY,
    PRIORITIES,
    RETRY_OUTCOMES,
    parse_datetime_with_offset,
)
from scfm.core.calling_windows import DAYS, InvalidWindow, is_time_zone, parse_window, time_zone_names, zone
from scfm.dashboard.forms.base import DashboardForm
from scfm.dashboard.labels import STATUS_LABELS

PRIORITY_LABELS = {
    "emergency": gettext_lazy("Emergency"),
    "high": gettext_lazy("High"),
    "normal": gettext_lazy("Normal"),
    "low": gettext_lazy("Low"),
}
DAY_LABELS = {
    "mon": gettext_lazy("Mon"),
    "tue": gettext_lazy("Tue"),
    "wed": gettext_lazy("Wed"),
    "thu": gettext_lazy("Thu"),
    "fri": gettext_lazy("Fri"),
    "sat": gettext_lazy("Sat"),
    "sun": gettext_lazy("Sun"),
}
# What a window's widgets show before one is set: ticking the box gives a sensible window at once.
BLANK_WINDOW = {"enabled": False, "from": "08:00", "to": "20:00", "days": list(DAYS), "overnight": False}
# A retry ladder's modes: the account's delay, no retry at all, or the delays typed.
DEFAULT, NEVER, DELAYS = "default", "never", "delays"
# Seconds per unit of a delay as typed ("90s", "5m", "2h", "1d"); a bare number is seconds.
_UNITS = {
    **dict.fromkeys(("", "s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}
# The sign is read so that the services, which own the rule, can say a delay must not be negative.
_DELAY = re.compile(r"(-?\d+(?:\.\d+)?)\s*([a-z]*)", re.IGNORECASE)
# Pieces of a ladder: split at commas and semicolons, and at spaces before a number ("300 900").
_DELAY_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+(?=-?\d)")
# `<input type="time">` may send seconds; a window is kept to the minute.
_TIME_WITH_ZERO_SECONDS = re.compile(r"(\d\d:\d\d):00(?:\.0+)?")
# datetime-local as browsers send it: minutes, or seconds when the value had them.
_LOCAL_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?")


def priority_choices(current: str) -> list[tuple[str, str]]:
    """The priority select's options; a stored value outside them is offered too, so the page shows
    what is stored (the service refuses it on save)."""
    choices = [(value, str(PRIORITY_LABELS[value])) for value in PRIORITIES]
    if current and current not in PRIORITIES:
        choices.append((current, current))
    return choices


# --- calling window -----------------------------------------------------------------------------------


def window_parts(stored: Any) -> dict:
    """Return what a window's widgets show for a stored `calling_window` (None: no window)."""
    if stored is None:
        return dict(BLANK_WINDOW)
    if not isinstance(stored, dict):
        return {**BLANK_WINDOW, "enabled": True, "from": "", "to": ""}
    closes = stored.get("to")
    days = stored.get("days", list(DAYS))
    return {
        "enabled": True,
        "from": str(stored.get("from") or ""),
        # A time input cannot say 24:00; 00:00 as the closing time means the same (see window_json).
        "to": "00:00" if closes == "24:00" else str(closes or ""),
        "days": [str(day).lower() for day in days] if isinstance(days, list) else [],
        "overnight": stored.get("overnight") is True,
    }


class CallingWindowWidget(forms.Widget):
    """Read a window's widgets: `<name>-enabled`, `-from`, `-to`, `-days` (checkboxes), `-overnight`."""

    def value_from_datadict(self, data, files, name):
        return {
            "enabled": bool(data.get(f"{name}-enabled")),
            "from": _minutes(data.get(f"{name}-from", "")),
            "to": _minutes(data.get(f"{name}-to", "")),
            "days": [day.strip().lower() for day in data.getlist(f"{name}-days")],
            "overnight": bool(data.get(f"{name}-overnight")),
        }

    def value_omitted_from_data(self, data, files, name):
        return False


def _minutes(text: str) -> str:
    text = text.strip()
    match = _TIME_WITH_ZERO_SECONDS.fullmatch(text)
    return match.group(1) if match else text


class CallingWindowField(forms.Field):
    """A calling window: cleaned into the `calling_window` JSON, or None when the box is not ticked.

    Its value (`form[name].value()`) is the widgets' parts (see `window_parts`).
    """

    widget = CallingWindowWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, dict):
            return dict(BLANK_WINDOW)
        if not value["enabled"] and not value["from"] and not value["to"]:
            # Sent without a window (the page disables its inputs): shown again as before one is set.
            return dict(BLANK_WINDOW)
        return value

    def clean(self, value) -> dict | None:
        parts = self.to_python(value)
        if not parts["enabled"]:
            return None
        if not parts["from"] or not parts["to"]:
            raise ValidationError(_("Give the time the window opens and the time it closes."))
        window: dict[str, Any] = {
            "from": parts["from"],
            # 00:00 as the closing time of a same-day window is the end of the day.
            "to": "24:00" if parts["to"] == "00:00" and not parts["overnight"] else parts["to"],
            "days": sorted(parts["days"], key=lambda day: DAYS.index(day) if day in DAYS else len(DAYS)),
        }
        if parts["overnight"]:
            window["overnight"] = True
        return window


# --- retry ladders ----------------------------------------------------------------------------------


def format_delay(seconds: Any) -> str:
    """A delay as the ladder editor shows it: in the largest unit that divides it ("15m", "2h")."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return str(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s" if seconds else "0"


def ladder_parts(stored: Any) -> dict[str, tuple[str, str]]:
    """Return each outcome's (mode, delays text) for a stored `retry_policy`."""
    ladders = stored if isinstance(stored, dict) else {}
    parts = {}
    for outcome in RETRY_OUTCOMES:
        ladder = ladders.get(outcome)
        if ladder is None:
            parts[outcome] = (DEFAULT, "")
        elif isinstance(ladder, list) and not ladder:
            parts[outcome] = (NEVER, "")
        elif isinstance(ladder, list):
            parts[outcome] = (DELAYS, ", ".join(format_delay(delay) for delay in ladder))
        else:
            parts[outcome] = (DELAYS, str(ladder))
    return parts


def parse_delays(text: str) -> tuple[list[int], list[str]]:
    """Read "5m, 15m" or "300, 900" into seconds; return them with the pieces that are not delays."""
    delays, unreadable = [], []
    for piece in _DELAY_SEPARATOR.split(text.strip()):
        match = _DELAY.fullmatch(piece)
        unit = match.group(2).lower() if match else ""
        if not match or unit not in _UNITS:
            unreadable.append(piece)
            continue
        try:
            seconds = Decimal(match.group(1)) * _UNITS[unit]
        except InvalidOperation:
            unreadable.append(piece)
            continue
        if seconds != seconds.to_integral_value():
            unreadable.append(piece)
            continue
        delays.append(int(seconds))
    return delays, unreadable


class RetryPolicyWidget(forms.Widget):
    """Read the ladder editor: for each outcome, `<name>-<outcome>-mode` and `<name>-<outcome>-delays`."""

    def value_from_datadict(self, data, files, name):
        return {
            outcome: (
                data.get(f"{name}-{outcome}-mode", DEFAULT),
                data.get(f"{name}-{outcome}-delays", "").strip(),
            )
            for outcome in RETRY_OUTCOMES
        }

    def value_omitted_from_data(self, data, files, name):
        return False


class RetryPolicyField(forms.Field):
    """Retry ladders per outcome: cleaned into the `retry_policy` JSON ({} when every one is default).

    Its value (`form[name].value()`) is {outcome: (mode, delays text)} (see `ladder_parts`).
    """

    widget = RetryPolicyWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        return value if isinstance(value, dict) else ladder_parts(None)

    def clean(self, value) -> dict[str, list[int]]:
        ladders: dict[str, list[int]] = {}
        problems = []
        for outcome, (mode, text) in self.to_python(value).items():
            label = STATUS_LABELS.get(outcome, outcome)
            if mode == NEVER:
                ladders[outcome] = []
            elif mode == DELAYS:
                if not text:
                    problems.append(
                        _("%(outcome)s: give one or more delays, or choose “Never retry”.")
                        % {"outcome": label}
                    )
                    continue
                delays, unreadable = parse_delays(text)
                problems += [
                    _(
                        "%(outcome)s: “%(delay)s” is not a delay. Write seconds (300) or minutes, hours, "
                        "days (5m, 2h, 1d), separated by commas."
                    )
                    % {"outcome": label, "delay": piece}
                    for piece in unreadable
                ]
                ladders[outcome] = delays
        if problems:
            raise ValidationError(problems)
        return ladders


# --- start and stop times -----------------------------------------------------------------------------


def local_datetime_text(stored: Any, zone_name: str) -> str:
    """Return what a datetime-local input shows for a stored ISO 8601 time, in the zone `zone_name`."""
    moment = parse_datetime_with_offset(stored)
    if moment is None:
        return "" if stored is None else str(stored)
    local = moment.astimezone(zone(zone_name))
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def iso_datetime(text: str, zone_name: str) -> str | None:
    """Return the ISO 8601 time, with its offset, of a datetime-local value read in `zone_name`.

    Raise ValidationError when the text is not a date and time; blank is None (not set).
    """
    text = text.strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text) if _LOCAL_DATETIME.fullmatch(text) else None
    except ValueError:
        local = None
    if local is None:
        raise ValidationError(_("“%(value)s” is not a date and time.") % {"value": text})
    return local.replace(tzinfo=zone(zone_name)).isoformat()


def schedule_zone_error(zone_name: str) -> str | None:
    if is_time_zone(zone_name):
        return None
    return _("Choose a time zone from the list (an IANA name such as Asia/Phnom_Penh).")


# --- keeping what did not change ----------------------------------------------------------------------


def _window_meaning(value: Any) -> object:
    if value is None:
        return None
    try:
        return parse_window(value)
    except InvalidWindow:
        return ("unreadable", repr(value))


def _instant_meaning(value: Any) -> object:
    if value is None:
        return None
    return parse_datetime_with_offset(value) or ("unreadable", repr(value))


# What a stored setting means, so that a value written differently but meaning the same is kept.
MEANINGS: dict[str, Callable[[Any], object]] = {
    "priority": lambda value: DEFAULT_PRIORITY if value is None else value,
    "calling_window": _window_meaning,
    "retry_policy": lambda value: {} if value is None else value,
    "start_at": _instant_meaning,
    "stop_at": _instant_meaning,
}


def keep_unchanged(stored: Any, edited: dict[str, Any]) -> dict[str, Any]:
    """Return the delivery settings to write: a setting whose widgets mean what is stored keeps its
    stored JSON (or stays absent), another takes the edited value, unless that means the same as no
    setting at all (normal priority, no window, no ladder, no time): then it is left out."""
    stored = stored if isinstance(stored, dict) else {}
    settings = {}
    for key, value in edited.items():
        if MEANINGS[key](stored.get(key)) == MEANINGS[key](value):
            if key in stored:
                settings[key] = stored[key]
        elif MEANINGS[key](value) != MEANINGS[key](None):
            settings[key] = value
    return settings


# --- what the pages show ------------------------------------------------------------------------------


def window_widget(parts: dict) -> dict:
    """What the calling window partial shows: the widgets' parts and the days' labels."""
    return {"window": parts, "days": list(DAY_LABELS.items())}


def delivery_widgets(form: DashboardForm) -> dict:
    """What the callout form's delivery widgets show: the posted values, or the stored ones before a post."""
    priority = form.shown("priority")
    ladders = form.shown("retry_policy")
    return {
        "priority": priority,
        "priorities": priority_choices(priority),
        **window_widget(form.shown("calling_window")),
        "ladders": [
            (outcome, STATUS_LABELS.get(outcome, outcome), mode, text)
            for outcome, (mode, text) in ladders.items()
        ],
        "ladder_modes": [
            (DEFAULT, _("Default (the account's delay)")),
            (NEVER, _("Never retry")),
            (DELAYS, _("After these delays")),
        ],
        "schedule": {name: form.shown(name) for name in ("start_at", "stop_at", "schedule_time_zone")},
        "time_zones": time_zone_names(),
    }
