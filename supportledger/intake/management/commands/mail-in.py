"""``supportledger mail-in``: receive mail into the desk.

``supportledger mail-in --port 2525`` runs the SMTP listener until stopped;
``supportledger mail-in --imap`` polls the IMAP mailbox of the
``INTAKE_IMAP_*`` settings every ``--interval`` seconds (``--once``: one poll).
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.mail.conf import setting


class Command(BaseCommand):
    help = "Receive e-mail into the desk: an SMTP listener, or IMAP polling with --imap."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=setting("INTAKE_SMTP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=setting("INTAKE_SMTP_PORT", 2525))
        parser.add_argument("--imap", action="store_true", help="Poll IMAP instead of SMTP.")
        parser.add_argument("--interval", type=int, default=60, help="IMAP poll, seconds.")
        parser.add_argument("--once", action="store_true", help="IMAP: poll once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        previous = {}
        if not options["once"]:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        try:
            if options["imap"]:
                self._poll(stop, options["interval"], options["once"])
            else:
                self._listen(stop, options["host"], options["port"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _listen(self, stop: threading.Event, host: str, port: int) -> None:
        from supportledger.intake.smtp import make_controller

        controller = make_controller(host, port)
        try:
            controller.start()
        except Exception as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(f"Receiving mail on {host}:{port} (SMTP); Ctrl+C stops.")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()

    def _poll(self, stop: threading.Event, interval: int, once: bool) -> None:
        from supportledger.intake.imap import imap_settings, poll_mailbox

        try:
            settings = imap_settings()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        while True:
            started = time.monotonic()
            counts = poll_mailbox(settings)
            summary = ", ".join(f"{outcome} {count}" for outcome, count in sorted(counts.items()))
            self.stdout.write(f"IMAP {settings.host}: {summary or 'nothing new'}")
            if once or stop.wait(max(1.0, interval - (time.monotonic() - started))):
                return
