"""The retry loop: create the next attempt of calls whose `retry_at` has come (scfm.calls.retries)."""

from datetime import datetime

from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.calls.retries import create_next_attempt

BATCH = 100


def tick(now: datetime | None = None) -> bool:
    now = now or timezone.now()
    due = list(
        PhoneCall.objects.filter(retry_at__lte=now).order_by("retry_at").values_list("id", flat=True)[:BATCH]
    )
    for phone_call_id in due:
        create_next_attempt(phone_call_id=phone_call_id)
    return bool(due)
