"""Readiness: what ``/readyz`` checks, each check a named function returning
``(ok, detail)``.

- ``database``: a query answers.
- ``migrations``: no migration is waiting to be applied.
- ``worker``: some worker polled the queue within ``WORKER_HEARTBEAT_MAX_AGE``
  seconds (default 300; a worker beats between jobs, so allow for the longest
  job, the monthly billing run).
- ``queue``: no job has been ready to run for longer than
  ``QUEUE_STUCK_AFTER`` seconds (default 900): jobs, outbound mail among
  them, are being taken.
- ``outbox``: no outbound mail has been due for longer than
  ``OUTBOX_STUCK_AFTER`` seconds (default 900) without being attempted: the
  outbox is being delivered. Mail waiting for a retry after a failed attempt
  is not stuck (its next attempt is not due yet); mail given up is reported
  in the detail and by the ``supportledger_outbox_mail`` metric, and does not
  fail the check.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q

from supportledger.core import clock

Check = Callable[[datetime], tuple[bool, str]]


def _seconds(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def check_database(now: datetime) -> tuple[bool, str]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, "reachable"


def check_migrations(now: datetime) -> tuple[bool, str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False, f"{len(plan)} migrations not applied"
    return True, "applied"


def check_worker(now: datetime) -> tuple[bool, str]:
    from supportledger.ops.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-beat_at").first()
    if latest is None:
        return False, "no worker has ever run"
    age = (now - latest.beat_at).total_seconds()
    limit = _seconds("WORKER_HEARTBEAT_MAX_AGE", 300)
    if age > limit:
        return False, f"latest worker heartbeat {int(age)} s ago (limit {limit} s)"
    return True, f"latest worker heartbeat {int(age)} s ago"


def check_queue(now: datetime) -> tuple[bool, str]:
    from django_tasks_db.models import DBTaskResult, get_date_max

    limit = _seconds("QUEUE_STUCK_AFTER", 900)
    since = now - timedelta(seconds=limit)
    # run_after holds the far future for "as soon as possible".
    waiting_since = Q(run_after=get_date_max(), enqueued_at__lt=since) | Q(run_after__lt=since)
    count = DBTaskResult.objects.filter(status="READY").filter(waiting_since).count()
    if count:
        return False, f"{count} jobs ready for more than {limit} s"
    return True, "moving"


def check_outbox(now: datetime) -> tuple[bool, str]:
    from supportledger.mail.models import OutboundMail, OutboundStatus

    limit = _seconds("OUTBOX_STUCK_AFTER", 900)
    overdue = OutboundMail.objects.filter(
        status=OutboundStatus.PENDING, next_attempt_at__lt=now - timedelta(seconds=limit)
    ).count()
    failed = OutboundMail.objects.filter(status=OutboundStatus.FAILED).count()
    given_up = f"; {failed} mails given up" if failed else ""
    if overdue:
        return False, f"{overdue} mails due for more than {limit} s and not sent{given_up}"
    return True, f"moving{given_up}"


CHECKS: dict[str, Check] = {
    "database": check_database,
    "migrations": check_migrations,
    "worker": check_worker,
    "queue": check_queue,
    "outbox": check_outbox,
}


def readiness(now: datetime | None = None) -> dict[str, tuple[bool, str]]:
    """Every check's ``(ok, detail)``; a check that raises is failed with
    the error's class name (the database being down makes the rest fail)."""
    at = now or clock.now()
    results: dict[str, tuple[bool, str]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check(at)
        except Exception as exc:
            results[name] = (False, type(exc).__name__)
    return results
