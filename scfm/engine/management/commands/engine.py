import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scfm.engine.runner import Engine


class Command(BaseCommand):
    help = "Run the call engine: populate, dial, reconcile and retry loops."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-in-flight", type=int, default=64, help="Concurrent provider requests.")

    def handle(self, *args: Any, **options: Any) -> None:
        engine = Engine(max_in_flight=options["max_in_flight"])
        stop_requested = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop_requested.set())
        engine.start()
        self.stdout.write(f"SCFM engine {engine.worker} running")
        self.stdout.flush()
        while not stop_requested.wait(1.0):
            pass
        self.stdout.write("SCFM engine stopping: finishing hand-overs under way")
        self.stdout.flush()
        engine.stop()
