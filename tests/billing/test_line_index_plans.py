"""Invoice lines keep only the indexes billing reads through: each "is it
billed already" check of the monthly run finds its line through an index
(the partial unique one that also makes billing it twice impossible, or the
one of the lines where that reference is set), and an invoice's
lines come through (invoice, position). No plain index on a line's work,
rating or invoice is left to maintain for a million lines a month (see
docs/billing-speed.md), so these plans are what keeps the run from scanning
the lines."""

from datetime import UTC, datetime

import pytest

from supportledger.billing.actions.run import _unbilled_orders, _unbilled_ratings, _unbilled_travel
from supportledger.billing.convert import Period
from supportledger.billing.models import InvoiceLine
from tests.plans import query_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            lambda: _unbilled_ratings([1, 2], datetime(2026, 12, 1, tzinfo=UTC)),
            "invoiceline_work_billed_once",
        ),
        (
            lambda: _unbilled_orders([1, 2], Period.month("2026-11")),
            "invoiceline_order",
        ),
        (
            lambda: _unbilled_travel([1, 2], Period.month("2026-11")),
            "invoiceline_travel",
        ),
    ],
    ids=["work", "orders", "travel"],
)
def test_what_is_billed_already_is_found_through_an_index(query, index):
    """``index``: the start of the billed-once index's name, which is also
    that of the index of the lines where the reference is set (PostgreSQL
    may take either)."""
    plan = query_plan(query(), seqscan_dear=True)
    assert index in plan, plan
    assert "SCAN U0" not in plan, plan  # SQLite reading every line
    assert "Seq Scan on billing_invoiceline" not in plan, plan


def test_an_invoices_lines_are_read_through_their_positions():
    lines = InvoiceLine.objects.filter(invoice_id=1, active=True).order_by("position")
    plan = query_plan(lines, seqscan_dear=True)
    assert "invoiceline_position" in plan or "sqlite_autoindex_billing_invoiceline" in plan, plan
