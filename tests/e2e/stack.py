"""Start SCFM's real processes (web, engine, simulator) against the test database, over loopback."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SCFM = [sys.executable, str(ROOT / "manage.py")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """Return a DATABASE_URL naming the database pytest-django created for this run."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def wait_for(url: str, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@dataclass
class Stack:
    """The three processes; `engine` can be killed and restarted by fault tests."""

    web_port: int = field(default_factory=free_port)
    simulator_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path = ROOT / "var" / "e2e-logs"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "SCFM_PUBLIC_URL": self.web_url,
            "SIMULATOR_PORT": str(self.simulator_port),
            "SCFM_STATUS_FETCH_AFTER_SECONDS": "3",
            "SCFM_STATUS_FETCH_INTERVAL_SECONDS": "2",
            **self.extra_env,
        }

    def start_process(self, name: str, *args: str) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen([*SCFM, *args], cwd=ROOT, env=self.env(), stdout=log, stderr=log)
        self.processes[name] = process
        return process

    def start(self) -> "Stack":
        self.start_process("simulator", "simulator", "--port", str(self.simulator_port))
        self.start_process("web", "serve", "--port", str(self.web_port), "--workers", "2")
        self.start_engine()
        wait_for(f"{self.simulator_url}/simulator/health")
        wait_for(f"{self.web_url}/api/schema")
        return self

    def start_engine(self, name: str = "engine") -> subprocess.Popen:
        return self.start_process(name, "engine")

    def kill_engine(self, name: str = "engine") -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_engine(self, name: str = "engine") -> int:
        """Stop an engine as SIGTERM does; return how many provider requests it said it made."""
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=30)
        log = (self.logs / f"{name}.log").read_text(errors="replace")
        reports = re.findall(r"stopped after (\d+) provider requests", log)
        return int(reports[-1])  # the log file is appended to across runs: the last line is this one's

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def configure_simulator(self, **knobs) -> None:
        response = httpx.put(f"{self.simulator_url}/simulator/config?replace=true", json=knobs, timeout=5)
        response.raise_for_status()

    def simulator_calls(self) -> list[dict]:
        return httpx.get(f"{self.simulator_url}/simulator/calls?limit=100000", timeout=30).json()["calls"]
