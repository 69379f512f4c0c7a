"""``supportledger worker``: runs background jobs and the schedule.

Every ``--interval`` seconds the worker enqueues what the schedule says is
due (each slot once, whoever gets there first) and then runs every ready job.
Jobs are claimed with row locks (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite's IMMEDIATE transactions serialise), so any number of
workers on any number of machines can share the queue. SIGTERM or Ctrl+C
stops it after the job in hand.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from supportledger.jobs.schedule import enqueue_due_jobs, run_every_poll_jobs
from supportledger.ops.heartbeat import start_worker_heartbeat


class Command(BaseCommand):
    help = "Run background jobs and the schedule (billing run monthly, reminders daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between polls.")
        parser.add_argument(
            "--once", action="store_true", help="Enqueue what is due, run ready jobs, exit."
        )
        parser.add_argument("--no-schedule", action="store_true", help="Only run queued jobs.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.running = True

        def stop(signum: int, frame: Any) -> None:
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"[-64:]
        heartbeat = start_worker_heartbeat(worker_id)
        while self.running:
            close_old_connections()
            if not options["no_schedule"]:
                for name in enqueue_due_jobs():
                    self.stdout.write(f"enqueued {name}")
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if not options["no_schedule"]:
                # After the jobs, so what they queued leaves in this poll.
                for done in run_every_poll_jobs():
                    self.stdout.write(done)
            if options["once"]:
                break
            deadline = time.monotonic() + options["interval"]
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.5, options["interval"]))
        heartbeat.set()
