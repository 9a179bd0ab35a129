#!/usr/bin/env python
"""Benchmark a callout population (`populate_callout`) over 1,000,000 contacts.

Run from the repository root:

    .venv/bin/python bench/populate.py                    # PostgreSQL, database scfm_bench_engine
    .venv/bin/python bench/populate.py --reseed           # drop and rebuild the bench database first
    .venv/bin/python bench/populate.py --backend sqlite   # SQLite file var/bench-engine.sqlite3
    .venv/bin/python bench/populate.py --contacts 200000  # a smaller run

It seeds one account with N contacts in one set-based INSERT (reused by later runs; half of them
have metadata gender=f), then for two populations (filter matching all contacts, and gender=f)
times `populate_callout` in this process, reports its seconds, this process's RSS before and its
peak during the call, and checks participations == phone calls == matching contacts. A second
run of the same population (idempotent, adds nothing) is timed too.
Targets (reference C2): <= 15 s on PostgreSQL, <= 20 s on SQLite, RSS flat (< +50 MB).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from _common import cpu_seconds, load_average
from _engine_bench import (
    bench_account,
    clear_callouts,
    prepare_database,
    reset_peak_rss,
    vm_kib,
)

SCENARIOS = [
    ("all contacts", {}),
    ("gender = f (~50 %)", {"metadata": {"gender": "f"}}),
]


def run_population(account, label: str, filter_params: dict) -> dict:
    from django.db import connection

    from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
    from scfm.callouts.populations import contacts_matching, populate_callout
    from scfm.calls.models import PhoneCall

    callout = Callout.objects.create(account=account, call_flow_logic="CallFlowLogic::HelloWorld")
    population = BatchOperation.objects.create(
        account=account,
        callout=callout,
        parameters={"contact_filter_params": filter_params},
        status="running",
    )
    expected = contacts_matching(account=account, contact_filter_params=filter_params).count()
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    db_cpu_before = cpu_seconds([backend_pid]) if backend_pid else 0.0
    own_cpu_before = time.process_time()
    rss_before = vm_kib("self", "VmRSS") or 0
    peak_reset = reset_peak_rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    added = populate_callout(population=population)
    seconds = time.perf_counter() - started
    db_cpu = (cpu_seconds([backend_pid]) - db_cpu_before) if backend_pid else None
    own_cpu = time.process_time() - own_cpu_before
    peak = vm_kib("self", "VmHWM") if peak_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rerun_started = time.perf_counter()
    added_again = populate_callout(population=population)
    rerun_seconds = time.perf_counter() - rerun_started
    participations = CalloutParticipation.objects.filter(callout=callout).count()
    phone_calls = PhoneCall.objects.filter(callout=callout, status="created").count()
    ok = participations == phone_calls == expected == added and added_again == 0
    result = {
        "label": label,
        "matches": expected,
        "added": added,
        "participations": participations,
        "phone_calls": phone_calls,
        "seconds": seconds,
        "rerun_seconds": rerun_seconds,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": (peak or 0) / 1024,
        "peak_is_window": peak_reset,
        "maxrss_before_mb": maxrss_before / 1024,
        "ok": ok,
        "db_cpu": db_cpu,
        "own_cpu": own_cpu,
    }
    db_cpu_text = "-" if db_cpu is None else f"{db_cpu:.1f} s"
    print(
        f"{label:>20}: {seconds:6.2f} s for {added:,} participations "
        f"({added / seconds if seconds else 0:,.0f}/s; CPU: PostgreSQL backend {db_cpu_text}, "
        f"this process {own_cpu:.1f} s); rerun {rerun_seconds:.2f} s adds {added_again}; "
        f"RSS {rss_before / 1024:.0f} MB before, peak {(peak or 0) / 1024:.0f} MB "
        f"(+{((peak or 0) - rss_before) / 1024:.1f} MB); "
        f"matches={expected:,} participations={participations:,} phone_calls={phone_calls:,} "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    args = parser.parse_args()

    prepare_database(args.backend, reset=args.reseed)
    account = bench_account("engine", contacts=args.contacts, prefix="+8551")
    target = 15 if args.backend == "postgres" else 20
    results = []
    for label, filter_params in SCENARIOS:
        clear_callouts()
        results.append(run_population(account, label, filter_params))
    clear_callouts()
    print()
    print(f"load average now: {load_average()} (other work on this machine slows wall times)")
    print(f"backend={args.backend} contacts={args.contacts:,} target <= {target} s, RSS growth < 50 MB")
    failed = False
    for result in results:
        growth = result["rss_peak_mb"] - result["rss_before_mb"]
        verdict = "PASS" if result["ok"] and result["seconds"] <= target and growth < 50 else "FAIL"
        failed |= verdict == "FAIL"
        db_cpu = "    -" if result["db_cpu"] is None else format(result["db_cpu"], "5.1f")
        counts = "ok" if result["ok"] else "MISMATCH"
        print(
            f"  {result['label']:>20}  {result['seconds']:6.2f} s  rows={result['added']:>9,}  "
            f"db CPU {db_cpu} s  RSS +{growth:5.1f} MB  counts {counts}  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
