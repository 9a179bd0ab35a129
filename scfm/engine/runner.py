"""Run the engine's loops on threads until told to stop.

Each loop calls its `tick()` and sleeps briefly when there was nothing to do. On SIGTERM or
SIGINT no new work is claimed; hand-overs already under way are finished and recorded.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from django.db import close_old_connections

from scfm.engine import complete, populate, rapidpro, reconcile, recordings, retry
from scfm.engine.dial import Dialer

logger = logging.getLogger(__name__)

LOOPS = ("populate", "dial", "reconcile", "retry", "rapidpro", "complete", "recordings")
# The completion loop polls every second: a callout's completed_at is at most that late.
IDLE_SECONDS = {
    "populate": 1.0,
    "dial": 0.2,
    "reconcile": 5.0,
    "retry": 1.0,
    "rapidpro": 2.0,
    "complete": 1.0,
    "recordings": 2.0,
}
ERROR_PAUSE_SECONDS = 2.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Engine:
    def __init__(self, *, loops: tuple[str, ...] = LOOPS, max_in_flight: int = 64):
        self.worker = worker_name()
        self.stopping = threading.Event()
        self.dialer = Dialer(worker=self.worker, max_in_flight=max_in_flight)
        ticks: dict[str, Callable[[], bool]] = {
            "populate": lambda: populate.tick(worker=self.worker),
            "dial": self.dialer.tick,
            "reconcile": reconcile.tick,
            "retry": retry.tick,
            "rapidpro": rapidpro.tick,
            "complete": complete.tick,
            "recordings": recordings.tick,
        }
        self.threads = [
            threading.Thread(target=self._loop, args=(name, ticks[name]), name=f"engine-{name}", daemon=True)
            for name in loops
        ]

    def _loop(self, name: str, tick: Callable[[], bool]) -> None:
        while not self.stopping.is_set():
            close_old_connections()
            try:
                did_work = tick()
            except Exception:
                # A database hiccup must not end the loop; the next tick starts afresh.
                logger.exception("Engine loop %s failed; retrying", name)
                self.stopping.wait(ERROR_PAUSE_SECONDS)
                continue
            if not did_work:
                self._idle(name)
        close_old_connections()

    def _idle(self, name: str) -> None:
        if name == "dial":
            # Until a hand-over comes back or an account's next call is due: pacing stays even.
            self.dialer.wait(IDLE_SECONDS[name], self.stopping)
        else:
            self.stopping.wait(IDLE_SECONDS[name])

    def start(self) -> None:
        logger.info("Engine %s starting: %s", self.worker, ", ".join(t.name for t in self.threads))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Stop claiming work, finish what is under way, and return when everything is recorded."""
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        self.dialer.drain()
        logger.info(
            "Engine %s stopped after %d provider requests", self.worker, self.dialer.requests_recorded
        )
