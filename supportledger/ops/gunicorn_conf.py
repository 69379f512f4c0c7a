"""gunicorn settings of ``supportledger serve`` (``--config python:...``).

Requests are logged by the application as JSON lines with their request id
(``supportledger.ops.middleware``), so gunicorn's own access log stays off.
"""

from typing import Any

accesslog = None


def child_exit(server: Any, worker: Any) -> None:
    """Drop the metric files of a gunicorn worker that has exited."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
