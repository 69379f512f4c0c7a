"""Seed S2 through the actions: Premium phone support is given "εργάσιμες
ώρες και ημέρες" (business hours and days); e-mail support is not limited."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_incident_pack
from tests.cast import SET_UP_AT, build_cast

ATHENS = ZoneInfo("Europe/Athens")
WEDNESDAY = date(2026, 3, 4)


def athens(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 4, hour, minute, tzinfo=ATHENS)


class GreekPremiumPhone(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast("annual_maintenance_gr")
        cls.maintenance = do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            updates=True,
            now=SET_UP_AT,
        )
        cls.pack = do_sell_incident_pack(
            acting_user=None,
            customer=cls.cast.acme,
            incidents=4,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            requires="contract",
            now=SET_UP_AT,
        )
        cls.request = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            subject="Τιμολόγιο",
            category="consultation",
            channel="email",
            now=SET_UP_AT,
        )

    def record(self, work_id, start, end, mode):
        return do_record_work(
            acting_user=None,
            work_id=work_id,
            request=self.request,
            agent=self.cast.maria,
            started_at=start,
            ended_at=end,
            mode=mode,
            category="consultation",
            product=self.cast.accounting,
            now=end,
        )

    def test_a_premium_call_in_business_hours_uses_an_incident(self):
        work = self.record("GR-1", athens(10), athens(10, 12), "phone")
        assert work.ratings.get(current=True).amount == Decimal("0.00")
        self.pack.refresh_from_db()
        assert self.pack.balance_incidents == 3

    def test_a_premium_call_after_hours_is_refused_and_uses_no_incident(self):
        with pytest.raises(ActionRefused) as refused:
            self.record("GR-2", athens(18), athens(18, 12), "phone")
        assert refused.value.code == "outside_business_hours"
        self.pack.refresh_from_db()
        assert self.pack.balance_incidents == 4

    def test_an_e_mail_answered_after_hours_is_covered_by_the_maintenance_contract(self):
        work = self.record("GR-3", athens(18), athens(18, 20), "email")
        assert work.ratings.get(current=True).amount == Decimal("0.00")
