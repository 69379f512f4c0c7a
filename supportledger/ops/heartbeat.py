"""Worker heartbeats, and jobs taken back from workers that died.

Each worker process beats from a background thread every
``WORKER_HEARTBEAT_SECONDS`` (default 10), also while it runs a long job, so
readiness checks and metrics can tell a live worker from a dead one. On
each beat it also puts back in the queue any job still marked running by a
worker whose heartbeat is older than ``WORKER_ORPHAN_AFTER`` seconds
(default 60): that worker was killed in the middle of the job. Its job's
transaction died with its connection, so the job runs again from the start,
once, on whichever worker claims it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.db import connection, transaction

from supportledger.core import clock
from supportledger.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def record_worker_heartbeat(
    worker_id: str, *, started_at: datetime, now: datetime | None = None
) -> None:
    """Upsert ``worker_id``'s row with ``beat_at = now`` (UTC). Operational
    state, not business data: no audit row."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now or clock.now(),
        },
    )


def requeue_orphaned_jobs(now: datetime | None = None) -> list[str]:
    """Put jobs of dead workers back in the queue; their ids."""
    from django_tasks_db.models import DBTaskResult

    at = now or clock.now()
    stale_before = at - timedelta(seconds=_seconds("WORKER_ORPHAN_AFTER", 60))
    live = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=stale_before).values_list(
            "worker_id", flat=True
        )
    )
    requeued = []
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status="RUNNING", started_at__lt=stale_before
        )
        for job in running:
            owner = job.worker_ids[-1] if job.worker_ids else ""
            if owner in live:
                continue
            job.status = "READY"
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            requeued.append(str(job.id))
            logger.warning("job %s of dead worker %s is back in the queue", job.id, owner)
    return requeued


def start_worker_heartbeat(worker_id: str) -> threading.Event:
    """Beat (and take back orphaned jobs) from a daemon thread until the
    returned event is set; the first beat is written before returning."""
    started_at = clock.now()
    record_worker_heartbeat(worker_id, started_at=started_at)
    stop = threading.Event()
    every = _seconds("WORKER_HEARTBEAT_SECONDS", 10)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    record_worker_heartbeat(worker_id, started_at=started_at)
                    requeue_orphaned_jobs()
                except Exception:
                    logger.exception("worker heartbeat failed; trying again")
        finally:
            connection.close()

    threading.Thread(target=beat, name="worker-heartbeat", daemon=True).start()
    return stop
