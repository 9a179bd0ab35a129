#!/usr/bin/env python
"""Benchmark the engine's dial loop: hand-over throughput, and pacing accuracy at 1, 10, 100 calls/s.

Run from the repository root:

    .venv/bin/python bench/dialing.py                        # PostgreSQL (scfm_bench_engine)
    .venv/bin/python bench/dialing.py --backend sqlite       # SQLite file var/bench-engine.sqlite3
    .venv/bin/python bench/dialing.py --calls 5000 --max-in-flight 64
    .venv/bin/python bench/dialing.py --only throughput      # or --only pacing
    .venv/bin/python bench/dialing.py --pacing-rates 1,10,100 --pacing-window 30

Real processes on loopback: `scfm simulator` (time_scale 0, every call answered), `scfm serve
--workers 2` (so the simulator's callbacks and TwiML fetches land) and `scfm engine
--max-in-flight N`. Calls are created up front by a population; the clock starts when the
callout is started.

Throughput: the account's `phone_call_queue_limit` is huge, so only the engine limits the pace.
Hand-overs/s = (calls that reached remotely_queued or later - 1) / (last - first remotely_queued_at).
Target (reference C2): >= 300 calls/s on PostgreSQL, >= 150/s on SQLite.

Throughput with priorities (issue 11): the same number of calls in four callouts of another
account — high, normal and low started together, an emergency started a second later — with a
calling window open all day (the account's default, and the emergency's own), so every claim
shares by priority and reads each contact's zone. It reports the same rate, its ratio to the
single callout's (the baseline), how long the emergency's first call took after its start, and
the high : normal : low shares while all three had calls. Same target.

Pacing: `phone_call_queue_limit` = rate x 60; the engine runs for the window, then the callout
is paused. The achieved rate is measured from the simulator's ledger (when it accepted each
call): (calls in the window - 1) / (last - first acceptance). Target: within +-5 % of the rate.

Every run checks that the simulator received each call exactly once.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
import statistics
import sys
import time
from datetime import datetime

from _common import cpu_seconds, load_average, postgres_cpu, process_group_pids
from _engine_bench import (
    FINAL_PHONE_CALL_STATUSES,
    Processes,
    bench_account,
    bench_database_url,
    clear_callouts,
    new_populated_callout,
    point_at_simulator,
    prepare_database,
    processes,
)

UNLIMITED_PER_MINUTE = 100_000_000
SIMULATOR_KNOBS = {"seed": 1, "time_scale": 0, "mix": {"answered": 1}}
ALL_DAY = {"from": "00:00", "to": "24:00"}
ROUTINE_PRIORITIES = ("high", "normal", "low")
EMERGENCY_DELAY_SECONDS = 1.0


def start_callout(callout) -> float:
    from scfm.callouts.services import fire_callout_event

    fire_callout_event(callout=callout, event="start")
    return time.time()


def pause_callout(callout) -> None:
    from scfm.callouts.models import Callout
    from scfm.callouts.services import fire_callout_event

    fire_callout_event(callout=Callout.objects.get(pk=callout.pk), event="pause")


def handed_over_count(callout) -> int:
    from scfm.calls.models import PhoneCall

    return PhoneCall.objects.filter(callout=callout, remotely_queued_at__isnull=False).count()


def cpu_snapshot(procs: Processes) -> dict[str, float]:
    """CPU seconds used so far by each of our processes (process groups) and PostgreSQL backends."""
    snapshot = {name: cpu_seconds(process_group_pids(p.pid)) for name, p in procs.running.items()}
    snapshot["postgres"] = postgres_cpu()
    return snapshot


def cpu_used(before: dict[str, float], after: dict[str, float]) -> str:
    return ", ".join(f"{name} {after[name] - before.get(name, 0.0):.1f} s" for name in after)


def check_ledger(procs: Processes, callout) -> tuple[int, int, list[dict]]:
    """Return (ledger entries, distinct numbers, entries) and compare with the callout's calls."""
    from scfm.calls.models import PhoneCall

    ledger = procs.simulator_ledger()
    numbers = {entry["to"] for entry in ledger}
    sids = set(
        PhoneCall.objects.filter(callout=callout, remote_call_id__isnull=False).values_list(
            "remote_call_id", flat=True
        )
    )
    ledger_sids = {entry["sid"] for entry in ledger}
    if len(ledger) != len(numbers):
        print(f"  !! {len(ledger) - len(numbers)} numbers were dialed more than once")
    if not sids <= ledger_sids:
        print(f"  !! {len(sids - ledger_sids)} recorded CallSids are unknown to the simulator")
    return len(ledger), len(numbers), ledger


