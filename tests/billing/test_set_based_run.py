"""The set-based billing run writes exactly what the per-customer run it
replaced wrote (kept in ``reference_run.py``), on the demo data of every
preset: the same invoices, lines (every column, as stored), totals and
numbers, the same counter, audit rows, national documents, queued mail and
rendered invoices. Each run is rolled back after its rows are read, so both
run on identical data; ids are compared through what they point at, so the
comparison holds on PostgreSQL too, where a rollback does not return ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from pypdf import PdfReader

from supportledger.billing.actions import run as billing_run
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice
from supportledger.billing.pdf import invoice_html, render_invoice_pdf
from supportledger.customers.models import Customer
from supportledger.demo.build import build_small
from supportledger.desk.models import WorkRating
from supportledger.rules.presets import PRESET_NAMES
from tests.billing.reference_run import reference_run_billing

TODAY = date(2026, 6, 1)
MAY = Period.month("2026-05")
BILLED_AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

# Tables a billing run writes, and which of their columns point at a row
# the run wrote itself (compared as that row's position among the run's).
WRITTEN = {
    "billing_invoice": (),
    "billing_invoiceline": ("invoice_id",),
    "billing_nationaldocument": ("invoice_id",),
    "intake_outboundmail": (),
    "intake_outboundattachment": ("mail_id", "source_id"),
    "core_auditentry": ("object_id",),
}
UNCOMPARABLE = {"id", "message_id"}  # ids; a Message-ID is new for every mail


def _last_ids() -> dict[str, int]:
    with connection.cursor() as cursor:
        last = {}
        for table in [*WRITTEN, "billing_invoicecounter"]:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            last[table] = cursor.fetchone()[0]
        return last


def _rows(table: str, after: int) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id > %s ORDER BY id", [after])  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _capture(before: dict[str, int], invoices: list[Invoice]) -> dict[str, Any]:
    """What the run wrote, as stored, with the ids of rows it wrote replaced
    by their position among them."""
    written = {table: _rows(table, before[table]) for table in WRITTEN}
    position = {
        table: {row["id"]: n for n, row in enumerate(rows)} for table, rows in written.items()
    }
    refers = {
        "invoice_id": "billing_invoice",
        "mail_id": "intake_outboundmail",
        "source_id": "billing_invoice",
    }
    seen: dict[str, Any] = {}
    for table, rows in written.items():
        kept = []
        for row in rows:
            row = {k: v for k, v in row.items() if k not in UNCOMPARABLE}
            for column in WRITTEN[table]:
                if column == "object_id":
                    if row["object_type"] == "billing.invoice":
                        row[column] = position["billing_invoice"][int(row[column])]
                elif row[column] is not None:
                    row[column] = position[refers[column]][int(row[column])]
            kept.append(row)
        # Audit rows of one invoice may be written in another order.
        seen[table] = sorted(kept, key=repr) if table == "core_auditentry" else kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT series, year, last_number FROM billing_invoicecounter ORDER BY id")
        seen["counters"] = cursor.fetchall()
    seen["returned"] = [
        (position["billing_invoice"][invoice.pk], invoice.number, invoice.total_amount)
        for invoice in invoices
    ]
    seen["html"] = [
        invoice_html(invoice)
        for invoice in Invoice.objects.filter(pk__in=position["billing_invoice"]).order_by("pk")
    ]
    return seen


class Rollback(Exception):
    pass


def _run(run: Any, **options: Any) -> dict[str, Any]:
    """What ``run`` writes (rolled back afterwards)."""
    seen: dict[str, Any] = {}
    try:
        with transaction.atomic():
            before = _last_ids()
            result = run(acting_user=None, period=MAY, now=BILLED_AT, **options)
            seen = _capture(before, result.invoices)
            seen["refused"] = result.refused
            after = _last_ids()
            # A rerun writes nothing.
            assert run(acting_user=None, period=MAY, now=BILLED_AT, **options).invoices == []
            assert _last_ids() == after
            raise Rollback
    except Rollback:
        pass
    return seen


def _compare_runs() -> int:
    """Both runs issuing, as drafts, and in batches of 5; returns how many
    invoices they wrote."""
    written = 0
    for options in ({}, {"issue": False}, {"batch_size": 5}):
        expected = _run(reference_run_billing, **options)
        assert _run(do_run_billing, **options) == expected, options
        written += len(expected["billing_invoice"])
    return written


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_set_based_run_writes_what_the_per_customer_run_wrote(preset):
    build_small(preset, today=TODAY, customers=12)
    _compare_runs()
    # Every other piece of work billable too (most of the demo's work is paid
    # for by what the customers hold): long invoices, work of earlier months.
    ratings = WorkRating.objects.filter(current=True).order_by("pk").values_list("pk", flat=True)
    WorkRating.objects.filter(pk__in=list(ratings)[::2]).update(
        billable_minutes=60, counted_minutes=75, amount=Decimal("40.00")
    )
    assert _compare_runs() > 0


@pytest.mark.slow
@pytest.mark.django_db
def test_the_set_based_run_renders_the_same_pdf():
    """The same text on every page and the same embedded e-invoice (the PDF's
    creation time, to the second, is the only other difference possible)."""
    build_small("remote_sla_pl", today=TODAY, customers=6)

    def first_pdf(run: Any) -> tuple[list[str], dict[str, list[bytes]]]:
        pdf = b""
        try:
            with transaction.atomic():
                [invoice, *_rest] = run(acting_user=None, period=MAY, now=BILLED_AT).invoices
                pdf = render_invoice_pdf(Invoice.objects.get(pk=invoice.pk))
                raise Rollback
        except Rollback:
            pass
        reader = PdfReader(BytesIO(pdf))
        return [page.extract_text() for page in reader.pages], dict(reader.attachments)

    pages, attachments = first_pdf(do_run_billing)
    assert pages
    assert "factur-x.xml" in attachments
    assert (pages, attachments) == first_pdf(reference_run_billing)


@pytest.mark.django_db
def test_a_batch_that_meets_a_line_another_run_wrote_bills_what_is_left_customer_by_customer():
    from tests.billing.scenario import BILLED_AT as MARCH_BILLED_AT
    from tests.billing.test_divided_run import MARCH, _subscribers

    _subscribers(3)
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    first_subscriber = Invoice.objects.none()
    original = billing_run._line_rows_for_customers
    calls = 0

    def another_run_bills_one_meanwhile(customers: Any, run: Any) -> Any:
        nonlocal calls, first_subscriber
        rows = original(customers, run)
        calls += 1
        if calls == 1:  # the batch's lines are read; another run bills one of them
            billed = next(pk for pk in ids if pk in rows)
            reference_run_billing(
                acting_user=None,
                period=MARCH,
                now=MARCH_BILLED_AT,
                customer=Customer.objects.get(pk=billed),
            )
            first_subscriber = Invoice.objects.filter(customer_id=billed)
        return rows

    with mock.patch.object(
        billing_run, "_line_rows_for_customers", another_run_bills_one_meanwhile
    ):
        result = do_run_billing(acting_user=None, period=MARCH, now=MARCH_BILLED_AT)
    [other] = first_subscriber
    assert other.number.endswith("-000001")
    assert other.customer_id not in [invoice.customer_id for invoice in result.invoices]
    numbers = [invoice.number for invoice in result.invoices]
    assert len(numbers) == 2
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [2, 3]
    # Nothing is billed twice, and a rerun finds nothing.
    assert Invoice.objects.count() == 3
    assert do_run_billing(acting_user=None, period=MARCH, now=MARCH_BILLED_AT).invoices == []
