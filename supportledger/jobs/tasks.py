"""Background jobs (Django's tasks API, stored in the database by
django-tasks-db). Each job is one action (or a service/intake job that
guards itself against a second run); the worker runs them."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from supportledger.billing import chunks
from supportledger.billing.actions.reminders import (
    do_hold_overdue_customers,
    do_send_renewal_reminders,
)
from supportledger.billing.actions.run import refuse_unless_period_ended
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.actions import (
    do_submit_due_national_documents,
    do_submit_national_document,
)
from supportledger.billing.queries import get_billing_settings, refuse_unless_seller_complete
from supportledger.core import clock
from supportledger.core.queries import get_vendor_policy
from supportledger.entitlements.mail import queue_balance_alerts
from supportledger.service.actions import confirmation, visits


@task()
def run_billing(period: str) -> dict[str, Any]:
    """The monthly billing run for ``period`` (``YYYY-MM``), divided among
    the workers (``billing.chunks``): the customers are cut into chunks,
    helper jobs are queued so idle workers join in, and this worker bills
    chunks too; whoever finds every chunk done numbers the drafts."""
    month = Period.month(period)
    refuse_unless_period_ended(month, clock.now(), get_vendor_policy().timezone)
    refuse_unless_seller_complete(get_billing_settings())
    key = chunks.run_key_of(month)
    count = chunks.plan_chunks(key, month)
    for _helper in range(min(count - 1, chunks.helpers())):
        bill_chunks.enqueue(key)
    outcome = chunks.work_on_run(key)
    return {"period": period, **outcome}


@task()
def bill_chunks(run_key: str) -> dict[str, Any]:
    """A helper of a divided billing run: bill the chunks still queued."""
    return chunks.work_on_run(run_key)


@task()
def run_daily_jobs() -> dict[str, Any]:
    """Holds for overdue invoices, then renewal reminders."""
    held = do_hold_overdue_customers(acting_user=None)
    reminders = do_send_renewal_reminders(acting_user=None)
    return {"held": len(held), "reminders": reminders}


@task()
def send_appointment_reminders() -> dict[str, Any]:
    """Reminders of on-site visits starting within the next day (service)."""
    return {"reminders": visits.send_appointment_reminders(clock.now())}


@task()
def auto_confirm_work() -> dict[str, Any]:
    """Confirm work the customer left unconfirmed for the policy's days (service)."""
    if "auto_confirm" not in (get_vendor_policy().features or ()):
        return {"confirmed": 0, "skipped": "the vendor does not confirm work automatically"}
    return {"confirmed": confirmation.auto_confirm_work(clock.now())}


@task()
def close_requests_past_complaint_window() -> dict[str, Any]:
    """Close resolved requests whose time for complaints has passed (service)."""
    return {"closed": confirmation.close_requests_past_complaint_window(clock.now())}


@task()
def send_balance_alerts() -> dict[str, Any]:
    """Queue mail for the balance alerts not yet notified (intake)."""
    return {"alerts": queue_balance_alerts(now=clock.now())}


# --- National e-invoices (billing) ---------------------------------------------


@task()
def submit_national_document(document_id: int) -> dict[str, Any]:
    """Send one document right after the invoice is issued; after a
    transport failure the job enqueues itself again for the back-off time."""
    document = do_submit_national_document(acting_user=None, document_id=document_id)
    if document is not None and document.status == "pending" and document.next_attempt_at:
        submit_national_document.using(run_after=document.next_attempt_at).enqueue(document_id)
    return {"document": document_id, "status": document.status if document else "not due"}


@task()
def submit_due_national_documents() -> dict[str, Any]:
    """Retry the documents whose back-off has passed."""
    return {"answered": do_submit_due_national_documents()}


def queue_national_document(sender: Any, document_id: int, **kwargs: Any) -> None:
    """Receiver of ``billing.einvoice.signals.national_document_pending``:
    send the new document right away."""
    submit_national_document.enqueue(document_id)
