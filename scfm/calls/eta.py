"""The ETA model: when the last call of a running callout will be over (pure, no database).

`scfm.calls.callout_statistics` reads counts from the database into `EtaInputs`; this module only
does arithmetic on them, so every rule is tested with hand-made numbers.

The callout is a queue served at its share of the account's rate, in real time:

- The rate: the account's `phone_call_queue_limit` (calls a minute), lowered by its
  `max_concurrent_calls` (a cap of C calls lasting S seconds each lets C / S calls a second
  through), shared among the account's running callouts that have calls to make as the dial loop
  shares it: emergencies take everything (several share equally), the others by weight
  high : normal : low = 4 : 2 : 1. The other callouts' calls open now are drained first; as each
  one runs out, its share goes to those left. Once the callout has dialed for a minute, its
  observed rate is blended in (the provider, a busy back-off or the cap may hold it below the
  model).
- The calls to make: those open now; those waiting for their calling window (not before it
  opens); pending retries (spread between the first and last `retry_at`); and the retries still
  to come, expected from the callout's answer rate so far, its attempts left and the delays of its
  retry ladders. A family of expected retries smaller than half a call is taken not to happen.
- Dialing stops while the callout's calling window is closed (read in the zone most of its
  contacts are called in) and for good at its `stop_at`.
- Call lengths (hand-over to final status) are those of the callout's recent calls: a retry comes
  back one call and its delay after its hand-over, so the last of a family of retries comes after
  the longest of its calls; and the callout is done when the last of its calls is over — the
  latest of those handed over near the end, not the last one handed over plus a typical call.
"""

import bisect
import heapq
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from scfm.callouts.delivery import DEFAULT_PRIORITY, EMERGENCY, PRIORITY_WEIGHTS
from scfm.core.calling_windows import CallingWindow, opening

# Until the callout's own calls show how long a call lasts: a ring of about 20 seconds and a
# short recorded message.
DEFAULT_CALL_SECONDS = 30.0
# An expected family of retries below this many calls is taken not to happen.
NEGLIGIBLE_CALLS = 0.5
# Each group of calls is dialed in this many chunks, so that its retries come back spread out;
# with many groups (window openings), fewer each, about this many in all.
CHUNKS = 20
ALL_CHUNKS = 400
# How much of the observed rate is blended into the model's once the callout has dialed a minute.
OBSERVED_RATE_WEIGHT = 0.5
# The end of the last calls: each stretch of dialing is read as this many groups of calls, and
# their expected end on this many points.
GROUPS_PER_STRETCH = 8
END_POINTS = 64
# Bounds the walk through window openings and rate changes: past it the estimate is given up (a
# window that opens for one minute a week, for years of calls, would otherwise take long to walk).
MAX_STEPS = 20_000


@dataclass(frozen=True)
class OtherCallout:
    """Another running callout of the account, with the calls it has open now."""

    priority: str
    open_calls: int


@dataclass(frozen=True)
class EtaInputs:
    """What the model knows of a running callout at `now` (real time, as every datetime here)."""

    now: datetime
    calls_per_minute: int  # the account's phone_call_queue_limit
    priority: str = DEFAULT_PRIORITY
    other_callouts: tuple[OtherCallout, ...] = ()  # the account's other running callouts with calls to make
    max_concurrent_calls: int | None = None  # the account's cap on calls under way
    # The callout's hand-overs in the last minute, once it has been dialing for a minute.
    observed_calls_per_minute: float | None = None
    open_calls: int = 0  # created, not waiting for a window
    window_openings: tuple[tuple[datetime, int], ...] = ()  # (when the window opens, calls waiting)
    pending_retries: int = 0  # final calls whose next attempt is due at their retry_at
    retries_from: datetime | None = None  # the first and last pending retry_at
    retries_until: datetime | None = None
    in_flight: int = 0  # claimed or at the provider
    last_hand_over_at: datetime | None = None  # the newest hand-over of a call in flight
    # Calls past their participation's first attempt, by attempt number (2 and up); the others
    # are first attempts. Retries open now are dialed after the first attempts (they are newer);
    # a pending retry is counted under the attempt it will make.
    open_retries: Mapping[int, int] = field(default_factory=dict)
    in_flight_retries: Mapping[int, int] = field(default_factory=dict)
    pending_retry_attempts: Mapping[int, int] = field(default_factory=dict)
    max_attempts: int = 3
    answered_calls: int = 0  # completed calls so far
    unsuccessful_calls: Mapping[str, int] = field(default_factory=dict)  # final, not completed, by status
    retry_ladders: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    default_retry_delay: int = 900  # seconds, for an outcome without a ladder
    call_seconds: tuple[float, ...] = ()  # hand-over to final status of recently finished calls
    start_at: datetime | None = None
    stop_at: datetime | None = None
    window: CallingWindow | None = None
    window_zones: tuple[tzinfo, ...] = ()
    calendar_offset: timedelta = timedelta(0)  # calendar time = real time + this (scfm.core.clock)


