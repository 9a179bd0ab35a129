#!/usr/bin/env python
"""Benchmark a whole 10,000-participant callout against the simulator: start to every participant final.

Run from the repository root:

    .venv/bin/python bench/callout_10k.py                      # PostgreSQL (scfm_bench_engine)
    .venv/bin/python bench/callout_10k.py --backend sqlite     # SQLite file var/bench-engine.sqlite3
    .venv/bin/python bench/callout_10k.py --participants 2000 --rate 6000 --time-scale 0.05

Real processes on loopback: `scfm simulator` (mix answered .7, busy .1, no-answer .15, failed .05),
`scfm serve --workers 2` and `scfm engine` (every loop). The account retries after 1 s, at most 3
attempts, at `--rate` calls per minute (default: no limit worth the name). The clock starts when
the population is queued and the callout started (the engine's populate loop then adds the
participants) and stops when every participant is final: no call under way, no retry due, and
every participation has its calls. Calls whose callbacks lag more than --fetch-after seconds
are fetched from the simulator by the engine's reconcile loop, as in production. The engine's
memory is sampled from /proc/<pid>/status (VmRSS every 0.5 s; VmHWM, its peak, at the end).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

from _common import cpu_seconds, load_average, postgres_cpu, process_group_pids
from _engine_bench import (
    FINAL_PHONE_CALL_STATUSES,
    Processes,
    bench_account,
    bench_database_url,
    clear_callouts,
    point_at_simulator,
    prepare_database,
    processes,
    vm_kib,
)

MIX = {"answered": 0.7, "busy": 0.1, "no-answer": 0.15, "failed": 0.05}


def progress(callout_id: int) -> tuple[int, int, int, int]:
    """Return (participations, calls, calls not final, retries due) of the callout."""
    from scfm.callouts.models import CalloutParticipation
    from scfm.calls.models import PhoneCall

    calls = PhoneCall.objects.filter(callout_id=callout_id)
    return (
        CalloutParticipation.objects.filter(callout_id=callout_id).count(),
        calls.count(),
        calls.exclude(status__in=FINAL_PHONE_CALL_STATUSES).count(),
        calls.filter(retry_at__isnull=False).count(),
    )


def run(procs: Processes, account, *, participants: int, max_in_flight: int, timeout: float) -> dict:
    from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
    from scfm.callouts.populations import fire_population_event
    from scfm.callouts.services import fire_callout_event
    from scfm.calls.models import PhoneCall

    callout = Callout.objects.create(account=account, call_flow_logic="CallFlowLogic::HelloWorld")
    population = BatchOperation.objects.create(
        account=account, callout=callout, parameters={"contact_filter_params": {}}
    )
    engine = procs.start_engine(max_in_flight=max_in_flight)
    time.sleep(1.0)
    group_cpu = {name: cpu_seconds(process_group_pids(p.pid)) for name, p in procs.running.items()}
    group_cpu["postgres"] = postgres_cpu()
    started = time.monotonic()
    fire_population_event(population=population, event="queue")
    fire_callout_event(callout=callout, event="start")
    rss_samples: list[int] = []
    deadline = started + timeout
    last_print = started
    settled = False
    state = (0, 0, 0, 0)
    while time.monotonic() < deadline:
        rss = vm_kib(engine.pid, "VmRSS")
        if rss:
            rss_samples.append(rss)
        state = progress(callout.pk)
        joined, calls, active, retries = state
        if joined == participants and calls >= participants and active == 0 and retries == 0:
            settled = True
            break
        if time.monotonic() - last_print >= 10:
            last_print = time.monotonic()
            print(
                f"  {last_print - started:6.1f} s: participations {joined:,}, calls {calls:,}, "
                f"under way {active:,}, retries due {retries:,}; engine RSS {(rss or 0) / 1024:.0f} MB"
            )
        time.sleep(0.5)
    total = time.monotonic() - started
    peak = vm_kib(engine.pid, "VmHWM") or 0
    cpu = {
        name: cpu_seconds(process_group_pids(p.pid)) - group_cpu.get(name, 0.0)
        for name, p in procs.running.items()
    }
    # Backends alive at the end (those that closed meanwhile are missed).
    cpu["postgres"] = postgres_cpu() - group_cpu["postgres"]
    web_rss = sum(vm_kib(pid, "VmRSS") or 0 for pid in process_group_pids(procs.running["web"].pid))
    simulator_rss = max(
        (vm_kib(pid, "VmRSS") or 0 for pid in process_group_pids(procs.running["simulator"].pid)), default=0
    )
    procs.stop("engine")

    statuses = Counter(PhoneCall.objects.filter(callout=callout).values_list("status", flat=True))
    polled = PhoneCall.objects.filter(callout=callout, remote_status_fetch_queued_at__isnull=False).count()
    answered = CalloutParticipation.objects.filter(callout=callout, answered=True).count()
    attempts = Counter(
        CalloutParticipation.objects.filter(callout=callout).values_list("phone_calls_count", flat=True)
    )
    ledger = procs.simulator_ledger(max_calls=100_000)
    sids = [entry["sid"] for entry in ledger]
    recorded = set(
        PhoneCall.objects.filter(callout=callout, remote_call_id__isnull=False).values_list(
            "remote_call_id", flat=True
        )
    )
    duplicates = len(sids) - len(set(sids))
    unknown_to_scfm = len(set(sids) - recorded)
    per_number = Counter(entry["to"] for entry in ledger)
    calls_per_number = Counter(PhoneCall.objects.filter(callout=callout).values_list("msisdn", flat=True))
    over_dialed = sum(1 for number, n in per_number.items() if n > calls_per_number.get(number, 0))
    return {
        "settled": settled,
        "seconds": total,
        "participants": state[0],
        "calls": sum(statuses.values()),
        "statuses": dict(statuses),
        "polled": polled,
        "answered": answered,
        "attempts": dict(sorted(attempts.items())),
        "ledger": len(ledger),
        "duplicates": duplicates,
        "unknown_to_scfm": unknown_to_scfm,
        "over_dialed_numbers": over_dialed,
        "engine_peak_mb": peak / 1024,
        "engine_rss_max_sampled_mb": max(rss_samples, default=0) / 1024,
        "engine_rss_first_mb": (rss_samples[0] if rss_samples else 0) / 1024,
        "web_rss_mb": web_rss / 1024,
        "simulator_rss_mb": simulator_rss / 1024,
        "cpu": cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=int, default=1_000_000, help="phone_call_queue_limit (calls per minute)"
    )
    parser.add_argument("--time-scale", type=float, default=0.0, help="simulator time_scale (0: no waiting)")
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=600.0, help="bound on the run, seconds")
    parser.add_argument(
        "--fetch-after",
        type=int,
        default=60,
        help="SCFM_STATUS_FETCH_AFTER_SECONDS: the engine fetches calls whose callbacks lag this long",
    )
    args = parser.parse_args()

    procs = Processes(
        db_url=bench_database_url(args.backend),
        extra_env={
            "SCFM_STATUS_FETCH_AFTER_SECONDS": str(args.fetch_after),
            "SCFM_STATUS_FETCH_INTERVAL_SECONDS": "30",
        },
    )
    os.environ["SCFM_PUBLIC_URL"] = procs.web_url
    prepare_database(args.backend)
    account = bench_account(f"engine-callout-{args.participants}", contacts=args.participants, prefix="+8553")
    clear_callouts()
    with processes(
        procs.db_url, simulator_port=procs.simulator_port, web_port=procs.web_port, extra_env=procs.extra_env
    ) as running:
        running.start_simulator()
        running.configure_simulator({"seed": 42, "time_scale": args.time_scale, "mix": MIX})
        running.start_web()
        point_at_simulator(
            account,
            port=running.simulator_port,
            rate_per_minute=args.rate,
            max_attempts=3,
            retry_delay_seconds=1,
        )
        result = run(
            running,
            account,
            participants=args.participants,
            max_in_flight=args.max_in_flight,
            timeout=args.timeout,
        )
    clear_callouts()
    print()
    print(f"load average now: {load_average()} (other work on this machine slows everything)")
    print(
        f"backend={args.backend} participants={args.participants:,} rate={args.rate:,}/min "
        f"time_scale={args.time_scale} max_in_flight={args.max_in_flight}"
    )
    print(
        f"  {'settled' if result['settled'] else 'NOT settled'} in {result['seconds']:.1f} s: "
        f"{result['participants']:,} participants, {result['calls']:,} calls "
        f"({result['calls'] / result['seconds']:.0f} calls/s), answered {result['answered']:,} "
        f"({result['answered'] / max(1, result['participants']):.1%})"
    )
    print(f"  call statuses {result['statuses']}; attempts per participant {result['attempts']}")
    print(
        f"  calls whose status the engine fetched (no final callback after --fetch-after s): "
        f"{result['polled']:,}"
    )
    print(
        f"  simulator ledger {result['ledger']:,} calls; dialed twice {result['duplicates']}, "
        f"unknown to SCFM {result['unknown_to_scfm']}, numbers dialed more than their attempts "
        f"{result['over_dialed_numbers']}"
    )
    print(
        f"  engine memory: peak (VmHWM) {result['engine_peak_mb']:.0f} MB, sampled RSS "
        f"{result['engine_rss_first_mb']:.0f} -> max {result['engine_rss_max_sampled_mb']:.0f} MB; "
        f"web (all workers) {result['web_rss_mb']:.0f} MB, simulator {result['simulator_rss_mb']:.0f} MB"
    )
    print("  CPU seconds: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in result["cpu"].items()))
    ok = (
        result["settled"]
        and result["duplicates"] == result["unknown_to_scfm"] == result["over_dialed_numbers"] == 0
        and result["ledger"] == result["calls"] - result["statuses"].get("errored", 0)
        and result["engine_peak_mb"] <= 150
    )
    print(
        f"  {'PASS' if ok else 'FAIL'} (every participant final, each attempt dialed once, engine <= 150 MB)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
