"""Shared pieces of the engine benchmarks (populate, dialing, callout_10k).

A dedicated database (PostgreSQL `scfm_bench_engine`, or a SQLite file under var/), Django set
up against it, and the real processes (simulator, web, engine) started on free loopback ports,
each in its own process group and always stopped in a `finally`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _common import HOST, REPO, create_database, database_url, free_port, stop_group, wait_http

# SCFM_BENCH_ENGINE_DB names another database, so that two sessions benchmarking at once do not
# clear each other's callouts.
PG_DB_NAME = os.environ.get("SCFM_BENCH_ENGINE_DB", "scfm_bench_engine")
SQLITE_PATH = REPO / "var" / "bench-engine.sqlite3"
LOG_DIR = REPO / "var" / "bench-engine-logs"

SIMULATOR_ACCOUNT_SID = "simulator-account"
SIMULATOR_AUTH_TOKEN = "simulator-token"
FINAL_PHONE_CALL_STATUSES = (
    "completed", "busy", "not_answered", "failed", "errored", "canceled", "expired",
)  # fmt: skip


def bench_database_url(backend: str) -> str:
    if backend == "postgres":
        return database_url(PG_DB_NAME)
    return f"sqlite:///{SQLITE_PATH}"


def prepare_database(backend: str, *, reset: bool = False) -> str:
    """Create (or reuse) the bench database, point Django at it, migrate; return its URL."""
    if backend == "postgres":
        create_database(PG_DB_NAME, drop=reset)
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        if reset:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{SQLITE_PATH}{suffix}").unlink()
    url = bench_database_url(backend)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SCFM_LOG_LEVEL", "WARNING")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return url


def clear_callouts() -> None:
    """Remove every callout, participation, phone call and event of earlier runs (bench DB only)."""
    from django.db import connection

    tables = [
        "remote_phone_call_events",
        "phone_calls",
        "callout_participations",
        "batch_operations",
        "callouts",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


PG_SEED_SQL = """
INSERT INTO contacts (account_id, msisdn, metadata, created_at, updated_at)
SELECT %(account_id)s,
       %(prefix)s || lpad(i::text, 8, '0'),
       jsonb_build_object(
           'name', 'Contact ' || i,
           'gender', CASE WHEN i %% 2 = 0 THEN 'f' ELSE 'm' END,
           'province', 'P' || (i %% 25)
       ),
       now(), now()
FROM generate_series(1, %(rows)s) AS i
"""

SQLITE_SEED_SQL = """
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %(rows)s)
INSERT INTO contacts (account_id, msisdn, metadata, created_at, updated_at)
SELECT %(account_id)s,
       %(prefix)s || substr('00000000' || i, -8, 8),
       json_object('name', 'Contact ' || i, 'gender', CASE WHEN i %% 2 = 0 THEN 'f' ELSE 'm' END,
                   'province', 'P' || (i %% 25)),
       datetime('now'), datetime('now')
FROM seq
"""


def bench_account(name: str, *, contacts: int, prefix: str):
    """Return the account marked {"bench": name} holding exactly `contacts` contacts, seeding it.

    Contacts are `prefix` + an 8-digit number; half have metadata gender=f. One set-based INSERT.
    """
    from django.db import connection

    from scfm.accounts.models import Account
    from scfm.contacts.models import Contact

    mark = {"bench": name}
    account = Account.objects.filter(metadata__bench=name).order_by("id").first()
    if account is not None and Contact.objects.filter(account=account).count() == contacts:
        print(f"reusing {contacts:,} seeded contacts of account {account.pk} ({name})")
        return account
    clear_callouts()
    if account is None:
        account = Account.objects.create(metadata=mark)
    Contact.objects.filter(account=account).delete()
    started = time.monotonic()
    params = {"account_id": account.pk, "rows": contacts, "prefix": prefix}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            big = contacts >= 100_000
            if big:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                # The GIN index is built once after the load (much faster than maintaining it).
                cursor.execute("DROP INDEX IF EXISTS contacts_metadata_path_ops")
            cursor.execute(PG_SEED_SQL, params)
            if big:
                cursor.execute(
                    "CREATE INDEX IF NOT EXISTS contacts_metadata_path_ops "
                    "ON contacts USING gin (metadata jsonb_path_ops)"
                )
        else:
            cursor.execute(SQLITE_SEED_SQL, params)
        cursor.execute("ANALYZE")
    print(f"seeded {contacts:,} contacts for {name} in {time.monotonic() - started:.1f} s (+ANALYZE)")
    return account


def new_populated_callout(account, *, filter_params: dict | None = None):
    """Return a new `initialized` callout of `account` populated with its (matching) contacts."""
    from scfm.callouts.models import BatchOperation, Callout
    from scfm.callouts.populations import populate_callout

    callout = Callout.objects.create(account=account, call_flow_logic="CallFlowLogic::HelloWorld")
    population = BatchOperation.objects.create(
        account=account,
        callout=callout,
        parameters={"contact_filter_params": filter_params or {}},
        status="finished",
    )
    populate_callout(population=population)
    return callout


def point_at_simulator(
    account, *, port: int, rate_per_minute: int, max_attempts: int = 3, retry_delay_seconds: int = 1
):
    """Point `account`'s provider at the simulator on `port` and pace it at `rate_per_minute`."""
    from scfm.accounts.models import Account, PlatformProvider

    # The simulator serves one account SID, and SIDs are unique: take it from other bench accounts.
    Account.objects.filter(somleng_account_sid__iexact=SIMULATOR_ACCOUNT_SID).exclude(pk=account.pk).update(
        somleng_account_sid=None
    )
    settings = dict(account.settings or {})
    settings.update(
        {
            "from_phone_number": "1294",
            "phone_call_queue_limit": rate_per_minute,
            "max_phone_calls_for_callout_participation": max_attempts,
            "phone_call_retry_delay_seconds": retry_delay_seconds,
        }
    )
    account.settings = settings
    account.platform_provider_name = PlatformProvider.SOMLENG
    account.somleng_account_sid = SIMULATOR_ACCOUNT_SID
    account.somleng_auth_token = SIMULATOR_AUTH_TOKEN
    account.somleng_api_base_url = f"http://{HOST}:{port}"
    account.next_dial_at = None
    account.save()
    return account


