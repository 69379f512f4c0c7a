"""Honest periods (only an ended month is billed; earlier unbilled work says
so) and the vendor's numbering series."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from supportledger.billing.actions.invoices import do_continue_number_series, do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import BillingSettings, Invoice
from supportledger.core.errors import ActionRefused
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at

MARCH = Period.month("2026-03")
APRIL = Period.month("2026-04")
DECEMBER = Period.month("2026-12")


class HonestPeriods(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, cls.request = build_billing_story()

    def test_billing_december_on_the_second_of_december_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            do_run_billing(acting_user=None, period=DECEMBER, now=at(date(2026, 12, 2), 9))
        assert refused.value.code == "period_not_ended"
        assert refused.value.message == (
            "The period 2026-12 ends on Dec 31, 2026; it can be billed from the next day on, "
            "once everything supplied in it is known."
        )
        assert Invoice.objects.count() == 0

    def test_the_bill_command_refuses_a_running_month_with_the_same_reason(self):
        with pytest.raises(CommandError, match=r"^period_not_ended: The period 2026-12 ends"):
            call_command(
                "bill", period="2026-12", now="2026-12-02T09:00:00+00:00", stdout=StringIO()
            )

    def test_a_month_is_billed_from_its_next_day_in_the_vendors_time_zone(self):
        # Sofia is UTC+2 in winter: 1 April 00:00 local is 31 March 21:00 UTC.
        result = do_run_billing(acting_user=None, period=MARCH, now=at(date(2026, 4, 1), 0))
        assert result.invoices

    def test_work_of_an_earlier_month_never_billed_is_listed_as_such(self):
        # March work recorded after March was billed goes on April's invoice.
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        record(self.cast, self.request, "LATE", at(MARCH_4, 13), at(MARCH_4, 15, 30))
        [april] = do_run_billing(
            acting_user=None, period=APRIL, now=at(date(2026, 5, 1), 6)
        ).invoices
        late = april.lines.get(work__work_id="LATE")
        assert late.supplied_on == MARCH_4
        assert late.detail["earlier_period"] is True
        assert late.description.startswith("Извършено в по-ранен период, нефактурирано досега")
        # The invoice states what it contains: from the late March work to April's fee.
        assert (april.period_start, april.period_end) == (MARCH_4, APRIL.end)
        assert april.billing_period == "2026-04"


class NumberingSeries(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))

    def test_a_series_continues_from_the_number_of_the_previous_program(self):
        BillingSettings.objects.filter(pk=1).update(
            number_prefix="", number_with_year=False, number_width=10, number_reset="never"
        )
        do_continue_number_series(acting_user=None, next_number=1234, now=BILLED_AT)
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        assert (invoice.number, invoice.year, invoice.sequence) == ("0000001234", 0, 1234)

    def test_a_series_never_goes_back_to_a_number_already_issued(self):
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        with pytest.raises(ActionRefused, match="next_number: 1 is already issued"):
            do_continue_number_series(acting_user=None, next_number=1, now=BILLED_AT)

    def test_credit_notes_have_their_own_series_when_the_vendor_wants(self):
        BillingSettings.objects.filter(pk=1).update(credit_note_prefix="CN")
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        note = do_credit_invoice(
            acting_user=None, invoice=invoice, reason="Wrong customer", now=BILLED_AT
        )
        assert invoice.number == "INV-2026-000001"
        assert note.number == "CN-2026-000001"
        assert note.due_on is None
        assert note.reason == "Wrong customer"

    def test_the_yearly_series_restarts_in_january(self):
        [march] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        [december] = do_run_billing(
            acting_user=None, period=DECEMBER, now=at(date(2027, 1, 4), 9)
        ).invoices
        assert (march.number, december.number) == ("INV-2026-000001", "INV-2027-000001")
