"""Prometheus metrics.

Per request (counted in every web process; under gunicorn the processes
share files in ``PROMETHEUS_MULTIPROC_DIR``, which ``supportledger serve``
sets to its run directory): ``supportledger_http_requests_total`` and
``supportledger_http_request_duration_seconds`` by method, route name and
status.

Read from the database at each scrape, so every web server reports the same
figures whichever worker did the work: jobs by state (queue depth), failed
jobs, the latest billing run's duration, the age of each worker's heartbeat,
and the outbox's backlog (mail not yet delivered by state, mail due now, the
age of the oldest undelivered mail).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from supportledger.core import clock

__all__ = ["CONTENT_TYPE_LATEST", "REQUESTS", "REQUEST_SECONDS", "render_metrics"]

REQUESTS = Counter(
    "supportledger_http_requests",
    "HTTP requests answered, by method, route name and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "supportledger_http_request_duration_seconds",
    "Time to answer an HTTP request, in seconds, by method and route name.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class DatabaseCollector(Collector):
    """Gauges read from the database when scraped."""

    def collect(self) -> Iterator[Any]:
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        from supportledger.ops.models import WorkerHeartbeat

        now = clock.now()
        jobs = GaugeMetricFamily(
            "supportledger_jobs", "Background jobs in the queue, by state.", labels=["state"]
        )
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
        for state in ("READY", "RUNNING", "SUCCESSFUL", "FAILED"):
            jobs.add_metric([state.lower()], counts.get(state, 0))
        yield jobs
        yield GaugeMetricFamily(
            "supportledger_jobs_failed",
            "Background jobs that ended with an error (kept in the queue table).",
            value=counts.get("FAILED", 0),
        )
        billing = (
            DBTaskResult.objects.filter(
                task_path__endswith=".run_billing",
                status="SUCCESSFUL",
                started_at__isnull=False,
                finished_at__isnull=False,
            )
            .order_by("-finished_at")
            .first()
        )
        duration = GaugeMetricFamily(
            "supportledger_billing_run_duration_seconds",
            "How long the latest successful billing run took, in seconds.",
        )
        if billing is not None and billing.started_at and billing.finished_at:
            duration.add_metric([], (billing.finished_at - billing.started_at).total_seconds())
        yield duration
        ages = GaugeMetricFamily(
            "supportledger_worker_heartbeat_age_seconds",
            "Seconds since each worker last polled the queue.",
            labels=["worker"],
        )
        for heartbeat in WorkerHeartbeat.objects.all():
            ages.add_metric([heartbeat.worker_id], (now - heartbeat.beat_at).total_seconds())
        yield ages
        yield from _outbox_metrics(now)


def _outbox_metrics(now: Any) -> Iterator[Any]:
    from django.db.models import Count, Min

    from supportledger.mail.models import OutboundMail, OutboundStatus

    undelivered = OutboundMail.objects.exclude(status=OutboundStatus.SENT)
    counts = dict(undelivered.values_list("status").annotate(n=Count("id")).order_by())
    backlog = GaugeMetricFamily(
        "supportledger_outbox_mail",
        "Outbound mail not delivered, by state: pending (waiting for an attempt), "
        "failed (given up; staff may send it again).",
        labels=["state"],
    )
    for state in (OutboundStatus.PENDING, OutboundStatus.FAILED):
        backlog.add_metric([state.value], counts.get(state.value, 0))
    yield backlog
    yield GaugeMetricFamily(
        "supportledger_outbox_due",
        "Pending outbound mail whose next attempt is due now.",
        value=undelivered.filter(status=OutboundStatus.PENDING, next_attempt_at__lte=now).count(),
    )
    oldest = undelivered.aggregate(oldest=Min("queued_at"))["oldest"]
    yield GaugeMetricFamily(
        "supportledger_outbox_oldest_undelivered_age_seconds",
        "Seconds since the oldest outbound mail not yet delivered was queued (0: none).",
        value=(now - oldest).total_seconds() if oldest is not None else 0,
    )


def render_metrics() -> bytes:
    """The exposition text: the request metrics of every process, then the
    database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        text = generate_latest(processes)
    else:
        text = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return text + generate_latest(database)