def vm_kib(pid: int | str, field_name: str) -> int | None:
    """Return a /proc/<pid>/status field in KiB (VmRSS, VmHWM), or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux: write 5 to clear_refs); return whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


# ---- processes ----


@dataclass
class Processes:
    """Simulator, web and engine subprocesses of one benchmark run."""

    db_url: str
    simulator_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    running: dict[str, subprocess.Popen] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)  # names whose log this run has begun

    @property
    def simulator_url(self) -> str:
        return f"http://{HOST}:{self.simulator_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "SCFM_PUBLIC_URL": self.web_url,
            "SIMULATOR_PORT": str(self.simulator_port),
            "SCFM_LOG_LEVEL": "WARNING",
            "SCFM_DEBUG": "0",
            **self.extra_env,
        }

    def start(self, name: str, *args: str) -> subprocess.Popen:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        # Each run starts its logs afresh; a process restarted within the run appends.
        with open(LOG_DIR / f"{name}.log", "ab" if name in self.started else "wb") as log:
            process = subprocess.Popen(
                # manage.py runs the code of this checkout (as tests/e2e/stack.py does).
                [sys.executable, str(REPO / "manage.py"), *args],
                cwd=REPO,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: granian's workers stop with it
            )
        self.running[name] = process
        self.started.add(name)
        return process

    def start_simulator(self) -> None:
        self.start("simulator", "simulator", "--host", HOST, "--port", str(self.simulator_port))
        wait_http(self.simulator_port, "/simulator/health", self.running["simulator"])

    def start_web(self, workers: int = 2) -> None:
        self.start("web", "serve", "--host", HOST, "--port", str(self.web_port), "--workers", str(workers))
        wait_http(self.web_port, "/api/schema", self.running["web"])

    def start_engine(self, *, max_in_flight: int = 64) -> subprocess.Popen:
        process = self.start("engine", "engine", "--max-in-flight", str(max_in_flight))
        time.sleep(0.5)
        if process.poll() is not None:
            raise RuntimeError(f"scfm engine exited with {process.returncode}; see {LOG_DIR / 'engine.log'}")
        return process

    def stop(self, name: str) -> None:
        process = self.running.pop(name, None)
        if process is not None:
            stop_group(process)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def configure_simulator(self, knobs: dict, *, replace: bool = True) -> dict:
        status, body = http_json(
            self.simulator_port, "PUT", f"/simulator/config{'?replace=true' if replace else ''}", knobs
        )
        if status != 200:
            raise RuntimeError(f"simulator config refused: {status} {body}")
        return body

    def reset_simulator(self) -> None:
        http_json(self.simulator_port, "POST", "/simulator/reset", None)

    def simulator_ledger(self, *, page: int = 5000, max_calls: int = 200_000) -> list[dict]:
        """Return the simulator's ledger entries (bounded), page by page."""
        calls: list[dict] = []
        offset = 0
        while offset < max_calls:
            status, body = http_json(
                self.simulator_port,
                "GET",
                f"/simulator/calls?offset={offset}&limit={page}",
                None,
                timeout=120,
            )
            if status != 200:
                raise RuntimeError(f"simulator ledger: {status}")
            calls.extend(body["calls"])
            offset += page
            if offset >= body["total"]:
                break
        return calls

    def simulator_health(self) -> dict:
        return http_json(self.simulator_port, "GET", "/simulator/health", None)[1]


def http_json(port: int, method: str, path: str, payload, *, timeout: float = 30) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        body = None if payload is None else json.dumps(payload)
        headers = {"content-type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})
    finally:
        conn.close()


@contextlib.contextmanager
def processes(db_url: str, **kwargs) -> Iterator[Processes]:
    procs = Processes(db_url=db_url, **kwargs)
    try:
        yield procs
    finally:
        procs.stop_all()
