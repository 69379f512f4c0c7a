"""Worker heartbeats: each worker process overwrites its own row on every
poll of the queue, so readiness checks and metrics can tell a live worker
from a dead one."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from supportledger.core import clock
from supportledger.ops.models import WorkerHeartbeat


def record_worker_heartbeat(
    worker_id: str, *, started_at: datetime, now: datetime | None = None
) -> None:
    """Upsert ``worker_id``'s row with ``beat_at = now`` (UTC)."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now or clock.now(),
        },
    )
