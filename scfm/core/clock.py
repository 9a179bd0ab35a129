"""The calendar clock: what time it is for calling windows, `start_at` and `stop_at`.

Real time plus `SCFM_CLOCK_OFFSET_SECONDS` (default 0). The offset is a test seam: set it in the
environment of the web and engine processes and they behave as if the wall clock were that many
seconds ahead (or behind, when negative), so a window that opens at 08:00 can be tested a few
seconds before 08:00 instead of waiting for the morning. Durations (retry delays, pacing, leases)
are measured in real time and are never shifted.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def offset() -> timedelta:
    return timedelta(seconds=getattr(settings, "SCFM_CLOCK_OFFSET_SECONDS", 0))


def now() -> datetime:
    """Return the calendar time now."""
    return timezone.now() + offset()


def to_calendar(real: datetime) -> datetime:
    """Return the calendar time of the real moment `real`."""
    return real + offset()


def to_real(calendar: datetime) -> datetime:
    """Return the real moment at which the calendar reads `calendar`."""
    return calendar - offset()
