from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase

from supportledger.billing.actions.invoices import (
    do_cancel_invoice,
    do_credit_invoice,
    do_issue_invoice,
    do_mark_invoice_paid,
)
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice, InvoiceLine, InvoiceStatus
from supportledger.core.errors import ActionRefused
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at

MARCH = Period.month("2026-03")


class BillingAMonth(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        # 65 min remote -> 120 min counted: 60 from SUB (allowance), 60 billable.
        cls.work = record(cls.cast, cls.request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))

    def run_march(self, **kwargs):
        return do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT, **kwargs)

    def test_the_run_bills_the_fee_and_the_billable_minutes_on_one_issued_invoice(self):
        result = self.run_march()
        assert len(result.invoices) == 1
        invoice = result.invoices[0]
        assert invoice.customer == self.cast.acme
        assert invoice.status == InvoiceStatus.ISSUED
        assert invoice.number == "INV-2026-000001"
        lines = list(invoice.lines.order_by("position"))
        assert [line.kind for line in lines] == ["contract_fee", "work"]
        assert lines[0].amount == Decimal("100.00")
        assert lines[1].work == self.work
        rating = self.work.ratings.get(current=True)
        assert lines[1].amount == rating.amount > 0
        assert invoice.net_amount == Decimal("100.00") + rating.amount
        assert invoice.vat_rate == Decimal("20")
        assert invoice.vat_amount == (invoice.net_amount * Decimal("0.2")).quantize(Decimal("0.01"))
        assert invoice.total_amount == invoice.net_amount + invoice.vat_amount
        assert invoice.issued_on == date(2026, 4, 1)
        assert invoice.due_on == date(2026, 4, 15)

    def test_the_work_line_explains_how_the_minutes_were_counted(self):
        invoice = self.run_march().invoices[0]
        line = invoice.lines.get(kind="work")
        # Acme reads Bulgarian: the contract by its name, not its code.
        assert "65" in line.description
        assert "120" in line.description
        assert self.contract.reference not in line.description
        assert "договор за поддръжка" in line.description
        assert "мин" in line.description
        assert line.supplied_on == MARCH_4

    def test_running_the_same_period_twice_creates_nothing_new(self):
        self.run_march()
        counts = (Invoice.objects.count(), InvoiceLine.objects.count())
        again = self.run_march()
        assert again.invoices == []
        assert (Invoice.objects.count(), InvoiceLine.objects.count()) == counts

    def test_work_recorded_after_the_run_goes_on_the_next_invoice_once(self):
        self.run_march()
        late = record(
            self.cast, self.request, "W2", at(date(2026, 3, 30), 8), at(date(2026, 3, 30), 10)
        )
        second = self.run_march().invoices
        assert len(second) == 1
        assert [line.work for line in second[0].lines.all()] == [late]
        assert second[0].number == "INV-2026-000002"

    def test_the_database_refuses_to_bill_a_piece_of_work_twice(self):
        invoice = self.run_march().invoices[0]
        line = invoice.lines.get(kind="work")
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceLine.objects.create(
                invoice=invoice,
                position=99,
                kind="work",
                description="again",
                amount=line.amount,
                work=line.work,
                work_rating=line.work_rating,
            )

    def test_a_customer_with_nothing_due_gets_no_invoice(self):
        result = self.run_march(customer=self.cast.zeta)
        assert result.invoices == []

    def test_an_issued_invoice_cannot_be_cancelled_only_credited(self):
        invoice = self.run_march().invoices[0]
        with pytest.raises(ActionRefused) as refused:
            do_cancel_invoice(acting_user=None, invoice=invoice, now=BILLED_AT)
        assert refused.value.code == "issued_invoice_is_final"
        note = do_credit_invoice(
            acting_user=None, invoice=invoice, reason="Wrong contract", now=BILLED_AT
        )
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.CANCELLED
        assert note.kind == "credit_note"
        assert note.credits == invoice
        assert note.number == "INV-2026-000002"
        assert note.total_amount == -invoice.total_amount
        assert sum(line.amount for line in note.lines.all()) == -invoice.net_amount
        # What was credited is not billed again by a later run.
        assert self.run_march().invoices == []

    def test_paying_moves_an_invoice_to_paid_and_never_back(self):
        invoice = self.run_march().invoices[0]
        paid = do_mark_invoice_paid(acting_user=None, invoice=invoice, now=BILLED_AT)
        assert paid.status == InvoiceStatus.PAID
        with pytest.raises(ActionRefused) as refused:
            do_mark_invoice_paid(acting_user=None, invoice=invoice, now=BILLED_AT)
        assert refused.value.code == "invalid_transition"
        with pytest.raises(ActionRefused):
            do_issue_invoice(acting_user=None, invoice=invoice, now=BILLED_AT)
