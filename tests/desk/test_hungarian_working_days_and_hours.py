"""The Hungarian vendor through the actions: the decree's working Saturdays
open the business calendar, support is given in business hours only, and
the warranty year covers the seed's services, not development."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase

from supportledger.core import policy_cache
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.convert import business_calendar
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_licence
from supportledger.entitlements.models import Kind
from tests.cast import SET_UP_AT, build_cast

BUDAPEST = ZoneInfo("Europe/Budapest")


def budapest(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BUDAPEST)


class HungarianVendor(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast("warranty_year_hu")
        cls.licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2026, 1, 5),
            now=SET_UP_AT,
        )
        cls.request = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            subject="Leltár",
            category="consultation",
            channel="phone",
            now=SET_UP_AT,
        )

    def record(self, work_id, start, end, category="consultation", mode="phone"):
        return do_record_work(
            acting_user=None,
            work_id=work_id,
            request=self.request,
            agent=self.cast.maria,
            started_at=start,
            ended_at=end,
            mode=mode,
            category=category,
            product=self.cast.accounting,
            now=end,
        )

    def test_the_sale_grants_a_warranty_year(self):
        warranty = self.licence.entitlements.get(kind=Kind.WARRANTY)
        assert (warranty.starts, warranty.ends) == (date(2026, 1, 5), date(2027, 1, 4))

    def test_the_decrees_working_saturday_is_a_business_day_and_the_vendor_can_edit_the_list(self):
        calendar = business_calendar(get_vendor_policy())
        assert calendar.is_business_day(date(2026, 1, 10))
        assert not calendar.is_business_day(date(2026, 1, 2))  # the Friday given off
        row = VendorPolicy.objects.get()
        row.extra_working_days = [*row.extra_working_days, "2026-03-07"]
        row.full_clean()
        row.save()
        policy_cache.request_started()  # the next request reads the edited policy
        assert business_calendar(get_vendor_policy()).is_business_day(date(2026, 3, 7))

    def test_a_policy_with_a_bad_extra_working_day_fails_validation_naming_it(self):
        row = VendorPolicy.objects.get()
        row.extra_working_days = ["2026-02-30"]
        with pytest.raises(Exception, match="2026-02-30"):
            row.full_clean()

    def test_phone_support_on_a_working_saturday_is_free_under_the_warranty(self):
        saturday = date(2026, 1, 10)
        work = self.record("HU-1", budapest(saturday, 9), budapest(saturday, 9, 40))
        rating = work.ratings.get(current=True)
        assert rating.amount == Decimal("0.00")

    def test_support_at_eight_in_the_evening_is_refused_and_nothing_is_written(self):
        evening = date(2026, 3, 4)
        with pytest.raises(ActionRefused) as refused:
            self.record("HU-2", budapest(evening, 20), budapest(evening, 20, 30))
        assert refused.value.code == "outside_business_hours"
        assert not self.request.work.filter(work_id="HU-2").exists()

    def test_support_on_an_ordinary_saturday_is_refused(self):
        saturday = date(2026, 3, 7)
        with pytest.raises(ActionRefused) as refused:
            self.record("HU-3", budapest(saturday, 10), budapest(saturday, 10, 30))
        assert refused.value.code == "outside_business_hours"

    def test_eight_hours_of_in_house_development_are_billed_in_the_warranty_year(self):
        day = date(2026, 3, 4)
        work = self.record(
            "HU-4", budapest(day, 8), budapest(day, 16), category="development", mode="inhouse"
        )
        rating = work.ratings.get(current=True)
        assert rating.billable_minutes == 480
        assert rating.amount == Decimal("96000.00")  # 8 h x 12000 HUF

    def test_a_first_response_due_friday_afternoon_falls_on_the_working_saturday(self):
        do_sell_contract(
            acting_user=None,
            customer=self.cast.zeta,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            response_business_minutes=120,
            now=SET_UP_AT,
        )
        friday = budapest(date(2026, 1, 9), 15)
        request = do_open_request(
            acting_user=None,
            customer=self.cast.zeta,
            subject="A számla nem nyomtatható",
            category="defect",
            channel="phone",
            now=friday,
        )
        assert request.response_due_at == budapest(date(2026, 1, 10), 9)
