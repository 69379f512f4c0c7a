"""A billing run may leave its invoices as drafts (``supportledger bill
--draft``, ``do_run_billing(issue=False)``): unnumbered, still billing what
they carry, so a rerun adds nothing; issuing a draft numbers it, cancelling
it frees its lines for the next run."""

from contextlib import redirect_stdout
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from supportledger.billing.actions.invoices import do_cancel_invoice, do_issue_invoice
from supportledger.billing.actions.orders import do_cancel_order, do_place_order
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus
from supportledger.core.models import AuditEntry
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at, open_request

MARCH = Period.month("2026-03")
APRIL_BILLED_AT = at(date(2026, 5, 1), 6)  # April is billed once it has ended


class ADraftRun(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        cls.work = record(cls.cast, cls.request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))

    def draft_march(self, **kwargs):
        return do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT, issue=False, **kwargs)

    def test_a_draft_run_writes_unnumbered_drafts_with_their_lines(self):
        [draft] = self.draft_march().invoices
        draft.refresh_from_db()
        assert draft.status == InvoiceStatus.DRAFT
        assert draft.number is None
        assert draft.sequence is None
        assert draft.issued_on is None
        assert draft.due_on is None
        assert [line.kind for line in draft.lines.order_by("position")] == [
            "contract_fee",
            "work",
        ]
        assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()
        audit = AuditEntry.objects.get(action="bill_period")
        assert audit.detail["issued"] is False

    def test_rerunning_a_draft_run_or_an_issuing_run_creates_nothing_new(self):
        self.draft_march()
        counts = (Invoice.objects.count(), InvoiceLine.objects.count())
        assert self.draft_march().invoices == []
        assert do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices == []
        assert (Invoice.objects.count(), InvoiceLine.objects.count()) == counts

    def test_cancelling_an_order_on_a_draft_cancels_the_draft_and_the_rest_is_billed_again(self):
        order = do_place_order(
            acting_user=None, customer=self.cast.acme, kind="voucher", quantity=5, now=BILLED_AT
        )
        [draft] = do_run_billing(
            acting_user=None, period=Period.month("2026-04"), now=APRIL_BILLED_AT, issue=False
        ).invoices
        assert draft.lines.filter(order=order).exists()
        do_cancel_order(acting_user=None, order=order, now=APRIL_BILLED_AT)
        draft.refresh_from_db()
        assert draft.status == InvoiceStatus.CANCELLED
        assert not draft.lines.filter(active=True).exists()
        # The next run bills what the draft carried, without the cancelled order.
        [again] = do_run_billing(
            acting_user=None, period=Period.month("2026-04"), now=APRIL_BILLED_AT, issue=False
        ).invoices
        kinds = sorted(line.kind for line in again.lines.all())
        assert kinds == sorted(line.kind for line in draft.lines.all() if line.order_id != order.pk)
        assert not again.lines.filter(order=order).exists()
        assert again.total_amount < draft.total_amount

    def test_drafts_issued_later_get_consecutive_numbers_on_their_issue_day(self):
        zeta_request = open_request(self.cast.zeta)
        record(self.cast, zeta_request, "Z1", at(MARCH_4, 10), at(MARCH_4, 11))
        drafts = self.draft_march().invoices
        assert len(drafts) == 2
        issue_at = BILLED_AT + timedelta(days=2)
        issued = [
            do_issue_invoice(acting_user=None, invoice=draft, now=issue_at) for draft in drafts
        ]
        assert [i.number for i in issued] == ["INV-2026-000001", "INV-2026-000002"]
        assert all(i.status == InvoiceStatus.ISSUED for i in issued)
        assert all(i.issued_on == date(2026, 4, 3) for i in issued)
        # Issued drafts stay billed: nothing new on a rerun.
        assert self.draft_march().invoices == []

    def test_a_cancelled_draft_frees_its_lines_for_the_next_run(self):
        [draft] = self.draft_march().invoices
        do_cancel_invoice(acting_user=None, invoice=draft, now=BILLED_AT)
        [again] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        assert again.number == "INV-2026-000001"
        assert again.lines.get(kind="work").work == self.work


class TheBillCommandWithDraft(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        record(cls.cast, cls.request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))

    def bill(self, *args):
        out = StringIO()
        with redirect_stdout(out):  # the command writes straight to stdout
            call_command("bill", "--period", "2026-03", "--now", BILLED_AT.isoformat(), *args)
        return out.getvalue()

    def test_draft_prints_the_drafts_and_numbers_nothing(self):
        out = self.bill("--draft")
        draft = Invoice.objects.get()
        assert f"draft id={draft.pk} customer={self.cast.acme.pk}" in out
        assert "done: 1 drafts for 2026-03" in out
        assert draft.status == InvoiceStatus.DRAFT
        assert draft.number is None
        assert "done: 0 drafts for 2026-03" in self.bill("--draft")
        assert "done: 0 invoices for 2026-03" in self.bill()
        assert Invoice.objects.count() == 1

    def test_without_draft_the_invoices_are_issued(self):
        out = self.bill()
        assert "INV-2026-000001 customer=" in out
        assert Invoice.objects.get().status == InvoiceStatus.ISSUED

    def test_a_bad_period_is_named(self):
        with pytest.raises(CommandError, match="--period"):
            call_command("bill", "--period", "2026-13", "--draft")
