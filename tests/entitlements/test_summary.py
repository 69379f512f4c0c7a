from datetime import date, timedelta

from django.test import TestCase

from supportledger.desk.actions import do_record_work
from supportledger.entitlements.actions import (
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

    def test_reads_the_cached_balances_in_three_queries(self):
        with self.assertNumQueries(3):
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
