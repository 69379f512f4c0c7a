"""The schedule: what is due when, enqueued exactly once however many
workers on however many machines look at it.

A slot (job, day) is claimed by inserting a ``ScheduledRun`` row, unique per
(job, day), in the same transaction as the task row it enqueues: the first
worker to commit wins, the others' inserts fail and enqueue nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from supportledger.core import clock
from supportledger.core.models import VendorPolicy
from supportledger.entitlements.convert import local_date
from supportledger.jobs import tasks
from supportledger.jobs.models import ScheduledRun
from supportledger.mail.outbox import deliver_due_mail

logger = logging.getLogger(__name__)

# Run by the worker on every poll, in the worker's process (no task row):
# short jobs that must not wait for tomorrow's slot.
EVERY_POLL = (("deliver_mail", deliver_due_mail),)


def run_every_poll_jobs() -> list[str]:
    """Run the ``EVERY_POLL`` jobs; returns the names of those that did
    something. One failing does not stop the others (it is logged)."""
    done = []
    for name, job in EVERY_POLL:
        try:
            result = job()
        except Exception:
            logger.exception("Job %s failed; the next poll runs it again", name)
            continue
        if any(vars(result).values()):
            done.append(f"{name} {vars(result)}")
    return done


def due_slots(today: date) -> list[tuple[str, object, tuple[str, ...]]]:
    """(job name, task, args) due on ``today`` (policy time zone): the billing
    run of the previous month on the 1st; every day holds and renewal
    reminders, visit reminders, automatic confirmation of work, closing
    requests whose complaint window has passed and balance alerts, each its
    own job so one failing does not hold up the others."""
    slots: list[tuple[str, object, tuple[str, ...]]] = [
        ("daily", tasks.run_daily_jobs, ()),
        ("appointment_reminders", tasks.send_appointment_reminders, ()),
        ("auto_confirm_work", tasks.auto_confirm_work, ()),
        ("close_requests", tasks.close_requests_past_complaint_window, ()),
        ("balance_alerts", tasks.send_balance_alerts, ()),
        ("national_documents", tasks.submit_due_national_documents, ()),
    ]
    if today.day == 1:
        previous = (today - timedelta(days=1)).strftime("%Y-%m")
        slots.insert(0, ("billing_run", tasks.run_billing, (previous,)))
    return slots


def _claimed(job: str, slot: date) -> bool:
    """Cheap look first; the unique row is what decides a race."""
    return ScheduledRun.objects.filter(job=job, slot=slot).exists()


def enqueue_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue what is due today and not yet enqueued; returns the job names."""
    at = now or clock.now()
    policy = VendorPolicy.objects.filter(pk=1).first()
    today = local_date(at, policy.timezone if policy else "UTC")
    enqueued = []
    for name, job, args in due_slots(today):
        if _claimed(name, today):
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=name, slot=today, enqueued_at=at)
                result = job.enqueue(*args)  # type: ignore[attr-defined]
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another worker claimed this slot first
        enqueued.append(name)
    return enqueued
