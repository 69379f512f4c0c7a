from datetime import date, timedelta

from django.test import TestCase

from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.queries import get_entitlement_summary
from tests.cast import at, build_cast, open_request


class EntitlementSummary(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        acme, year = cls.cast.acme, (date(2026, 1, 1), date(2026, 12, 31))
        cls.cast.accounting.warranty_months = 12
        cls.cast.accounting.save()
        do_sell_licence(
            acting_user=None, customer=acme, product=cls.cast.accounting, sold_on=year[0]
        )
        do_sell_contract(
            acting_user=None,
            customer=acme,
            starts=year[0],
            ends=year[1],
            minutes_per_month=60,
            products=[cls.cast.payroll],
        )
        do_sell_incident_pack(
            acting_user=None, customer=acme, incidents=2, starts=year[0], ends=year[1]
        )
        for _ in range(3):
            do_sell_voucher(
                acting_user=None, customer=acme, minutes=600, starts=year[0], ends=year[1]
            )
        request = open_request(acme)
        for n in range(5):
            start = at(date(2026, 3, 2) + timedelta(days=n), 8)
            do_record_work(
                acting_user=None,
                work_id=f"W{n}",
                request=request,
                agent=cls.cast.ivan,
                started_at=start,
                ended_at=start + timedelta(minutes=50),
                mode="remote",
                category="configuration",
                product=cls.cast.payroll,
            )

    def test_reads_the_cached_balances_in_one_query(self):
        with self.assertNumQueries(1):
            lines = get_entitlement_summary(self.cast.acme, on=date(2026, 3, 31))
        by_kind = {}
        for line in lines:
            by_kind.setdefault(line.kind, []).append(line)
        assert by_kind["warranty"][0].products == frozenset({"ACC"})
        contract = by_kind["contract"][0]
        assert (contract.products, contract.allowance_used) == (frozenset({"PAY"}), 60)
        assert sorted(v.balance_minutes for v in by_kind["prepaid_hours"]) == [360, 600, 600]
        assert by_kind["incident_pack"][0].balance_incidents == 2

    def test_the_allowance_of_another_month_is_untouched(self):
        lines = get_entitlement_summary(self.cast.acme, on=date(2026, 4, 1))
        assert next(line for line in lines if line.kind == "contract").allowance_used == 0
        assert next(line for line in lines if line.kind == "contract").allowance_this_month == 60


class RolloverAllowanceInTheSummary(TestCase):
    """A rolling-over contract's month holds its allowance plus last month's
    unused minutes: the summary shows the same figure the rating draws on."""

    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        acme = cls.cast.acme
        cls.contract = do_sell_contract(
            acting_user=None,
            customer=acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            minutes_per_month=120,
            rollover=True,
            products=[cls.cast.payroll],
        )
        request = open_request(acme)
        # 60 of 120 used in March: 60 carried into April, 180 usable there.
        for work_id, day, minutes in [
            ("MAR", date(2026, 3, 3), 60),
            ("APR", date(2026, 4, 7), 120),
        ]:
            start = at(day, 8)
            do_record_work(
                acting_user=None,
                work_id=work_id,
                request=request,
                agent=cls.cast.ivan,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
                mode="remote",
                category="configuration",
                product=cls.cast.payroll,
            )

    def line_on(self, day):
        lines = get_entitlement_summary(self.cast.acme, on=day)
        return next(line for line in lines if line.id == self.contract.pk)

    def test_april_counts_march_unused_minutes(self):
        april = self.line_on(date(2026, 4, 30))
        assert (april.allowance_used, april.allowance_this_month) == (120, 180)

    def test_march_carries_nothing_from_the_first_month(self):
        # February was unused entirely, so March also carries 120.
        march = self.line_on(date(2026, 3, 31))
        assert (march.allowance_used, march.allowance_this_month) == (60, 240)

    def test_the_first_month_of_the_contract_carries_nothing(self):
        january = self.line_on(date(2026, 1, 15))
        assert january.allowance_this_month == 120
