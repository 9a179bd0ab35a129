"""`scfm simulator`: serve the telephony simulator with granian, one worker, until SIGTERM/SIGINT."""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.env import env_int
from scfm.simulator.config import DEFAULT_PORT, ConfigError, credentials_from_env, knobs_from_env

APP_FACTORY = "scfm.simulator.app:create_app_from_env"


class Command(BaseCommand):
    help = (
        "Run the telephony simulator: a Twilio-compatible Calls API that plays calls against SCFM. "
        "Knobs come from --config (a JSON file), SIMULATOR_CONFIG (inline JSON) and PUT /simulator/config."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=env_int("SIMULATOR_PORT", DEFAULT_PORT))
        parser.add_argument("--config", type=Path, help="JSON file of knobs (see GET /simulator/config)")

    def handle(self, *args: object, **options: object) -> None:
        if options["config"] is not None:
            # granian's worker reads its knobs from the environment it inherits.
            os.environ["SIMULATOR_CONFIG_FILE"] = str(Path(str(options["config"])).resolve())
        try:
            # Fail here, with a clear message, rather than in granian's worker.
            knobs_from_env()
        except ConfigError as error:
            raise CommandError(f"bad simulator configuration: {error}") from error
        credentials = credentials_from_env()
        self.stdout.write(
            f"Simulator listening on http://{options['host']}:{options['port']} "
            f"(account {credentials.account_sid})"
        )
        self.stdout.flush()
        # exec keeps our PID, so SIGTERM goes straight to granian, which shuts its worker down
        # (the app's lifespan shutdown stops the calls in flight) and exits 0.
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--host",
                str(options["host"]),
                "--port",
                str(options["port"]),
                # One worker: the ledger and the CPS window live in one process.
                "--workers",
                "1",
                "--no-ws",
                APP_FACTORY,
            ],
        )
