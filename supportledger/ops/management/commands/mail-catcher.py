"""``supportledger mail-catcher``: an SMTP sink for a machine without a mail
server. Every message sent to it is kept under ``var/caught-mail`` and shown
in the staff console (Caught mail); nothing is delivered."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Catch outbound mail on a local SMTP port and keep it for the console."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        from supportledger.ops.caught_mail import catcher_dir, make_catcher

        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller = make_catcher(host, port)
        try:
            controller.start()
        except Exception as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(f"Catching outbound mail on {host}:{port} into {catcher_dir()}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
