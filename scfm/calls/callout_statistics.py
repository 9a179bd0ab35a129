"""A callout's delivery statistics and ETA (`GET /api/callouts/:id/statistics`, the callout page).

A fixed number of queries whatever the callout's size: one aggregate over its participations,
one over its phone calls (per status, remaining participations, waiting, per minute…), and for a
running callout's ETA a few more, each bounded: the calls waiting for a window grouped by when it
opens, a sample of recently finished calls (how long a call lasts), the account's other running
callouts with their open calls, and a sample of contacts for the zone the window is read in.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from scfm.accounts.settings import max_concurrent_calls
from scfm.callouts.delivery import policy_for
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.callouts.services import max_phone_calls
from scfm.callouts.states import CalloutStatus
from scfm.calls import eta
from scfm.calls.callout_summary import remaining_participations
from scfm.calls.models import PhoneCall
from scfm.calls.retries import retry_delay_seconds
from scfm.calls.states import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    INITIAL_STATUS,
    PhoneCallStatus,
)
from scfm.contacts.time_zones import contact_zone_names
from scfm.core import clock
from scfm.core.calling_windows import zone

# "Calls per minute" counts the hand-overs of this last stretch of time.
RATE_SPAN = timedelta(seconds=60)
# The ETA blends in the callout's own rate once it has handed over this many calls, for this long,
# within that minute.
OBSERVED_CALLS = 20
OBSERVED_SPAN = timedelta(seconds=5)
# Finished calls whose length (hand-over to final status) the ETA reads: the most recent ones.
CALL_LENGTH_SAMPLE = 200
# The statuses of calls that reached the provider and ended there; `errored` calls were refused
# at once and `expired` ones were lost, so neither says how long a call lasts.
ENDED_AT_PROVIDER = (
    PhoneCallStatus.COMPLETED,
    PhoneCallStatus.BUSY,
    PhoneCallStatus.FAILED,
    PhoneCallStatus.NOT_ANSWERED,
    PhoneCallStatus.CANCELED,
)
# Distinct window openings read (one a time zone, in practice); calls beyond wait for the last one.
WINDOW_OPENINGS = 500
# Contacts whose time zone is read to find the zone the callout's calling window mostly opens in.
ZONE_SAMPLE = 50


@dataclass(frozen=True)
class CalloutStatistics:
    participations: int
    participations_remaining: int  # with a call under way or waiting, or a retry pending
    participations_answered: int
    calls_by_status: dict[str, int]  # every phone call status, 0 when none
    waiting_for_window: int  # created calls held until their calling window opens
    calls_in_progress: int  # claimed, at the provider, or ringing/answered
    calls_per_minute: int  # calls handed over in the last minute
    eta_seconds: int | None  # None: not running, or nothing to estimate from
    eta_at: datetime | None
    completed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The body of `GET /api/callouts/:id/statistics`."""
        return {
            "participations": self.participations,
            "participations_remaining": self.participations_remaining,
            "participations_answered": self.participations_answered,
            "calls_by_status": dict(self.calls_by_status),
            "waiting_for_window": self.waiting_for_window,
            "calls_in_progress": self.calls_in_progress,
            "calls_per_minute": self.calls_per_minute,
            "eta_seconds": self.eta_seconds,
            "eta_at": api_timestamp(self.eta_at),
            "completed_at": api_timestamp(self.completed_at),
        }