def estimate_finish(inputs: EtaInputs) -> datetime | None:
    """Return when the callout's last call is expected to be over, or None when it cannot be told
    (a rate of zero, or a window that never opens)."""
    return _Estimate(inputs).finish()


def usual_lengths(call_seconds: tuple[float, ...]) -> list[float]:
    """The observed call lengths, sorted, without the far outliers (beyond the third quartile plus
    three interquartile ranges): a call stuck for an hour must not make every last call an hour
    long. The default length when none was observed."""
    lengths = sorted(call_seconds)
    if len(lengths) < 4:
        return lengths or [DEFAULT_CALL_SECONDS]
    first, _, third = statistics.quantiles(lengths, n=4, method="inclusive")
    fence = third + 3 * (third - first)
    return [length for length in lengths if length <= fence]


def shares(priority: str, others: list[str]) -> tuple[float, list[float]]:
    """Return the share of the account's rate of a callout of `priority` and of each of `others`
    (callouts with calls to make): emergencies split everything equally, the rest go by weight."""
    everyone = [priority, *others]
    emergencies = sum(1 for each in everyone if each == EMERGENCY)
    if emergencies:
        split = [1 / emergencies if each == EMERGENCY else 0.0 for each in everyone]
    else:
        weights = [PRIORITY_WEIGHTS.get(each, PRIORITY_WEIGHTS[DEFAULT_PRIORITY]) for each in everyone]
        split = [weight / sum(weights) for weight in weights]
    return split[0], split[1:]


@dataclass(order=True)
class _Chunk:
    """Calls that come due evenly from `at` to `until`; `attempts` maps an attempt number to its
    fraction of them."""

    at: datetime
    order: int
    calls: float = field(compare=False)
    attempts: dict[int, float] = field(compare=False)
    family: float = field(compare=False)  # how many calls the chunk's whole family expects
    until: datetime = field(compare=False)