def throughput(procs: Processes, account, *, calls: int, max_in_flight: int, timeout: float) -> dict:
    from django.db.models import Count

    from scfm.calls.models import PhoneCall

    clear_callouts()
    procs.reset_simulator()
    point_at_simulator(account, port=procs.simulator_port, rate_per_minute=UNLIMITED_PER_MINUTE)
    callout = new_populated_callout(account)
    total = PhoneCall.objects.filter(callout=callout).count()
    assert total == calls, (total, calls)
    procs.start_engine(max_in_flight=max_in_flight)
    time.sleep(1.0)  # let it start its loops
    cpu_before = cpu_snapshot(procs)
    started = start_callout(callout)
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = handed_over_count(callout)
        if done >= calls:
            break
        time.sleep(0.25)
    elapsed = time.time() - started
    cpu_after = cpu_snapshot(procs)
    procs.stop("engine")
    # The callbacks trail the hand-overs (the web serves two requests per call): time them too.
    while time.monotonic() < deadline + 60:
        if (
            not PhoneCall.objects.filter(callout=callout)
            .exclude(status__in=FINAL_PHONE_CALL_STATUSES)
            .exists()
        ):
            break
        time.sleep(0.5)
    settled_after = time.time() - started
    times = sorted(
        dt.timestamp()
        for dt in PhoneCall.objects.filter(callout=callout, remotely_queued_at__isnull=False).values_list(
            "remotely_queued_at", flat=True
        )
    )
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span if len(times) > 1 and span > 0 else float("nan")
    # The steady part: the middle 80 % of the hand-overs.
    lo, hi = int(len(times) * 0.1), int(len(times) * 0.9) - 1
    steady = (hi - lo) / (times[hi] - times[lo]) if hi > lo and times[hi] > times[lo] else float("nan")
    ledger_calls, numbers, _ = check_ledger(procs, callout)
    statuses = dict(  # after the wait for callbacks
        PhoneCall.objects.filter(callout=callout).values_list("status").order_by().annotate(n=Count("id"))
    )
    result = {
        "calls": calls,
        "handed_over": len(times),
        "rate": rate,
        "steady_rate": steady,
        "first_after_start": times[0] - started if times else float("nan"),
        "elapsed": elapsed,
        "ledger": ledger_calls,
        "distinct_numbers": numbers,
        "statuses": statuses,
        "cpu": cpu_used(cpu_before, cpu_after),
        "settled_after": settled_after,
    }
    print(
        f"throughput: {len(times):,}/{calls:,} handed over in {span:.2f} s -> {rate:,.0f} calls/s "
        f"(middle 80 %: {steady:,.0f}/s; first hand-over {result['first_after_start']:.2f} s after start); "
        f"simulator ledger {ledger_calls:,} calls to {numbers:,} numbers; statuses {statuses}"
    )
    print(f"  CPU used until the last hand-over: {result['cpu']}")
    print(
        f"  every call final (callbacks landed) {settled_after:.1f} s after start "
        f"-> {calls / settled_after:,.0f} calls/s end to end"
    )
    return result


def handed_over_times(callout) -> list[float]:
    from scfm.calls.models import PhoneCall

    return sorted(
        dt.timestamp()
        for dt in PhoneCall.objects.filter(callout=callout, remotely_queued_at__isnull=False).values_list(
            "remotely_queued_at", flat=True
        )
    )


