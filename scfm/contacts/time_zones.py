"""Which time zone(s) a contact's calling window is read in.

In order: the contact's metadata `time_zone` (an IANA name); else the zones of the number's region
(phonenumbers' geographic data) — where the region spans several zones, the account's `time_zone`
if it is one of them, else all of them (the window must then be open in every one: the most
restrictive reading); else the account's `time_zone`; else UTC.

If the window is never open in all of them at once, the call is judged in the westernmost zone
(the smallest UTC offset now; `scfm.engine.windows`): a rule by "the zone that opens last from now"
would switch zones at each opening and hold the call forever.
"""

from datetime import tzinfo
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phonenumber_zones

from scfm.core.calling_windows import is_time_zone, zone

_UNKNOWN = phonenumber_zones.UNKNOWN_TIMEZONE


def number_zone_names(msisdn: str) -> tuple[str, ...]:
    """Return the IANA zones of the region `msisdn` (E.164, with '+') belongs to; () if unknown."""
    if not msisdn.startswith("+"):
        return ()
    # Whole numbers are parsed (prefix caching would misjudge numbers of another length).
    return _zones_for_number(msisdn)


@lru_cache(maxsize=65536)
def _zones_for_number(msisdn: str) -> tuple[str, ...]:
    try:
        number = phonenumbers.parse(msisdn)
    except phonenumbers.NumberParseException:
        return ()
    names = phonenumber_zones.time_zones_for_number(number)
    return tuple(name for name in names if name != _UNKNOWN and is_time_zone(name))


def contact_zone_names(
    *, msisdn: str, contact_time_zone: object, account_time_zone: object
) -> tuple[str, ...]:
    """Return the zone names a contact's calling window is read in (never empty)."""
    if is_time_zone(contact_time_zone):
        return (str(contact_time_zone),)
    names = number_zone_names(msisdn)
    if len(names) > 1 and account_time_zone in names:
        return (str(account_time_zone),)
    if names:
        return names
    if is_time_zone(account_time_zone):
        return (str(account_time_zone),)
    return ("UTC",)


def contact_zones(*, msisdn: str, contact_time_zone: object, account_time_zone: object) -> list[tzinfo]:
    names = contact_zone_names(
        msisdn=msisdn, contact_time_zone=contact_time_zone, account_time_zone=account_time_zone
    )
    return [zone(name) for name in names]
