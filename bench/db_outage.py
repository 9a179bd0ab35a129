#!/usr/bin/env python
"""Restart PostgreSQL in the middle of a callout (reliability plan F3) and check nothing breaks.

Run from the repository root, as a user allowed to restart the cluster (root on these machines),
with nothing else using that PostgreSQL (it is restarted for real):

    .venv/bin/python bench/db_outage.py                      # 3,000 participants at 100 calls/s
    .venv/bin/python bench/db_outage.py --participants 5000 --rate 200 --restart-after 10

Real processes on loopback: `scfm simulator` (every call answered after a short ring), `scfm serve
--workers 2` and `scfm engine`. Once the callout is under way, `pg_ctlcluster <version> main restart
-m immediate` kills every connection without a shutdown checkpoint, as a crash would. Meanwhile the
API is asked for the callout every 0.2 s. Reported: how long PostgreSQL was down, what the API
answered meanwhile (expected 503, never a 500) and how soon after PostgreSQL was back it answered
200 again and the engine handed over a new call (target: ≤ 10 s). At the end every participant
must be final, with no call dialed twice and none unknown to SCFM (simulator ledger vs. database).
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

from _common import HOST
from _engine_bench import (
    FINAL_PHONE_CALL_STATUSES,
    Processes,
    bench_account,
    bench_database_url,
    clear_callouts,
    point_at_simulator,
    prepare_database,
    processes,
)


def with_database(query):
    """Run `query()`, reconnecting while PostgreSQL is away; None if it stays away for 60 s."""
    from django.db import InterfaceError, OperationalError, connection

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return query()
        except (OperationalError, InterfaceError):
            connection.close()
            time.sleep(0.2)
    return None


def api_status(port: int, token: str, path: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0  # no answer at all
    finally:
        conn.close()


def cluster_version() -> str:
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
    return listing.stdout.split()[0]


def run(procs: Processes, account, token: str, *, participants: int, restart_after: float) -> dict:
    from scfm.callouts.models import BatchOperation, Callout
    from scfm.callouts.populations import fire_population_event
    from scfm.callouts.services import fire_callout_event
    from scfm.calls.models import PhoneCall

    callout = Callout.objects.create(account=account, call_flow_logic="CallFlowLogic::HelloWorld")
    population = BatchOperation.objects.create(
        account=account, callout=callout, parameters={"contact_filter_params": {}}
    )
    procs.start_engine()
    time.sleep(1.0)
    fire_population_event(population=population, event="queue")
    fire_callout_event(callout=callout, event="start")
    path = f"/api/callouts/{callout.pk}"
    time.sleep(restart_after)
    handed_over_before = PhoneCall.objects.filter(callout=callout, remotely_queued_at__isnull=False).count()

    # The restart runs in the background while the API is asked what it answers meanwhile.
    version = cluster_version()
    down_at = time.monotonic()
    restart = subprocess.Popen(["pg_ctlcluster", version, "main", "restart", "-m", "immediate"])
    answers: Counter = Counter()
    while restart.poll() is None:
        answers[api_status(procs.web_port, token, path)] += 1
        time.sleep(0.2)
    up_at = time.monotonic()
    if restart.returncode != 0:
        raise SystemExit(f"pg_ctlcluster restart failed ({restart.returncode})")
    back = datetime.now(UTC)
    api_back = engine_back = None
    deadline = up_at + 60
    while time.monotonic() < deadline and (api_back is None or engine_back is None):
        if api_back is None and api_status(procs.web_port, token, path) == 200:
            api_back = time.monotonic() - up_at
        handing_over = with_database(
            lambda: PhoneCall.objects.filter(callout=callout, remotely_queued_at__gt=back).exists()
        )
        if engine_back is None and handing_over:
            engine_back = time.monotonic() - up_at
        time.sleep(0.2)

    settled_at = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        calls = PhoneCall.objects.filter(callout=callout)
        state = with_database(
            lambda calls=calls: (
                calls.count(),
                calls.exclude(status__in=FINAL_PHONE_CALL_STATUSES).count()
                + calls.filter(retry_at__isnull=False).count(),
            )
        )
        if state and state[0] >= participants and state[1] == 0:
            settled_at = time.monotonic() - up_at
            break
        time.sleep(1.0)
    alive = {name: process.poll() is None for name, process in procs.running.items()}
    procs.stop("engine")

    ledger = procs.simulator_ledger(max_calls=100_000)
    sids = [entry["sid"] for entry in ledger]
    recorded = set(
        PhoneCall.objects.filter(callout=callout, remote_call_id__isnull=False).values_list(
            "remote_call_id", flat=True
        )
    )
    return {
        "handed_over_before": handed_over_before,
        "down_seconds": up_at - down_at,
        "answers": dict(answers),
        "api_back": api_back,
        "engine_back": engine_back,
        "settled_after": settled_at,
        "statuses": dict(Counter(PhoneCall.objects.filter(callout=callout).values_list("status", flat=True))),
        "ledger": len(ledger),
        "duplicates": len(sids) - len(set(sids)),
        "unknown_to_scfm": len(set(sids) - recorded),
        "alive": alive,
    }


def bench_token(account) -> str:
    from scfm.accounts import permissions
    from scfm.accounts.models import AccessToken

    token = AccessToken.objects.filter(resource_owner=account).first() or AccessToken.objects.create(
        resource_owner=account, created_by=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    )
    return token.token


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=100, help="calls per second")
    parser.add_argument("--restart-after", type=float, default=8.0, help="seconds after start")
    args = parser.parse_args()

    # Callbacks refused during the outage are never resent: the engine fetches those calls' status.
    engine_env = {"SCFM_STATUS_FETCH_AFTER_SECONDS": "5", "SCFM_STATUS_FETCH_INTERVAL_SECONDS": "5"}
    procs = Processes(db_url=bench_database_url("postgres"), extra_env=engine_env)
    prepare_database("postgres")
    account = bench_account(f"engine-outage-{args.participants}", contacts=args.participants, prefix="+8554")
    token = bench_token(account)
    clear_callouts()
    with processes(
        procs.db_url, simulator_port=procs.simulator_port, web_port=procs.web_port, extra_env=engine_env
    ) as running:
        running.start_simulator()
        running.configure_simulator({"seed": 7, "time_scale": 0.05, "mix": {"answered": 1.0}})
        running.start_web()
        point_at_simulator(account, port=running.simulator_port, rate_per_minute=args.rate * 60)
        result = run(
            running, account, token, participants=args.participants, restart_after=args.restart_after
        )

    def seconds(value):
        return "never" if value is None else f"{value:.1f} s"

    print(f"{result['handed_over_before']:,} calls handed over before PostgreSQL was restarted")
    print(f"PostgreSQL down (restart -m immediate): {result['down_seconds']:.1f} s")
    print(f"API answers during and after the outage (0 = no answer): {result['answers']}")
    print(
        f"after PostgreSQL was back: API 200 within {seconds(result['api_back'])}, "
        f"engine handing over again within {seconds(result['engine_back'])}, "
        f"every participant final within {seconds(result['settled_after'])}"
    )
    print(
        f"call statuses {result['statuses']}; simulator ledger {result['ledger']:,} calls, "
        f"dialed twice {result['duplicates']}, unknown to SCFM {result['unknown_to_scfm']}"
    )
    print(f"processes still running at the end: {result['alive']}")
    ok = (
        result["settled_after"] is not None
        and result["duplicates"] == 0
        and result["unknown_to_scfm"] == 0
        and 500 not in result["answers"]
        and all(result["alive"].values())
        and result["engine_back"] is not None
        and result["engine_back"] <= 10
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
