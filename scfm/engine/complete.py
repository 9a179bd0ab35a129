"""The completion loop: stop running callouts at their `stop_at`, and record when each is complete
(`completed_at`), or no longer complete once work is added to it (scfm.calls.callout_completion).

Every step is a conditional statement, so engines running this loop side by side do the work once.
"""

from datetime import datetime

from django.utils import timezone

from scfm.calls import callout_completion
from scfm.core import clock


def tick(now: datetime | None = None) -> bool:
    """Apply the completion rules once; return whether a callout's completion changed."""
    now = now or timezone.now()
    callout_completion.stop_callouts_past_stop_at(calendar_now=clock.to_calendar(now), now=now)
    completed = callout_completion.record_completions(now=now)
    reopened = callout_completion.clear_reopened_completions()
    return bool(completed or reopened)