def api_timestamp(value: datetime | None) -> str | None:
    """`2023-09-18T06:34:48.708Z`: UTC with milliseconds, as the API writes every timestamp."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def callout_statistics(callout: Callout, *, now: datetime | None = None) -> CalloutStatistics:
    """Count the callout's participations and calls and estimate when it will be done (real `now`)."""
    now = now or timezone.now()
    participations = CalloutParticipation.objects.filter(callout_id=callout.pk).aggregate(
        total=Count("id"), answered=Count("id", filter=Q(answered=True))
    )
    recent = Q(remotely_queued_at__gt=now - RATE_SPAN, remotely_queued_at__lte=now)
    calls = PhoneCall.objects.filter(callout_id=callout.pk).aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in PhoneCallStatus},
        remaining=remaining_participations(),
        waiting=Count("id", filter=Q(status=INITIAL_STATUS, window_opens_at__gt=now)),
        per_minute=Count("id", filter=recent),
        first_recent_hand_over=Min("remotely_queued_at", filter=recent),
        pending_retries=Count("id", filter=Q(retry_at__isnull=False)),
        retries_from=Min("retry_at"),
        retries_until=Max("retry_at"),
        last_hand_over_in_flight=Max("remotely_queued_at", filter=Q(status__in=IN_FLIGHT_STATUSES)),
    )
    calls_by_status = {status.value: calls[status.value] for status in PhoneCallStatus}
    statistics = CalloutStatistics(
        participations=participations["total"],
        participations_remaining=calls["remaining"],
        participations_answered=participations["answered"],
        calls_by_status=calls_by_status,
        waiting_for_window=calls["waiting"],
        calls_in_progress=sum(calls_by_status[status] for status in IN_FLIGHT_STATUSES),
        calls_per_minute=calls["per_minute"],
        eta_seconds=None,
        eta_at=None,
        completed_at=callout.completed_at,
    )
    eta_at = _eta(callout, statistics, calls, now)
    if eta_at is None:
        return statistics
    return replace(statistics, eta_at=eta_at, eta_seconds=max(0, round((eta_at - now).total_seconds())))


def _eta(
    callout: Callout,
    statistics: CalloutStatistics,
    calls: dict[str, Any],
    now: datetime,
) -> datetime | None:
    """When the callout is expected to be done: its completion once recorded, else the model's
    estimate while it runs (None when it does not run or has nothing to estimate from)."""
    if callout.completed_at is not None:
        return callout.completed_at
    if callout.status != CalloutStatus.RUNNING or not statistics.participations:
        return None
    account = callout.account
    policy = policy_for(callout.settings, account.settings)
    offset = clock.offset()
    by_status = statistics.calls_by_status
    open_calls = by_status[INITIAL_STATUS] - statistics.waiting_for_window
    limit = max_phone_calls(account, callout)
    inputs = eta.EtaInputs(
        now=now,
        calls_per_minute=account.int_setting("phone_call_queue_limit"),
        priority=policy.priority,
        other_callouts=_other_callouts(callout, now),
        max_concurrent_calls=max_concurrent_calls(account.settings),
        observed_calls_per_minute=_observed_rate(statistics.calls_per_minute, calls, now)
        if open_calls > 0
        else None,
        open_calls=open_calls,
        window_openings=_window_openings(callout, statistics.waiting_for_window, now),
        pending_retries=calls["pending_retries"],
        retries_from=calls["retries_from"],
        retries_until=calls["retries_until"],
        in_flight=statistics.calls_in_progress,
        last_hand_over_at=calls["last_hand_over_in_flight"],
        **_retries_under_way(callout),
        max_attempts=limit,
        answered_calls=by_status[PhoneCallStatus.COMPLETED],
        unsuccessful_calls={
            status: by_status[status] for status in FINAL_STATUSES if status != PhoneCallStatus.COMPLETED
        },
        retry_ladders=policy.retry_ladders,
        default_retry_delay=retry_delay_seconds(account, callout),
        call_seconds=_call_seconds(callout),
        start_at=clock.to_real(policy.start_at) if policy.start_at else None,
        stop_at=clock.to_real(policy.stop_at) if policy.stop_at else None,
        window=policy.window,
        window_zones=_window_zones(callout, policy.account_time_zone) if policy.window else (),
        calendar_offset=offset,
    )
    return eta.estimate_finish(inputs)


def _retries_under_way(callout: Callout) -> dict[str, dict[int, int]]:
    """The calls past their participation's first attempt, by attempt number: open, in flight, and
    pending retries (by the attempt they will make).

    Only the callout's calls under way or with a retry pending are read, joined to participations
    that have had more than one call. (Three EXISTS probes per participation cost less to run but
    more in PostgreSQL's estimate, which then compiled the query: half a second on 200,000.)
    """
    rows = (
        PhoneCall.objects.filter(
            callout_id=callout.pk,
            callout_participation__answered=False,
            callout_participation__phone_calls_count__gte=2,
        )
        .filter(Q(status__in=ACTIVE_STATUSES) | Q(retry_at__isnull=False))
        .values("callout_participation__phone_calls_count")
        .annotate(
            open=Count("id", filter=Q(status=INITIAL_STATUS)),
            in_flight=Count("id", filter=Q(status__in=IN_FLIGHT_STATUSES)),
            pending=Count("id", filter=Q(retry_at__isnull=False)),
        )
        .order_by()
    )
    found: dict[str, dict[int, int]] = {
        "open_retries": {},
        "in_flight_retries": {},
        "pending_retry_attempts": {},
    }
    for row in rows:
        # A participation's open or in-flight call is its latest attempt; its pending retry, the next.
        attempt = row["callout_participation__phone_calls_count"]
        found["open_retries"][attempt] = row["open"]
        found["in_flight_retries"][attempt] = row["in_flight"]
        found["pending_retry_attempts"][attempt + 1] = row["pending"]
    return found


