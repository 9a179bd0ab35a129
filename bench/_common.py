"""Shared pieces of the benchmarks: a dedicated PostgreSQL database, Django set-up, the server.

Every loop here is bounded in time; every server started is stopped in a `finally`.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"  # loopback only


def database_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def database_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def create_database(name: str, *, drop: bool) -> None:
    """Create database `name` (dropping it first when `drop`)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(db_name: str) -> None:
    """Point Django at the bench database and migrate it. Call before importing models."""
    os.environ["DATABASE_URL"] = database_url(db_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    port: int
    process_group: int  # `scfm serve` execs granian, whose workers share this group


@contextlib.contextmanager
def running_server(db_name: str, *, workers: int = 2, log_path: Path | None = None) -> Iterator[Server]:
    """Run `scfm serve` on a free loopback port against `db_name`; yield it; always stop it.

    The server's output goes to `log_path`, by default `var/bench-server-<port>.log`, which is
    removed again when the run ends without an error.
    """
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url(db_name), SCFM_LOG_LEVEL="WARNING", SCFM_DEBUG="0")
    keep_log = log_path is not None
    log_path = log_path or REPO / "var" / f"bench-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "scfm"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: granian's workers stop with it
        )
    failed = True
    try:
        wait_http(port, "/api/contacts", process)
        yield Server(port, process.pid)
        failed = False
    finally:
        stop_group(process)
        if failed:
            print(f"scfm serve output: {log_path}", file=sys.stderr)
        elif not keep_log:
            log_path.unlink(missing_ok=True)


def wait_http(port: int, path: str, process: subprocess.Popen, *, timeout: float = 60) -> None:
    """Return once something answers `GET path` on `port`; fail if `process` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process {process.args} exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} within {timeout} s")


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in its own group, and any granian worker that outlived it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (fraction 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summary_ms(latencies_s: list[float]) -> str:
    ms = [value * 1000 for value in latencies_s]
    return (
        f"n={len(ms)} p50={percentile(ms, 0.50):.1f} ms p90={percentile(ms, 0.90):.1f} ms "
        f"p99={percentile(ms, 0.99):.1f} ms mean={statistics.fmean(ms):.1f} ms max={max(ms):.1f} ms"
    )


# ---- CPU accounting: other sessions may share this machine, so report what each side used ----

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def process_group_pids(group: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) and int(fields[2]) == group:
            pids.append(int(entry))
    return pids


def cpu_seconds(pids: Iterable[int]) -> float:
    """Return the user + system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        if fields := _stat_fields(pid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def machine_busy_seconds() -> float:
    """Return the CPU seconds all processors spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


def postgres_backend_pids(db_name: str) -> list[int]:
    with psycopg.connect(database_url(db_name), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (db_name,)
        ).fetchall()
    return [row[0] for row in rows]


def postgres_cpu() -> float:
    """CPU seconds of the other PostgreSQL backends on this Django connection's database (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cpu_seconds(row[0] for row in cursor.fetchall())


def load_average() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])
