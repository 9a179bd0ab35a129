"""When a running callout is done: its `stop_at` and its `completed_at`.

A callout is complete when every participation is final: answered, out of attempts, never to be
retried, or cut off by `stop_at`. In rows, that is: no call in an active status (created, queued,
remotely_queued, in_progress), no call with a pending `retry_at`, and no population about to add
participations (queued or running). The engine's completion loop (`scfm.engine.complete`) applies
these rules every second; each is one conditional statement over index lookups, so a
million-call callout costs what a small one does, and engines running it side by side agree
(a second UPDATE finds nothing left to change).
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from scfm.callouts.delivery import policy_for
from scfm.callouts.models import BatchOperation, Callout
from scfm.callouts.states import BatchOperationStatus, CalloutStatus
from scfm.calls import lifecycle
from scfm.calls.models import PhoneCall
from scfm.calls.states import ACTIVE_STATUSES

STOP_AT_REASON = "the callout's stop_at passed"
# Populations that may still add participations (and their first calls) to the callout.
POPULATING_STATUSES = (BatchOperationStatus.QUEUED, BatchOperationStatus.RUNNING)


def stop_callouts_past_stop_at(*, calendar_now: datetime, now: datetime) -> list[int]:
    """For each running callout whose `stop_at` is at or before `calendar_now`: cancel its calls
    that never went out and drop its pending retries, so it makes no new call. Calls under way
    finish (their outcome schedules no retry: see `scfm.calls.retries.schedule_retry`).

    Return the ids of the callouts found past their stop_at (repeating it changes nothing).
    """
    # A callout already complete has nothing left to cancel; if work is added to it, its
    # completed_at is cleared first (`clear_reopened_completions`) and it is found here again.
    candidates = Callout.objects.filter(
        status=CalloutStatus.RUNNING, completed_at__isnull=True, settings__has_key="stop_at"
    ).values_list("pk", "settings", "account__settings")
    stopped = [
        pk
        for pk, settings, account_settings in candidates
        if policy_for(settings, account_settings).has_stopped(calendar_now)
    ]
    for callout_id in stopped:
        lifecycle.cancel_unsent(callout_id=callout_id, reason=STOP_AT_REASON, now=now)
        PhoneCall.objects.filter(callout_id=callout_id, retry_at__isnull=False).update(retry_at=None)
    return stopped


def _has_unfinished_work() -> Q:
    """The condition, on a callout row, that it still has a call to make or to hear back from."""
    active_call = PhoneCall.objects.filter(callout_id=OuterRef("pk"), status__in=ACTIVE_STATUSES)
    pending_retry = PhoneCall.objects.filter(callout_id=OuterRef("pk"), retry_at__isnull=False)
    population = BatchOperation.objects.filter(callout_id=OuterRef("pk"), status__in=POPULATING_STATUSES)
    return Q(Exists(active_call)) | Q(Exists(pending_retry)) | Q(Exists(population))


def record_completions(*, now: datetime) -> int:
    """Set `completed_at` (real time `now`) on running callouts that have just become complete;
    return how many. Callouts already complete keep the time they were first found complete."""
    return (
        Callout.objects.filter(status=CalloutStatus.RUNNING, completed_at__isnull=True)
        .exclude(_has_unfinished_work())
        .update(completed_at=now)
    )


def clear_reopened_completions() -> int:
    """Clear `completed_at` of running callouts that have work again (a participation or a
    population added after they were complete); return how many."""
    return (
        Callout.objects.filter(status=CalloutStatus.RUNNING, completed_at__isnull=False)
        .filter(_has_unfinished_work())
        .update(completed_at=None)
    )
