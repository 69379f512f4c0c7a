"""Background jobs (Django's tasks API, stored in the database by
django-tasks-db). Each job is one action; the worker runs them."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from supportledger.billing.actions import (
    do_hold_overdue_customers,
    do_run_billing,
    do_send_renewal_reminders,
)
from supportledger.billing.convert import Period


@task()
def run_billing(period: str) -> dict[str, Any]:
    """The monthly billing run for ``period`` (``YYYY-MM``)."""
    result = do_run_billing(acting_user=None, period=Period.month(period))
    return {"period": period, "invoices": len(result.invoices)}


@task()
def run_daily_jobs() -> dict[str, Any]:
    """Holds for overdue invoices, then renewal reminders."""
    held = do_hold_overdue_customers(acting_user=None)
    reminders = do_send_renewal_reminders(acting_user=None)
    return {"held": len(held), "reminders": reminders}
