"""When each call of a callout may go out under its calling window (pure, no database).

The window is read in the contact's time zone(s) (`scfm.contacts.time_zones`) on the calendar
clock (`scfm.core.clock`); what the dial loop stores (`window_opens_at`) is the real time the
window opens.
"""

from datetime import datetime, timedelta, tzinfo

from scfm.contacts.time_zones import contact_zone_names
from scfm.core import clock
from scfm.core.calling_windows import CallingWindow, opening, zone

# A window that could not be placed within the search (it cannot happen with a valid window, but
# settings are free JSON) is looked at again after this long rather than never.
RECHECK_AFTER = timedelta(days=1)


class CallWindows:
    """Decides, for the calls of one callout in one claim, which may go out now and when the
    others' window opens. Contacts in the same zones share one answer."""

    def __init__(self, window: CallingWindow, *, account_time_zone: str | None, now: datetime) -> None:
        self.window = window
        self.account_time_zone = account_time_zone
        self.calendar_now = clock.to_calendar(now)
        self._opens_at: dict[tuple[str, ...], datetime | None] = {}

    def opens_at(self, *, msisdn: str, contact_time_zone: object) -> datetime | None:
        """Return None when the call may go out now, else the real time its window opens."""
        names = contact_zone_names(
            msisdn=msisdn, contact_time_zone=contact_time_zone, account_time_zone=self.account_time_zone
        )
        if names not in self._opens_at:
            self._opens_at[names] = self._opens_at_in(names)
        return self._opens_at[names]

    def _opens_at_in(self, names: tuple[str, ...]) -> datetime | None:
        zones = [zone(name) for name in names]
        at = opening(self.window, zones, self.calendar_now)
        if at is None and len(zones) > 1:
            at = opening(self.window, [westernmost(zones, self.calendar_now)], self.calendar_now)
        if at is None:
            at = self.calendar_now + RECHECK_AFTER
        return None if at <= self.calendar_now else clock.to_real(at)


def westernmost(zones: list[tzinfo], at: datetime) -> tzinfo:
    """Return the zone with the smallest UTC offset at `at` (ties: the first).

    Used when a number's zones are so far apart that the window is never open in all of them at
    once: the call is then judged in one zone only. The choice must not depend on which zone's
    window is open right now — "the zone that opens last from now" flips between zones at each
    opening and the call would be deferred forever — so it is the zone whose day starts last,
    which changes only with daylight saving time.
    """
    return min(zones, key=lambda each: at.astimezone(each).utcoffset() or timedelta(0))