class _Estimate:
    def __init__(self, inputs: EtaInputs) -> None:
        self.inputs = inputs
        self.now = inputs.now
        self.lengths = usual_lengths(inputs.call_seconds)
        mean_length = statistics.fmean(self.lengths)
        # The account's rate in calls a second; the cap lets `cap / mean length` calls a second through.
        account_rate = max(inputs.calls_per_minute, 0) / 60
        if inputs.max_concurrent_calls is not None and mean_length > 0:
            account_rate = min(account_rate, inputs.max_concurrent_calls / mean_length)
        self.rates = self._rate_pieces(account_rate)
        finished = inputs.answered_calls + sum(inputs.unsuccessful_calls.values())
        # One answered call assumed before any is seen: no retries are expected until calls fail.
        self.answer_rate = (inputs.answered_calls + 1) / (finished + 1)
        unsuccessful = sum(inputs.unsuccessful_calls.values())
        self.outcome_mix = (
            {status: count / unsuccessful for status, count in inputs.unsuccessful_calls.items() if count}
            if unsuccessful
            else {}
        )
        self._order = 0
        self.steps = 0
        self.chunks_per_group = CHUNKS

    # The rate -----------------------------------------------------------------------------

    def _rate_pieces(self, account_rate: float) -> list[tuple[datetime, float]]:
        """The callout's rate (calls a second) from each moment on; the last piece lasts for ever.

        The other callouts drain their open calls at their shares while this one keeps its own.
        """
        inputs = self.inputs
        others = [other for other in inputs.other_callouts if other.open_calls > 0]
        priorities = [other.priority for other in others]
        backlog = [float(other.open_calls) for other in others]
        at = self.now
        pieces: list[tuple[datetime, float]] = []
        while True:
            ours, theirs = shares(inputs.priority, priorities)
            pieces.append((at, account_rate * ours))
            draining = [index for index, share in enumerate(theirs) if share > 0]
            if not draining or account_rate <= 0:
                break
            seconds = min(backlog[index] / (account_rate * theirs[index]) for index in draining)
            for index in draining:
                backlog[index] -= account_rate * theirs[index] * seconds
            left = [index for index, calls in enumerate(backlog) if calls > 1e-6]
            priorities = [priorities[index] for index in left]
            backlog = [backlog[index] for index in left]
            at += timedelta(seconds=seconds)
        return self._blend_observed(pieces)

    def _blend_observed(self, pieces: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
        observed = self.inputs.observed_calls_per_minute
        model_now = pieces[0][1]
        if observed is None or model_now <= 0:
            return pieces
        blended = OBSERVED_RATE_WEIGHT * observed / 60 + (1 - OBSERVED_RATE_WEIGHT) * model_now
        factor = blended / model_now
        return [(at, rate * factor) for at, rate in pieces]

    def _rate_at(self, at: datetime) -> tuple[float, datetime | None]:
        """The rate at `at` and when it next changes (None: never)."""
        for index in range(len(self.rates) - 1, -1, -1):
            if self.rates[index][0] <= at:
                following = self.rates[index + 1][0] if index + 1 < len(self.rates) else None
                return self.rates[index][1], following
        return self.rates[0][1], self.rates[1][0] if len(self.rates) > 1 else None

    # The calling window -------------------------------------------------------------------

    def _next_open(self, at: datetime) -> datetime | None:
        window, zones = self.inputs.window, list(self.inputs.window_zones)
        if window is None or not zones:
            return at
        offset = self.inputs.calendar_offset
        opens = opening(window, zones, at + offset)
        return None if opens is None else opens - offset

    def _open_until(self, at: datetime) -> datetime | None:
        """When the window open at `at` closes (None: no window)."""
        window, zones = self.inputs.window, self.inputs.window_zones
        if window is None or not zones:
            return None
        offset = self.inputs.calendar_offset
        ends = [interval[1] for each in zones if (interval := window.open_interval(at + offset, each))]
        return min(ends) - offset if ends else at

    def _dial(self, at: datetime, calls: float) -> datetime | None:
        """Return when `calls` calls dialed from `at` have all been handed over (None: never)."""
        while self.steps < MAX_STEPS:
            self.steps += 1
            if calls <= 1e-9:
                return at
            opened = self._next_open(at)
            if opened is None:
                return None
            at = opened
            rate, rate_changes = self._rate_at(at)
            closes = self._open_until(at)
            ends = [moment for moment in (rate_changes, closes) if moment is not None]
            until = min(ends) if ends else None
            if until is not None and until <= at:
                until = at + timedelta(seconds=1)  # an instant at a boundary: step past it
            if rate <= 0:
                if until is None:
                    return None
                at = until
                continue
            needed = timedelta(seconds=calls / rate)
            if until is None or at + needed <= until:
                return at + needed
            calls -= (until - at).total_seconds() * rate
            at = until
        return None

    # Retries ------------------------------------------------------------------------------

    def _retry(self, attempt: int) -> tuple[float, float]:
        """Return the chance that the `attempt`-th call is followed by another, and the delay then.

        A participation's outcomes tend to repeat (a number that is not answered stays so), so
        its `attempt`-th call is taken as the `attempt`-th of its outcome on that outcome's ladder.
        """
        if attempt >= self.inputs.max_attempts or not self.outcome_mix:
            return 0.0, 0.0
        chance = 0.0
        delay = 0.0
        for outcome, share in self.outcome_mix.items():
            ladder = self.inputs.retry_ladders.get(outcome)
            if ladder is None:
                step = self.inputs.default_retry_delay
            elif len(ladder) >= attempt:
                step = ladder[attempt - 1]
            else:
                continue  # the ladder ends here: no retry for this outcome
            chance += share
            delay += share * step
        if chance == 0:
            return 0.0, 0.0
        return (1 - self.answer_rate) * chance, delay / chance

    def _push(
        self,
        queue: list[_Chunk],
        at: datetime,
        calls: float,
        attempts: dict[int, float],
        family: float,
        until: datetime | None = None,
    ) -> None:
        self._order += 1
        heapq.heappush(queue, _Chunk(at, self._order, calls, attempts, family, max(at, until or at)))

    def _push_group(
        self, queue: list[_Chunk], at: datetime, until: datetime, calls: float, attempts: dict[int, float]
    ) -> None:
        """Queue `calls` spread evenly from `at` to `until`, in chunks."""
        if calls <= 0:
            return
        pieces = max(1, min(self.chunks_per_group, math.ceil(calls)))
        span = until - at
        for index in range(pieces):
            moment = at + span * (index / pieces) if pieces > 1 else at
            self._push(queue, moment, calls / pieces, attempts, calls)

    def _follow_ups(self, queue: list[_Chunk], chunk: _Chunk, begin: datetime, end: datetime) -> None:
        """Queue the retries expected of the calls of `chunk`, handed over from `begin` to `end`.

        Each comes back one call and its delay after its hand-over: the first of them after a
        short call, the last after a long one (as long as the longest of so many calls).
        """
        children: dict[int, float] = {}
        delay = 0.0
        for attempt, fraction in chunk.attempts.items():
            chance, step = self._retry(attempt)
            if chance > 0:
                children[attempt + 1] = children.get(attempt + 1, 0.0) + fraction * chance
                delay += fraction * chance * step
        carried = sum(children.values())
        if carried <= 0 or chunk.family * carried < NEGLIGIBLE_CALLS:
            return
        calls = chunk.calls * carried
        wait = timedelta(seconds=delay / carried)
        self._push(
            queue,
            begin + timedelta(seconds=self._length_quantile(1 / (calls + 1))) + wait,
            calls,
            {attempt: part / carried for attempt, part in children.items()},
            chunk.family * carried,
            until=end + timedelta(seconds=self._length_quantile(calls / (calls + 1))) + wait,
        )

    def _length_quantile(self, share: float) -> float:
        """The call length that `share` of the observed calls do not exceed."""
        lengths = self.lengths
        return lengths[min(len(lengths) - 1, max(0, math.ceil(share * len(lengths)) - 1))]

    # The estimate -------------------------------------------------------------------------

    def _by_attempt(self, calls: int, known: Mapping[int, int], rest: int) -> list[tuple[int, float]]:
        """`calls` calls by attempt number, in attempt order: those `known`, the others `rest`."""
        limit = self.inputs.max_attempts
        counted: dict[int, float] = {}
        for attempt, count in known.items():
            if count > 0:
                key = min(max(attempt, 1), limit)
                counted[key] = counted.get(key, 0.0) + count
        total = sum(counted.values())
        if total > calls:  # counted a moment apart: the known share never exceeds the whole
            counted = {attempt: count * calls / total for attempt, count in counted.items()}
            total = calls
        rest = min(rest, limit)
        counted[rest] = counted.get(rest, 0.0) + calls - total
        return sorted((attempt, count) for attempt, count in counted.items() if count > 0)

    def finish(self) -> datetime | None:
        inputs = self.inputs
        now = self.now
        waiting = sum(calls for _, calls in inputs.window_openings)
        if not (inputs.open_calls or waiting or inputs.pending_retries or inputs.in_flight):
            return now
        start = max(now, inputs.start_at or now)
        stop = inputs.stop_at
        queue: list[_Chunk] = []
        self.chunks_per_group = max(1, min(CHUNKS, ALL_CHUNKS // (2 + len(inputs.window_openings))))
        # First attempts, then retries by attempt number: the order they were created in.
        for attempt, calls in self._by_attempt(inputs.open_calls, inputs.open_retries, 1):
            self._push_group(queue, start, start, calls, {attempt: 1.0})
        for opens_at, calls in inputs.window_openings:
            moment = max(start, opens_at)
            self._push_group(queue, moment, moment, calls, {1: 1.0})
        if inputs.pending_retries:
            first = max(start, inputs.retries_from or start)
            last = max(first, inputs.retries_until or first)
            for attempt, calls in self._by_attempt(inputs.pending_retries, inputs.pending_retry_attempts, 2):
                self._push_group(queue, first, last, calls, {attempt: 1.0})
        # When calls were (or will be) handed over: (from, until, how many), read for the last ones.
        stretches: list[tuple[datetime, datetime, float]] = []
        if inputs.in_flight:
            # Handed over before the newest of them, at about the callout's rate.
            newest = min(inputs.last_hand_over_at or now, now)
            rate = self._rate_at(now)[0]
            spread = timedelta(seconds=inputs.in_flight / rate) if rate > 0 else timedelta(0)
            stretches.append((newest - spread, newest, float(inputs.in_flight)))
            attempts = {
                attempt: calls / inputs.in_flight
                for attempt, calls in self._by_attempt(inputs.in_flight, inputs.in_flight_retries, 1)
            }
            in_flight = _Chunk(now, 0, float(inputs.in_flight), attempts, float(inputs.in_flight), now)
            self._follow_ups(queue, in_flight, newest - spread, newest)
        cursor = start
        while queue:
            chunk = heapq.heappop(queue)
            cursor = max(cursor, chunk.at)
            if stop is not None and cursor >= stop:
                break  # at stop_at the callout makes no new calls; those under way finish
            busy_until = self._dial(cursor, chunk.calls)
            if busy_until is None:
                return None
            # The last of them cannot go before it is due; meanwhile others may use the rate.
            last = max(busy_until, chunk.until)
            if stop is not None and last > stop:
                stretches.append((cursor, stop, chunk.calls * ((stop - cursor) / (last - cursor))))
            else:
                stretches.append((cursor, last, chunk.calls))
                self._follow_ups(queue, chunk, cursor, last)
            cursor = busy_until
        return max(now, self._last_call_over(stretches) or now)

    def _last_call_over(self, stretches: list[tuple[datetime, datetime, float]]) -> datetime | None:
        """The expected moment the last of the calls handed over in `stretches` is over.

        Not the last hand-over plus a typical call: the latest of the calls handed over within
        one longest call of the end, each lasting as long as an observed call picked at random.
        """
        lengths = self.lengths
        if not stretches:
            return None
        last_dialed = max(until for _, until, _ in stretches)
        horizon = last_dialed - timedelta(seconds=lengths[-1])
        groups: list[tuple[datetime, float]] = []
        for begin, until, calls in stretches:
            if until < horizon or calls <= 0:
                continue
            pieces = GROUPS_PER_STRETCH if until > begin else 1
            for index in range(pieces):
                groups.append((begin + (until - begin) * ((index + 1) / pieces), calls / pieces))
        latest_group = max(moment for moment, _ in groups)
        low = latest_group + timedelta(seconds=lengths[0])
        high = latest_group + timedelta(seconds=lengths[-1])
        if high <= low:
            return low
        # E[end] = low + ∫ P(end > x) dx from low to high, P(end ≤ x) = Π F(x - handed over)^calls.
        step = (high - low) / END_POINTS
        expected = 0.0
        for point in range(END_POINTS):
            moment = low + step * (point + 0.5)
            log_all_over = 0.0
            for handed_over, calls in groups:
                share_over = bisect.bisect_right(lengths, (moment - handed_over).total_seconds()) / len(
                    lengths
                )
                if share_over == 0:
                    log_all_over = -math.inf
                    break
                log_all_over += calls * math.log(share_over)
            expected += 1 - math.exp(log_all_over)
        return low + step * expected
