"""Calling windows: the hours of the week a contact may be called, in the contact's local time.

Pure (no database). A window is written `{"from": "08:00", "to": "20:00", "days": ["mon", …]}`.
`from` must come before `to`, unless `"overnight": true` says the window runs past midnight
(`{"from": "20:00", "to": "06:00", "overnight": true}`); `days` (default: every day) name the
days on which a window *opens*. `"to": "24:00"` means the end of the day.

A contact may have several candidate time zones (a number whose region spans zones): a call
goes out only when the window is open in every one of them (`opening`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
_KEYS = frozenset({"from", "to", "days", "overnight"})
# A window that opens at least once a week is found within 8 days; a few more cover DST gaps.
_SEARCH_DAYS = 9


class InvalidWindow(ValueError):
    """A calling window that cannot be read; the message says why, for a 422."""


@dataclass(frozen=True)
class CallingWindow:
    opens: time
    closes: time | None  # None: midnight at the end of the day ("24:00")
    days: frozenset[int]  # weekdays (Monday = 0) on which the window opens
    overnight: bool = False

    def interval_on(self, day: date, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """Return the window that opens on `day` in `zone`, as aware datetimes, or None that day."""
        if day.weekday() not in self.days:
            return None
        start = datetime.combine(day, self.opens, tzinfo=zone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        elif self.overnight:
            end = datetime.combine(day + timedelta(days=1), self.closes, tzinfo=zone)
        else:
            end = datetime.combine(day, self.closes, tzinfo=zone)
        # Compared in UTC: aware datetimes of one zone compare by wall time otherwise.
        return start.astimezone(UTC), end.astimezone(UTC)

    def open_interval(self, at: datetime, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """Return the window interval containing `at` in `zone`, or None when it is closed then."""
        local_day = at.astimezone(zone).date()
        for day in (local_day - timedelta(days=1), local_day):
            interval = self.interval_on(day, zone)
            if interval and interval[0] <= at < interval[1]:
                return interval
        return None

    def next_opening(self, after: datetime, zone: tzinfo) -> datetime | None:
        """Return `after` when the window is open then, else when it next opens; None if never."""
        if self.open_interval(after, zone):
            return after
        local_day = after.astimezone(zone).date()
        for offset in range(_SEARCH_DAYS):
            interval = self.interval_on(local_day + timedelta(days=offset), zone)
            if interval and interval[0] > after:
                return interval[0]
        return None

    def to_json(self) -> dict:
        data: dict = {
            "from": self.opens.strftime("%H:%M"),
            "to": "24:00" if self.closes is None else self.closes.strftime("%H:%M"),
            "days": [DAYS[day] for day in sorted(self.days)],
        }
        if self.overnight:
            data["overnight"] = True
        return data


def parse_window(value: object) -> CallingWindow:
    """Read a window from settings JSON; raise InvalidWindow with a message fit for a 422."""
    if not isinstance(value, dict):
        raise InvalidWindow('must be an object like {"from": "08:00", "to": "20:00"}')
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise InvalidWindow(f"has unknown keys: {', '.join(unknown)}")
    opens = _parse_time(value.get("from"), "from")
    closes = _parse_time(value.get("to"), "to")
    if opens is None:
        raise InvalidWindow("from must be a time HH:MM before 24:00")
    overnight = value.get("overnight", False)
    if not isinstance(overnight, bool):
        raise InvalidWindow("overnight must be true or false")
    if closes is not None and closes == opens:
        raise InvalidWindow("from and to must differ (leave calling_window out to call at any hour)")
    if closes is not None and closes < opens and not overnight:
        raise InvalidWindow('to must be after from; a window past midnight needs "overnight": true')
    if overnight and (closes is None or closes > opens):
        raise InvalidWindow("an overnight window must end (to) before it starts (from) on the next day")
    return CallingWindow(
        opens=opens, closes=closes, days=_parse_days(value.get("days", list(DAYS))), overnight=overnight
    )


def window_errors(value: object) -> list[str]:
    """Return what is wrong with a `calling_window` setting (None means no window): 422 messages."""
    if value is None:
        return []
    try:
        parse_window(value)
    except InvalidWindow as error:
        return [f"calling_window {error}"]
    return []


def _parse_time(value: object, name: str) -> time | None:
    """Return the time, or None for "24:00" (the end of the day)."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise InvalidWindow(f"{name} must be a time HH:MM between 00:00 and 24:00")
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _parse_days(value: object) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise InvalidWindow(f"days must be a non-empty list of {', '.join(DAYS)}")
    days = set()
    for day in value:
        if not isinstance(day, str) or day.lower() not in DAYS:
            raise InvalidWindow(f"days must be a non-empty list of {', '.join(DAYS)}")
        days.add(DAYS.index(day.lower()))
    return frozenset(days)


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted (read once: it walks the tz database)."""
    return tuple(sorted(set(available_timezones()) | {"UTC"}))


@cache
def _zone_name_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def is_time_zone(name: object) -> bool:
    """Return whether `name` is an IANA time zone name this machine knows."""
    return isinstance(name, str) and name in _zone_name_set()


def zone(name: str) -> tzinfo:
    """Return the zone named `name` (an IANA name), UTC when it is unknown."""
    try:
        return ZoneInfo(name) if is_time_zone(name) else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def opening(window: CallingWindow, zones: list[tzinfo], now: datetime) -> datetime | None:
    """Return when a call may go out: `now` if the window is open in every zone, else the first
    moment it is (None when the zones' windows never overlap within a week)."""
    candidate = now
    for _ in range(4 * _SEARCH_DAYS * max(1, len(zones))):
        latest = candidate
        for each in zones:
            opens = window.next_opening(candidate, each)
            if opens is None:
                return None
            latest = max(latest, opens)
        if latest == candidate:
            return candidate
        if latest - now > timedelta(days=_SEARCH_DAYS):
            return None
        candidate = latest
    return None