def throughput_with_priorities(
    procs: Processes, account, *, calls: int, max_in_flight: int, timeout: float
) -> dict:
    """Four callouts of `account` (calls / 4 contacts each): high, normal, low, then an emergency."""
    from scfm.calls.models import PhoneCall

    clear_callouts()
    procs.reset_simulator()
    point_at_simulator(account, port=procs.simulator_port, rate_per_minute=UNLIMITED_PER_MINUTE)
    account.settings = {**account.settings, "calling_window": ALL_DAY, "time_zone": "Asia/Phnom_Penh"}
    account.save()
    routine = {}
    for priority in ROUTINE_PRIORITIES:
        routine[priority] = new_populated_callout(account)
        routine[priority].settings = {"priority": priority}
        routine[priority].save()
    emergency = new_populated_callout(account)
    emergency.settings = {"priority": "emergency", "calling_window": ALL_DAY}
    emergency.save()
    callouts = [*routine.values(), emergency]
    total = PhoneCall.objects.filter(callout__in=callouts).count()
    assert total == calls, (total, calls)
    procs.start_engine(max_in_flight=max_in_flight)
    time.sleep(1.0)
    cpu_before = cpu_snapshot(procs)
    started = time.time()
    for callout in routine.values():
        start_callout(callout)
    time.sleep(EMERGENCY_DELAY_SECONDS)  # a routine backlog is dialing when the emergency starts
    emergency_started = start_callout(emergency)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(handed_over_count(callout) for callout in callouts) >= calls:
            break
        time.sleep(0.25)
    elapsed = time.time() - started
    cpu_after = cpu_snapshot(procs)
    procs.stop("engine")
    by_callout = {callout.pk: handed_over_times(callout) for callout in callouts}
    times = sorted(t for each in by_callout.values() for t in each)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span if len(times) > 1 and span > 0 else float("nan")
    emergency_times = by_callout[emergency.pk]
    first_emergency = emergency_times[0] - emergency_started if emergency_times else float("nan")
    # The routine shares once the emergency is done and while every routine callout has calls.
    since = emergency_times[-1] if emergency_times else times[0]
    until = min(by_callout[callout.pk][-1] for callout in routine.values())
    shares = {
        priority: sum(since < t < until for t in by_callout[callout.pk])
        for priority, callout in routine.items()
    }
    during_emergency = sum(
        emergency_started + first_emergency < t < since
        for callout in routine.values()
        for t in by_callout[callout.pk]
    )
    ledger = procs.simulator_ledger()
    sids = set(
        PhoneCall.objects.filter(callout__in=callouts, remote_call_id__isnull=False).values_list(
            "remote_call_id", flat=True
        )
    )
    duplicates = len(ledger) - len(sids)  # a call sent twice leaves a ledger entry nobody recorded
    result = {
        "calls": calls,
        "handed_over": len(times),
        "rate": rate,
        "first_emergency_after_start": first_emergency,
        "routine_during_emergency": during_emergency,
        "shares": shares,
        "ledger": len(ledger),
        "duplicates": duplicates,
        "elapsed": elapsed,
        "cpu": cpu_used(cpu_before, cpu_after),
    }
    low = shares["low"] or float("nan")
    print(
        f"throughput with priorities: {len(times):,}/{calls:,} handed over in {span:.2f} s "
        f"-> {rate:,.0f} calls/s; "
        f"emergency's first hand-over {first_emergency:.2f} s after its start, "
        f"{during_emergency} routine hand-overs while it dialed; high : normal : low = "
        f"{shares['high']} : {shares['normal']} : {shares['low']} "
        f"({shares['high'] / low:.2f} : {shares['normal'] / low:.2f} : 1); "
        f"simulator ledger {len(ledger):,} calls, {duplicates} unrecorded"
    )
    print(f"  CPU used until the last hand-over: {result['cpu']}")
    return result


