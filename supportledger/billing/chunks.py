"""The monthly billing run divided among workers.

The run's customers (in id order) are cut into chunks of
``BILLING_RUN_CHUNK_SIZE`` (default 200) written as ``BillingChunk`` rows,
once per run however many workers plan it (a unique row per chunk). Each
worker then takes the next queued chunk — ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two workers never take the same chunk — and bills
its customers as drafts through ``do_run_billing`` (how lines are computed
is not this module's business) in the transaction that holds the chunk's
lock: its drafts and its ``done`` commit together, and a worker killed
part-way leaves the chunk queued with nothing written. When no chunk is
left queued and every chunk is done, one worker (the one that locks all the chunks first) numbers
the run's drafts in customer order, then currency order: the same numbers,
in the same order, as one worker billing and issuing customer after
customer, gap-free, and each customer billed once (an active line bills a
thing once, the database refuses a second).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from supportledger.billing.actions.invoices import do_issue_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import BillingChunk, BillingChunkStatus, Invoice, InvoiceStatus
from supportledger.core import clock
from supportledger.customers.models import Customer


def _number(name: str, default: int) -> int:
    value = getattr(settings, name, None) or os.environ.get(name, "")
    return int(value) if str(value).strip() else default


def chunk_size() -> int:
    """Customers per chunk (``BILLING_RUN_CHUNK_SIZE``, default 200)."""
    return max(1, _number("BILLING_RUN_CHUNK_SIZE", 200))


def helpers() -> int:
    """Helper jobs queued per run (``BILLING_RUN_HELPERS``, default 3)."""
    return max(0, _number("BILLING_RUN_HELPERS", 3))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_key_of(period: Period) -> str:
    return f"monthly-{period.label}"


def plan_chunks(
    run_key: str, period: Period, *, issue: bool = True, size: int | None = None
) -> int:
    """Write the run's chunks unless they exist; returns how many it has."""
    existing = BillingChunk.objects.filter(run_key=run_key).count()
    if existing:
        return existing
    size = size or chunk_size()
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [
        BillingChunk(
            run_key=run_key,
            number=n,
            period_start=period.start,
            period_end=period.end,
            customer_ids=ids[offset : offset + size],
            issue=issue,
        )
        for n, offset in enumerate(range(0, len(ids), size), start=1)
    ]
    try:
        with transaction.atomic():
            BillingChunk.objects.bulk_create(chunks)
    except IntegrityError:
        pass  # another worker planned the same run first
    return BillingChunk.objects.filter(run_key=run_key).count()


def bill_next_chunk(run_key: str, *, worker: str, now: datetime | None = None) -> int | None:
    """Take the next queued chunk of the run and bill its customers as
    drafts, in one transaction: the chunk stays locked (other workers skip
    it) until its drafts and its ``done`` are committed together. A worker
    killed part-way commits nothing: the chunk is queued again, with none of
    its drafts, for the next worker. Returns the chunk's number, ``None``
    when no chunk is left queued."""
    at = now or clock.now()
    with transaction.atomic():
        chunk = (
            BillingChunk.objects.select_for_update(skip_locked=True)
            .filter(run_key=run_key, status=BillingChunkStatus.QUEUED)
            .order_by("number")
            .first()
        )
        if chunk is None:
            return None
        claimed_at = clock.now()
        result = do_run_billing(
            acting_user=None,
            period=Period(chunk.period_start, chunk.period_end),
            now=at,
            issue=False,
            customer_ids=chunk.customer_ids,
        )
        BillingChunk.objects.filter(pk=chunk.pk).update(
            status=BillingChunkStatus.DONE,
            worker=worker[:200],
            invoice_ids=[invoice.pk for invoice in result.invoices],
            claimed_at=claimed_at,
            finished_at=clock.now(),
        )
    return chunk.number


def finish_run(run_key: str, *, now: datetime | None = None) -> int | None:
    """Number the run's drafts once every chunk is done, in customer then
    draft order; ``None`` while a chunk is queued or running, or when
    another worker finished the run. Returns the invoices issued."""
    at = now or clock.now()
    with transaction.atomic():
        chunks = list(
            BillingChunk.objects.select_for_update().filter(run_key=run_key).order_by("number")
        )
        if not chunks or any(c.status != BillingChunkStatus.DONE for c in chunks):
            return None
        ids = [pk for chunk in chunks for pk in chunk.invoice_ids]
        drafts = Invoice.objects.filter(pk__in=ids, status=InvoiceStatus.DRAFT).order_by(
            "customer_id", "pk"
        )
        issued = 0
        if chunks[0].issue:
            for invoice in drafts:
                do_issue_invoice(acting_user=None, invoice=invoice, now=at)
                issued += 1
        BillingChunk.objects.filter(pk__in=[c.pk for c in chunks]).update(
            status=BillingChunkStatus.ISSUED
        )
    return issued


def work_on_run(run_key: str, *, now: datetime | None = None) -> dict[str, Any]:
    """One worker's share: bill chunks until none is queued, then finish the
    run if every chunk is done. A chunk whose billing fails is rolled back
    whole and stays queued for the next worker; this job fails with the
    error."""
    worker = worker_name()
    billed = []
    while (number := bill_next_chunk(run_key, worker=worker, now=now)) is not None:
        billed.append(number)
    issued = finish_run(run_key, now=now)
    return {"run": run_key, "chunks": billed, "issued": issued}
