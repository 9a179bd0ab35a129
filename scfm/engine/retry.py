"""The retry loop: create the next attempt of calls whose `retry_at` has come (scfm.calls.retries)."""

from datetime import datetime

from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.calls.retries import create_next_attempts

# Due calls handled per transaction (a fixed number of queries for the whole batch).
BATCH = 500


def tick(now: datetime | None = None) -> bool:
    now = now or timezone.now()
    due = list(
        PhoneCall.objects.filter(retry_at__lte=now).order_by("retry_at").values_list("id", flat=True)[:BATCH]
    )
    if due:
        create_next_attempts(phone_call_ids=due)
    return bool(due)