def pacing(procs: Processes, account, *, rate: float, window: float, max_in_flight: int) -> dict:
    clear_callouts()
    procs.reset_simulator()
    point_at_simulator(account, port=procs.simulator_port, rate_per_minute=round(rate * 60))
    callout = new_populated_callout(account)
    procs.start_engine(max_in_flight=max_in_flight)
    time.sleep(1.0)
    started = start_callout(callout)
    # Wait for the first hand-over, then for the window (bounded).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and handed_over_count(callout) == 0:
        time.sleep(0.05)
    time.sleep(window + 0.5)
    pause_callout(callout)
    time.sleep(1.0)  # hand-overs under way finish
    procs.stop("engine")
    _, numbers, ledger = check_ledger(procs, callout)
    created = sorted(datetime.fromisoformat(entry["date_created"]).timestamp() for entry in ledger)
    if len(created) < 2:
        print(f"pacing {rate:g}/s: only {len(created)} calls handed over")
        return {"rate": rate, "achieved": float("nan"), "error_pct": float("nan")}
    first = created[0]
    in_window = [t for t in created if t - first <= window]
    span = in_window[-1] - first
    achieved = (len(in_window) - 1) / span if span > 0 else float("nan")
    error_pct = (achieved - rate) / rate * 100
    # Evenness: the busiest one-second window, and the gaps between hand-overs.
    busiest = max(bisect.bisect_left(in_window, t + 1.0) - i for i, t in enumerate(in_window))
    gaps = [b - a for a, b in itertools.pairwise(in_window)]
    result = {
        "rate": rate,
        "achieved": achieved,
        "error_pct": error_pct,
        "calls": len(in_window),
        "busiest_second": busiest,
        "gap_p50_ms": statistics.median(gaps) * 1000,
        "gap_max_ms": max(gaps) * 1000,
        "first_after_start": first - started,
        "duplicates": len(ledger) - numbers,
    }
    print(
        f"pacing {rate:g}/s: {len(in_window)} hand-overs in {span:.2f} s -> {achieved:.3f}/s "
        f"(error {error_pct:+.2f} %); busiest second {busiest}; gap p50 {result['gap_p50_ms']:.1f} ms, "
        f"max {result['gap_max_ms']:.0f} ms; first {result['first_after_start']:.2f} s after start; "
        f"{len(ledger)} calls in all until paused, duplicates {result['duplicates']}"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--calls", type=int, default=5000, help="calls for the throughput run")
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--only", choices=("throughput", "pacing"))
    parser.add_argument("--pacing-rates", default="1,10,100", help="calls per second, comma-separated")
    parser.add_argument("--pacing-window", type=float, default=30.0, help="seconds measured per rate")
    parser.add_argument("--timeout", type=float, default=180.0, help="bound on the throughput run")
    args = parser.parse_args()

    rates = [float(rate) for rate in args.pacing_rates.split(",") if rate]
    procs = Processes(db_url=bench_database_url(args.backend))
    os.environ["SCFM_PUBLIC_URL"] = procs.web_url  # read by this process's settings too
    prepare_database(args.backend)
    needed = args.calls if args.only != "pacing" else 0
    if args.only != "throughput":
        needed = max(needed, max(int(rate * (args.pacing_window + 3)) + 10 for rate in rates))
    account = bench_account(f"engine-dial-{needed}", contacts=needed, prefix="+8552")
    prioritised = None
    if args.only != "pacing" and needed == args.calls:
        per_callout = args.calls // (len(ROUTINE_PRIORITIES) + 1)
        prioritised = bench_account(
            f"engine-dial-priorities-{per_callout}", contacts=per_callout, prefix="+8553"
        )
    results: dict = {"pacing": []}
    with processes(procs.db_url, simulator_port=procs.simulator_port, web_port=procs.web_port) as running:
        running.start_simulator()
        running.configure_simulator(SIMULATOR_KNOBS)
        running.start_web()
        if args.only != "pacing":
            if needed != args.calls:
                print("throughput needs --calls contacts; skipped (use --only throughput)")
            else:
                results["throughput"] = throughput(
                    running, account, calls=args.calls, max_in_flight=args.max_in_flight, timeout=args.timeout
                )
                if prioritised is not None:
                    per_callout = args.calls // (len(ROUTINE_PRIORITIES) + 1)
                    results["priorities"] = throughput_with_priorities(
                        running,
                        prioritised,
                        calls=per_callout * (len(ROUTINE_PRIORITIES) + 1),
                        max_in_flight=args.max_in_flight,
                        timeout=args.timeout,
                    )
        if args.only != "throughput":
            for rate in rates:
                results["pacing"].append(
                    pacing(
                        running,
                        account,
                        rate=rate,
                        window=args.pacing_window,
                        max_in_flight=args.max_in_flight,
                    )
                )
    clear_callouts()
    print()
    print(f"load average now: {load_average()} (other work on this machine slows everything)")
    print(f"backend={args.backend} max_in_flight={args.max_in_flight}")
    failed = False
    if "throughput" in results:
        target = 300 if args.backend == "postgres" else 150
        result = results["throughput"]
        ok = result["rate"] >= target and result["ledger"] == result["distinct_numbers"] == args.calls
        failed |= not ok
        print(
            f"  throughput {result['rate']:7.0f} calls/s (steady {result['steady_rate']:.0f}/s), "
            f"target >= {target}  {'PASS' if ok else 'FAIL'}"
        )
    if "priorities" in results:
        target = 300 if args.backend == "postgres" else 150
        result = results["priorities"]
        ok = (
            result["rate"] >= target
            and result["first_emergency_after_start"] <= 2.0
            and result["duplicates"] == 0
            and result["handed_over"] == result["calls"]
        )
        failed |= not ok
        baseline = results["throughput"]["rate"]
        print(
            f"  with priorities {result['rate']:4.0f} calls/s "
            f"= {result['rate'] / baseline:.2f} x the baseline "
            f"({baseline:.0f}/s, one callout); emergency first call "
            f"{result['first_emergency_after_start']:.2f} s after start (<= 2 s); target >= {target}  "
            f"{'PASS' if ok else 'FAIL'}"
        )
    for result in results["pacing"]:
        ok = abs(result["error_pct"]) <= 5 and result.get("duplicates", 0) == 0
        failed |= not ok
        print(
            f"  pacing {result['rate']:5g}/s achieved {result['achieved']:8.3f}/s "
            f"error {result['error_pct']:+6.2f} %  target +-5 %  {'PASS' if ok else 'FAIL'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
