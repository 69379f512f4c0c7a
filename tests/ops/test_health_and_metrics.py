"""``/healthz``, ``/readyz``, ``/metrics``, request ids and the JSON log."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django_tasks_db.models import DBTaskResult, get_date_max

from supportledger.core import clock
from supportledger.ops.heartbeat import record_worker_heartbeat

pytestmark = pytest.mark.django_db


def _job(status: str, *, path: str = "supportledger.jobs.tasks.run_daily_jobs", **fields):
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=path,
        queue_name="default",
        backend_name="default",
        run_after=fields.pop("run_after", get_date_max()),
        **fields,
    )


def _checks(response):
    return {name: check["ok"] for name, check in response.json()["checks"].items()}


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_not_ready_until_a_worker_has_beaten(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _checks(response) == {
        "database": True,
        "migrations": True,
        "worker": False,
        "queue": True,
        "outbox": True,
    }
    record_worker_heartbeat("host-1", started_at=clock.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_fails_on_a_silent_worker(client):
    long_ago = clock.now() - timedelta(minutes=30)
    record_worker_heartbeat("host-1", started_at=long_ago, now=long_ago)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "limit 300 s" in response.json()["checks"]["worker"]["detail"]


def test_readyz_fails_on_a_job_left_waiting_too_long(client):
    record_worker_heartbeat("host-1", started_at=clock.now())
    job = _job("READY")
    DBTaskResult.objects.filter(pk=job.pk).update(enqueued_at=clock.now() - timedelta(hours=1))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == {
        "ok": False,
        "detail": "1 jobs ready for more than 900 s",
    }


def _mail(status: str, *, queued_ago: timedelta, due_ago: timedelta | None, n: int = 1):
    from supportledger.mail.models import OutboundMail

    now = clock.now()
    return OutboundMail.objects.create(
        message_id=f"m{n}@test.example",
        kind="reply",
        status=status,
        to=f"c{n}@x.example",
        subject="Re: help",
        language="en",
        queued_at=now - queued_ago,
        next_attempt_at=None if due_ago is None else now - due_ago,
    )


def test_readyz_fails_on_outbound_mail_left_due_too_long_not_on_mail_waiting_for_a_retry(client):
    record_worker_heartbeat("host-1", started_at=clock.now())
    # Due a minute ago; and one whose retry is due in an hour: the outbox moves.
    _mail("pending", queued_ago=timedelta(minutes=1), due_ago=timedelta(minutes=1), n=1)
    _mail("pending", queued_ago=timedelta(hours=2), due_ago=-timedelta(hours=1), n=2)
    _mail("failed", queued_ago=timedelta(days=2), due_ago=None, n=3)
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["outbox"] == {"ok": True, "detail": "moving; 1 mails given up"}
    # Due for an hour and nobody sent it: the outbox is stuck.
    _mail("pending", queued_ago=timedelta(hours=1), due_ago=timedelta(hours=1), n=4)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == {
        "ok": False,
        "detail": "1 mails due for more than 900 s and not sent; 1 mails given up",
    }


def test_metrics_report_the_outbox_backlog(client):
    _mail("pending", queued_ago=timedelta(minutes=1), due_ago=timedelta(minutes=1), n=1)
    _mail("pending", queued_ago=timedelta(hours=2), due_ago=-timedelta(hours=1), n=2)
    _mail("failed", queued_ago=timedelta(seconds=7200), due_ago=None, n=3)
    _mail("sent", queued_ago=timedelta(days=9), due_ago=None, n=4)
    text = client.get("/metrics").content.decode()
    assert 'supportledger_outbox_mail{state="pending"} 2.0' in text
    assert 'supportledger_outbox_mail{state="failed"} 1.0' in text
    assert "supportledger_outbox_due 1.0" in text
    oldest = next(
        line
        for line in text.splitlines()
        if line.startswith("supportledger_outbox_oldest_undelivered_age_seconds ")
    )
    assert 7200 <= float(oldest.split()[1]) < 7200 + 600


def test_the_outbox_metrics_are_zero_when_everything_is_delivered(client):
    _mail("sent", queued_ago=timedelta(days=9), due_ago=None, n=1)
    text = client.get("/metrics").content.decode()
    assert 'supportledger_outbox_mail{state="pending"} 0.0' in text
    assert "supportledger_outbox_oldest_undelivered_age_seconds 0.0" in text


def test_readyz_fails_on_a_migration_not_applied(client):
    record_worker_heartbeat("host-1", started_at=clock.now())
    MigrationRecorder.Migration.objects.filter(app="ops").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "detail": "1 migrations not applied",
    }


def test_metrics_count_requests_and_read_the_queue_from_the_database(client):
    record_worker_heartbeat("host-1", started_at=clock.now())
    _job("READY")
    _job("FAILED")
    started = clock.now() - timedelta(minutes=5)
    _job(
        "SUCCESSFUL",
        path="supportledger.jobs.tasks.run_billing",
        started_at=started,
        finished_at=started + timedelta(seconds=42),
    )
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'supportledger_jobs{state="ready"} 1.0' in text
    assert 'supportledger_jobs{state="failed"} 1.0' in text
    assert "supportledger_jobs_failed 1.0" in text
    assert "supportledger_billing_run_duration_seconds 42.0" in text
    assert 'supportledger_worker_heartbeat_age_seconds{worker="host-1"}' in text
    assert 'supportledger_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert 'supportledger_http_request_duration_seconds_count{method="GET",route="healthz"}' in text


def test_metrics_are_for_loopback_or_the_bearer_of_the_token(client, monkeypatch):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-scrape")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape"
    )
    assert response.status_code == 200


def test_a_request_id_is_honoured_or_made_and_logged_with_the_request(client, caplog):
    caplog.set_level(logging.INFO, logger="supportledger.requests")
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    assert response["X-Request-ID"] == "lb-7f3a-0001"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != (
        "bad id\nwith newline"
    )
    logged = [r for r in caplog.records if r.name == "supportledger.requests"]
    assert [r.request_id for r in logged][:2] == ["lb-7f3a-0001", made]
    assert logged[0].status == 200
    assert logged[0].route == "healthz"


def test_log_lines_are_json_with_the_request_id():
    from django.conf import settings

    from supportledger.ops.requests import RequestIdFilter

    formatter_config = dict(settings.LOGGING["formatters"]["json"])
    factory = formatter_config.pop("()")
    module, _, name = factory.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    record = logging.LogRecord("supportledger.x", logging.WARNING, __file__, 1, "hello", (), None)
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["level"] == "WARNING"
    assert line["logger"] == "supportledger.x"
    assert line["message"] == "hello"
    assert line["request_id"] == ""
