"""The callout summary shown on the dashboard (reference §12): participants and call attempts by status.

Three aggregate queries whatever the callout's size: one over its participations, one over its phone
calls (served by the `(callout_id, status)` index), and one over the few calls still under way.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from scfm.callouts.models import Callout, CalloutParticipation
from scfm.callouts.services import max_phone_calls
from scfm.calls.models import PhoneCall
from scfm.calls.states import ACTIVE_STATUSES, FINAL_STATUSES, PhoneCallStatus

# The call statuses the summary counts, in the order the dashboard shows them.
SUMMARY_CALL_STATUSES = (
    PhoneCallStatus.COMPLETED,
    PhoneCallStatus.NOT_ANSWERED,
    PhoneCallStatus.BUSY,
    PhoneCallStatus.FAILED,
    PhoneCallStatus.ERRORED,
)


@dataclass(frozen=True)
class CalloutSummary:
    participants: int
    participants_still_to_be_called: int
    answered_participants: int
    participants_on_last_call: int  # out of attempts, but the last one is still under way
    max_phone_calls: int
    phone_calls: int  # every attempt, whatever its status
    completed_calls: int
    not_answered_calls: int
    busy_calls: int
    failed_calls: int
    errored_calls: int

    @property
    def participants_done(self) -> int:
        """Participants who are finished: answered, or out of attempts with the last one over."""
        return self.participants - self.participants_still_to_be_called - self.participants_on_last_call

    @property
    def percent_done(self) -> int:
        """Whole percentage of participants done (0 for a callout without participants)."""
        if not self.participants:
            return 0
        return self.participants_done * 100 // self.participants

    @property
    def other_calls(self) -> int:
        """Attempts not in a counted final status: waiting, with the provider, in progress, canceled…"""
        counted = (
            self.completed_calls
            + self.not_answered_calls
            + self.busy_calls
            + self.failed_calls
            + self.errored_calls
        )
        return self.phone_calls - counted

    def call_segments(self) -> list[tuple[str, int, float]]:
        """(status, count, percent of all attempts) for the stacked progress bar."""
        total = self.phone_calls
        counts = (
            self.completed_calls,
            self.not_answered_calls,
            self.busy_calls,
            self.failed_calls,
            self.errored_calls,
        )
        return [
            (str(status), count, round(count * 100 / total, 2) if total else 0.0)
            for status, count in zip(SUMMARY_CALL_STATUSES, counts, strict=True)
        ]


def remaining_participations() -> Count:
    """Count, over a callout's phone calls, the participations still to be called: with a call
    waiting or under way, or a retry pending (the summary and `participations_remaining` of
    GET /api/callouts/:id/statistics)."""
    return Count(
        "callout_participation_id",
        distinct=True,
        filter=Q(status__in=ACTIVE_STATUSES) | Q(retry_at__isnull=False),
    )


def callout_summary(callout: Callout) -> CalloutSummary:
    """Count the callout's participants and its call attempts by status."""
    limit = max_phone_calls(callout.account, callout)
    participations = CalloutParticipation.objects.filter(callout_id=callout.pk).aggregate(
        participants=Count("id"),
        answered=Count("id", filter=Q(answered=True)),
    )
    calls = PhoneCall.objects.filter(callout_id=callout.pk).aggregate(
        total=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in SUMMARY_CALL_STATUSES},
        # Counting unanswered participants with attempts left instead would keep those a retry
        # ladder, a terminal refusal or stop_at has finished "to be called" forever.
        remaining=remaining_participations(),
    )
    # Calls under way are few (the dial pace bounds them), so this join stays cheap.
    on_last_call = (
        PhoneCall.objects.filter(
            callout_id=callout.pk,
            callout_participation__answered=False,
            callout_participation__phone_calls_count__gte=limit,
        )
        .exclude(status__in=FINAL_STATUSES)
        .values("callout_participation_id")
        .distinct()
        .count()
    )
    return CalloutSummary(
        participants=participations["participants"],
        participants_still_to_be_called=calls["remaining"] - on_last_call,
        answered_participants=participations["answered"],
        participants_on_last_call=on_last_call,
        max_phone_calls=limit,
        phone_calls=calls["total"],
        completed_calls=calls[PhoneCallStatus.COMPLETED],
        not_answered_calls=calls[PhoneCallStatus.NOT_ANSWERED],
        busy_calls=calls[PhoneCallStatus.BUSY],
        failed_calls=calls[PhoneCallStatus.FAILED],
        errored_calls=calls[PhoneCallStatus.ERRORED],
    )
