"""An annual maintenance contract (seed S2) is billed its fee once a year:
in the month each contract year starts, never in the other months, and
again when its next year starts."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import TestCase

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period, fee_periods
from supportledger.billing.models import InvoiceLine, LineKind
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.billing.scenario import set_up_billing_settings
from tests.cast import SET_UP_AT, build_cast

YEARS = (2026, 2027, 2028)


def months(year):
    return [f"{year}-{month:02d}" for month in range(1, 13)]


def run_at(label):
    """Billing of a month runs on the 1st of the next one."""
    period = Period.month(label)
    day = period.end.toordinal() + 1
    return period, datetime.combine(date.fromordinal(day), datetime.min.time(), tzinfo=UTC)


def test_a_year_from_mid_march_is_due_only_in_march():
    for label in months(2026) + months(2027):
        due = fee_periods(
            starts=date(2026, 3, 15),
            ends=date(2027, 3, 14),
            billing_period="year",
            period=Period.month(label),
        )
        if label == "2026-03":
            assert due == [(date(2026, 3, 15), date(2027, 3, 14))]
        else:
            assert due == [], label


def test_a_two_year_contract_is_due_in_each_years_first_month():
    due = {
        label: fee_periods(
            starts=date(2026, 1, 1),
            ends=date(2027, 12, 31),
            billing_period="year",
            period=Period.month(label),
        )
        for label in months(2026) + months(2027) + months(2028)
    }
    assert due.pop("2026-01") == [(date(2026, 1, 1), date(2026, 12, 31))]
    assert due.pop("2027-01") == [(date(2027, 1, 1), date(2027, 12, 31))]
    assert all(value == [] for value in due.values())


class BillingAnAnnualContractMonthByMonth(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast("annual_maintenance_gr")
        set_up_billing_settings()
        # A maintenance contract for 2026 and 2027, 480.00 EUR a year, and
        # one of another customer whose year starts in mid-March.
        cls.calendar = do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2027, 12, 31),
            fee=Decimal("480.00"),
            currency="EUR",
            billing_period="year",
            now=SET_UP_AT,
        )
        cls.mid_march = do_sell_contract(
            acting_user=None,
            customer=cls.cast.zeta,
            starts=date(2026, 3, 15),
            ends=date(2028, 3, 14),
            fee=Decimal("600.00"),
            currency="EUR",
            billing_period="year",
            now=SET_UP_AT,
        )

    def bill_every_month(self):
        """Run every month of 2026-2028 in order; the fee lines of each."""
        billed = {}
        for year in YEARS:
            for label in months(year):
                period, now = run_at(label)
                do_run_billing(acting_user=None, period=period, now=now)
                lines = InvoiceLine.objects.filter(
                    kind=LineKind.CONTRACT_FEE, invoice__billing_period=label
                )
                billed[label] = sorted(
                    (line.entitlement_id, line.fee_period_start, line.amount) for line in lines
                )
        return billed

    def test_each_contract_year_is_billed_once_in_the_month_it_starts(self):
        billed = self.bill_every_month()
        expected = {
            "2026-01": [(self.calendar.pk, date(2026, 1, 1), Decimal("480.00"))],
            "2026-03": [(self.mid_march.pk, date(2026, 3, 15), Decimal("600.00"))],
            "2027-01": [(self.calendar.pk, date(2027, 1, 1), Decimal("480.00"))],
            "2027-03": [(self.mid_march.pk, date(2027, 3, 15), Decimal("600.00"))],
        }
        for label, lines in billed.items():
            assert lines == expected.get(label, []), label
        # Two years each, one active line per year, never more.
        assert InvoiceLine.objects.filter(kind=LineKind.CONTRACT_FEE, active=True).count() == 4

    def test_rerunning_the_month_a_year_starts_bills_nothing_again(self):
        period, now = run_at("2026-01")
        first = do_run_billing(acting_user=None, period=period, now=now).invoices
        assert len(first) == 1
        assert do_run_billing(acting_user=None, period=period, now=now).invoices == []
        # Nor does a later month of the same year pick it up.
        period, now = run_at("2026-02")
        assert do_run_billing(acting_user=None, period=period, now=now).invoices == []
