"""Phone call statuses and how a provider's CallStatus moves them (pure, no database)."""

from datetime import datetime, timedelta

from django.db import models


class PhoneCallStatus(models.TextChoices):
    CREATED = "created"  # an attempt waiting for its callout to run
    QUEUED = "queued"  # claimed by the engine; the provider request is about to leave
    REMOTELY_QUEUED = "remotely_queued"  # the provider accepted it and gave a CallSid
    ERRORED = "errored"  # the provider refused the request
    IN_PROGRESS = "in_progress"  # ringing or answered
    BUSY = "busy"  # final: the line was busy
    FAILED = "failed"  # final: the provider could not place it
    NOT_ANSWERED = "not_answered"  # final: nobody picked up
    CANCELED = "canceled"  # final: canceled before it was answered
    COMPLETED = "completed"  # final: answered and finished
    EXPIRED = "expired"  # still queued at the provider an hour after hand-over


FINAL_STATUSES = frozenset(
    {
        PhoneCallStatus.ERRORED,
        PhoneCallStatus.BUSY,
        PhoneCallStatus.FAILED,
        PhoneCallStatus.NOT_ANSWERED,
        PhoneCallStatus.CANCELED,
        PhoneCallStatus.COMPLETED,
        PhoneCallStatus.EXPIRED,
    }
)
# `expired` is re-openable: a late callback tells what really happened. `queued` is included
# because a provider's callback may arrive before the engine has recorded the hand-over.
COMPLETABLE_STATUSES = frozenset(
    {
        PhoneCallStatus.CREATED,
        PhoneCallStatus.QUEUED,
        PhoneCallStatus.REMOTELY_QUEUED,
        PhoneCallStatus.IN_PROGRESS,
        PhoneCallStatus.EXPIRED,
    }
)
RETRY_STATUSES = frozenset(
    {
        PhoneCallStatus.NOT_ANSWERED,
        PhoneCallStatus.BUSY,
        PhoneCallStatus.FAILED,
        PhoneCallStatus.CANCELED,
        PhoneCallStatus.EXPIRED,
        PhoneCallStatus.ERRORED,
    }
)

REMOTE_STATUS_TO_STATUS = {
    "ringing": PhoneCallStatus.IN_PROGRESS,
    "in-progress": PhoneCallStatus.IN_PROGRESS,
    "answered": PhoneCallStatus.IN_PROGRESS,
    "busy": PhoneCallStatus.BUSY,
    "failed": PhoneCallStatus.FAILED,
    "no-answer": PhoneCallStatus.NOT_ANSWERED,
    "canceled": PhoneCallStatus.CANCELED,
    "completed": PhoneCallStatus.COMPLETED,
}
EXPIRY_AFTER = timedelta(hours=1)


def next_status(
    *, current: str, remote_status: str | None, remotely_queued_at: datetime | None, now: datetime
) -> str | None:
    """Return the status a call moves to on `remote_status`, or None when it stays where it is.

    Final statuses never move (a late `ringing` cannot reopen a `completed` call), except
    `expired`, which any later news may correct.
    """
    if current not in COMPLETABLE_STATUSES or not remote_status:
        return None
    if remote_status == "queued":
        if (
            current != PhoneCallStatus.EXPIRED
            and remotely_queued_at is not None
            and remotely_queued_at < now - EXPIRY_AFTER
        ):
            return PhoneCallStatus.EXPIRED
        return None
    target = REMOTE_STATUS_TO_STATUS.get(remote_status)
    if target is None or target == current:
        return None
    if target == PhoneCallStatus.IN_PROGRESS and current == PhoneCallStatus.IN_PROGRESS:
        return None
    return target


def sources_for(target: str) -> frozenset[str]:
    """Return the statuses from which a call may move to `target` (for conditional UPDATEs)."""
    if target == PhoneCallStatus.IN_PROGRESS:
        return COMPLETABLE_STATUSES - {PhoneCallStatus.IN_PROGRESS}
    if target == PhoneCallStatus.EXPIRED:
        return COMPLETABLE_STATUSES - {PhoneCallStatus.EXPIRED}
    return COMPLETABLE_STATUSES