def _observed_rate(handed_over: int, calls: dict[str, Any], now: datetime) -> float | None:
    """The callout's hand-overs a minute since its first hand-over within the last minute, once there
    are enough to tell (a resumed callout, a window just opened, start with a clean slate)."""
    since: datetime | None = calls["first_recent_hand_over"]
    if since is None or now - since < OBSERVED_SPAN or handed_over < OBSERVED_CALLS:
        return None
    return handed_over * 60 / (now - since).total_seconds()


def _other_callouts(callout: Callout, now: datetime) -> tuple[eta.OtherCallout, ...]:
    """The account's other running callouts that have calls open now, with their priorities."""
    account = callout.account
    running = dict(
        Callout.objects.filter(account_id=account.pk, status=CalloutStatus.RUNNING)
        .exclude(pk=callout.pk)
        .values_list("pk", "settings")
    )
    if not running:
        return ()
    calendar_now = clock.to_calendar(now)
    started = {}
    for pk, settings in running.items():
        policy = policy_for(settings, account.settings)
        if policy.has_started(calendar_now) and not policy.has_stopped(calendar_now):
            started[pk] = policy.priority
    if not started:
        return ()
    open_calls = (
        PhoneCall.objects.filter(callout_id__in=list(started), status=INITIAL_STATUS)
        .filter(Q(window_opens_at__isnull=True) | Q(window_opens_at__lte=now))
        .values("callout_id")
        .annotate(calls=Count("id"))
        .order_by()
    )
    return tuple(
        eta.OtherCallout(priority=started[row["callout_id"]], open_calls=row["calls"])
        for row in open_calls
        if row["calls"]
    )


def _window_openings(callout: Callout, waiting: int, now: datetime) -> tuple[tuple[datetime, int], ...]:
    """The calls waiting for their window, by when it opens (earliest first)."""
    if not waiting:
        return ()
    rows = list(
        PhoneCall.objects.filter(callout_id=callout.pk, status=INITIAL_STATUS, window_opens_at__gt=now)
        .values("window_opens_at")
        .annotate(calls=Count("id"))
        .order_by("window_opens_at")[:WINDOW_OPENINGS]
    )
    openings = [(row["window_opens_at"], row["calls"]) for row in rows]
    counted = sum(calls for _, calls in openings)
    if openings and counted < waiting:
        # More distinct openings than read: the rest are taken to open with the last one read.
        last_at, last_calls = openings[-1]
        openings[-1] = (last_at, last_calls + waiting - counted)
    return tuple(openings)


def _call_seconds(callout: Callout) -> tuple[float, ...]:
    """How long the callout's most recently finished calls took from hand-over to final status."""
    rows = (
        PhoneCall.objects.filter(
            callout_id=callout.pk, status__in=ENDED_AT_PROVIDER, remotely_queued_at__isnull=False
        )
        .order_by("-id")
        .values_list("remotely_queued_at", "updated_at")[:CALL_LENGTH_SAMPLE]
    )
    return tuple(max(0.0, (ended - handed_over).total_seconds()) for handed_over, ended in rows)


def _window_zones(callout: Callout, account_time_zone: str | None) -> tuple[tzinfo, ...]:
    """The zones the callout's calling window is read in for most of its next calls."""
    # The next calls to dial, in the dial loop's order (read from its partial index).
    rows = (
        PhoneCall.objects.filter(callout_id=callout.pk, status=INITIAL_STATUS, window_opens_at__isnull=True)
        .order_by("id")
        .values_list("msisdn", "contact__metadata__time_zone")[:ZONE_SAMPLE]
    )
    found = Counter(
        contact_zone_names(msisdn=msisdn, contact_time_zone=time_zone, account_time_zone=account_time_zone)
        for msisdn, time_zone in rows
    )
    if not found:
        return (zone(account_time_zone or "UTC"),)
    names = found.most_common(1)[0][0]
    return tuple(zone(name) for name in names)
