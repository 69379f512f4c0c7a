"""Billing runs asked for from the console and done in the background by the
worker, so a month-end run over thousands of customers never holds a web
request: the request writes a ``BillingRun`` row and enqueues its job; the
job bills (as drafts, or issuing directly) or issues the period's drafts,
writing its progress on the row as it goes."""

from __future__ import annotations

import bisect
import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tasks import task

from supportledger.billing.actions.invoices import do_issue_invoice
from supportledger.billing.actions.run import do_run_billing, refuse_unless_period_ended
from supportledger.billing.convert import Period
from supportledger.billing.models import (
    BillingRun,
    BillingRunKind,
    BillingRunStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 25  # invoices between two progress writes


def do_request_billing_run(
    *, acting_user: User | None, period: Period, kind: str, now: datetime | None = None
) -> BillingRun:
    """Ask the worker for a billing run of ``period``. Refused with
    ``run_in_progress`` while another run of the same period is queued or
    running."""
    if kind not in BillingRunKind.values:
        raise ActionRefused("invalid", "kind: " + _("unknown kind of billing run."))
    at = now or clock.now()
    if kind != BillingRunKind.ISSUE_DRAFTS:
        refuse_unless_period_ended(period, at, get_vendor_policy().timezone)
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                period_start=period.start,
                period_end=period.end,
                kind=kind,
                requested_by=acting_user if getattr(acting_user, "pk", None) else None,
                requested_at=at,
            )
            write_audit(
                acting_user=acting_user,
                action=AuditAction.REQUEST_BILLING_RUN,
                obj=run,
                at=at,
                detail={"period": period.label, "kind": kind},
            )
            transaction.on_commit(lambda: perform_billing_run.enqueue(run.pk))
    except IntegrityError as exc:
        raise ActionRefused(
            "run_in_progress",
            _("A billing run for %(period)s is already queued or running; wait for it to end.")
            % {"period": period.label},
        ) from exc
    return run


def _progress(run_id: int, **fields: Any) -> None:
    BillingRun.objects.filter(pk=run_id).update(**fields)


def do_perform_billing_run(*, run_id: int, now: datetime | None = None) -> BillingRun:
    """The worker's side: claim the queued run, do it, record the outcome.
    A run that is not queued any more (done, or claimed by another worker)
    is left alone."""
    at = now or clock.now()
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != BillingRunStatus.QUEUED:
            return run  # type: ignore[return-value]
        run.status, run.started_at = BillingRunStatus.RUNNING, at
        run.save(update_fields=["status", "started_at"])
    period = Period(run.period_start, run.period_end)
    try:
        count = (
            _issue_drafts(run, period, at)
            if run.kind == BillingRunKind.ISSUE_DRAFTS
            else _bill(run, period, at)
        )
    except Exception as error:  # the run's row says why; the worker goes on
        logger.exception("billing run %s failed", run_id)
        _progress(
            run_id,
            status=BillingRunStatus.FAILED,
            finished_at=clock.now(),
            error=str(getattr(error, "message", "") or error)[:2000],
        )
    else:
        _progress(
            run_id,
            status=BillingRunStatus.DONE,
            finished_at=clock.now(),
            invoices=count,
        )
    run.refresh_from_db()
    return run


def _bill(run: BillingRun, period: Period, at: datetime) -> int:
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    _progress(run.pk, customers_total=len(ids))
    made = 0

    def on_invoice(invoice: Invoice) -> None:
        nonlocal made
        made += 1
        if made % PROGRESS_EVERY == 0:
            done = bisect.bisect_right(ids, invoice.customer_id)
            _progress(run.pk, invoices=made, customers_done=done)

    do_run_billing(
        acting_user=run.requested_by,
        period=period,
        now=at,
        on_invoice=on_invoice,
        issue=run.kind == BillingRunKind.ISSUE,
    )
    _progress(run.pk, customers_done=len(ids))
    return made


def _issue_drafts(run: BillingRun, period: Period, at: datetime) -> int:
    drafts = list(
        Invoice.objects.filter(
            status=InvoiceStatus.DRAFT,
            kind=InvoiceKind.INVOICE,
            billing_period=period.label,
        )
        .order_by("customer_id", "pk")
        .values_list("pk", flat=True)
    )
    _progress(run.pk, customers_total=len(drafts))
    issued = 0
    for pk in drafts:
        invoice = Invoice.objects.get(pk=pk)
        if invoice.status != InvoiceStatus.DRAFT:
            continue  # cancelled or issued by hand meanwhile
        do_issue_invoice(acting_user=run.requested_by, invoice=invoice, now=at)
        issued += 1
        if issued % PROGRESS_EVERY == 0:
            _progress(run.pk, invoices=issued, customers_done=issued)
    _progress(run.pk, customers_done=len(drafts))
    return issued


@task()
def perform_billing_run(run_id: int) -> dict[str, Any]:
    """Do one billing run asked for from the console."""
    run = do_perform_billing_run(run_id=run_id)
    return {"run": run_id, "status": run.status if run else "missing"}
