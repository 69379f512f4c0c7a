from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase

from supportledger.billing.actions import run as billing_run
from supportledger.billing.actions.invoices import do_cancel_invoice, do_issue_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice, InvoiceLine, LineKind
from supportledger.customers.models import Contact
from supportledger.service.actions.claims import do_file_claim, do_reject_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.models import TravelCharge
from supportledger.service.queries import list_unbilled_travel_charges
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at, switch_on_features

MARCH = Period.month("2026-03")


class TravelOfRejectedClaims(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        switch_on_features("claims")
        petya = Contact.objects.get(customer=cls.cast.acme)
        work = record(cls.cast, request, "W1", at(MARCH_4, 7), at(MARCH_4, 8))
        do_confirm_work(acting_user=None, work=work, contact=petya, now=at(MARCH_4, 10))
        claim = do_file_claim(
            acting_user=None,
            work=work,
            contact=petya,
            description="The report prints the old VAT rate.",
            now=at(MARCH_4, 12),
        )
        do_reject_claim(
            acting_user=None,
            claim=claim,
            note="The fault is in the printer driver.",
            visited_on_site=True,
            now=at(MARCH_4 + timedelta(days=1), 9),
        )
        cls.charge = TravelCharge.objects.get()

    def test_the_billing_run_bills_the_travel_once_and_marks_the_charge_billed(self):
        result = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        [invoice] = result.invoices
        [line] = invoice.lines.filter(kind=LineKind.TRAVEL)
        assert line.travel_charge_id == self.charge.pk
        assert line.amount == Decimal("20.00")
        assert line.description.startswith("Пътни разходи: рекламация №")  # Acme writes Bulgarian
        charge = TravelCharge.objects.get(pk=self.charge.pk)
        assert charge.billed_at == BILLED_AT
        assert list(list_unbilled_travel_charges()) == []
        # A rerun (after a crash, or a second worker) bills nothing again.
        rerun = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT + timedelta(hours=1))
        assert rerun.invoices == []
        assert InvoiceLine.objects.filter(travel_charge=self.charge).count() == 1
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at == BILLED_AT

    def test_a_charge_of_a_later_month_waits_for_that_months_run(self):
        result = do_run_billing(acting_user=None, period=Period.month("2026-02"), now=BILLED_AT)
        assert not InvoiceLine.objects.filter(kind=LineKind.TRAVEL).exists()
        assert all(i.period_end == date(2026, 2, 28) for i in result.invoices)
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at is None

    def test_the_database_refuses_a_second_active_line_for_the_same_charge(self):
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceLine.objects.create(
                invoice=invoice,
                position=99,
                kind=LineKind.TRAVEL,
                description="again",
                amount=Decimal("20.00"),
                travel_charge=self.charge,
            )

    def test_a_failed_invoice_leaves_the_charge_unbilled_and_no_line(self):
        original = billing_run._audit_billed

        def audit_then_fail(*args, **kwargs):
            original(*args, **kwargs)
            raise RuntimeError("disk full")

        with (
            mock.patch.object(billing_run, "_audit_billed", audit_then_fail),
            pytest.raises(RuntimeError),
        ):
            do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at is None
        assert not InvoiceLine.objects.filter(travel_charge=self.charge).exists()
        assert not Invoice.objects.exists()
        # The next run bills it.
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        assert invoice.lines.filter(travel_charge=self.charge).exists()

    def test_a_charge_on_a_draft_counts_as_billed_only_when_the_draft_is_issued(self):
        [draft] = do_run_billing(
            acting_user=None, period=MARCH, now=BILLED_AT, issue=False
        ).invoices
        assert draft.lines.filter(travel_charge=self.charge).exists()
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at is None
        # On an active draft line it is not picked again.
        assert do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices == []
        issued_at = BILLED_AT + timedelta(days=1)
        do_issue_invoice(acting_user=None, invoice=draft, now=issued_at)
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at == issued_at
        assert list(list_unbilled_travel_charges()) == []
        assert InvoiceLine.objects.filter(travel_charge=self.charge).count() == 1

    def test_a_cancelled_draft_frees_the_charge_for_the_next_run_billed_once(self):
        [draft] = do_run_billing(
            acting_user=None, period=MARCH, now=BILLED_AT, issue=False
        ).invoices
        do_cancel_invoice(acting_user=None, invoice=draft, now=BILLED_AT)
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at is None
        assert list(list_unbilled_travel_charges()) == [self.charge]
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        assert invoice.lines.get(kind=LineKind.TRAVEL).travel_charge_id == self.charge.pk
        assert TravelCharge.objects.get(pk=self.charge.pk).billed_at == BILLED_AT
        # The cancelled draft's line stays, inactive; one active line bills it.
        assert InvoiceLine.objects.filter(travel_charge=self.charge).count() == 2
        assert InvoiceLine.objects.filter(travel_charge=self.charge, active=True).count() == 1
        assert do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices == []

    def test_the_database_refuses_a_second_active_line_beside_a_draft(self):
        [draft] = do_run_billing(
            acting_user=None, period=MARCH, now=BILLED_AT, issue=False
        ).invoices
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceLine.objects.create(
                invoice=draft,
                position=99,
                kind=LineKind.TRAVEL,
                description="again",
                amount=Decimal("20.00"),
                travel_charge=self.charge,
            )
