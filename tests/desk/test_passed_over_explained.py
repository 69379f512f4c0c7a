"""A recorded rating and the cost preview name every entitlement the
customer holds that did not pay, and why, in the reader's language: an
expired voucher, one drained by work dated later but recorded earlier, a
contract whose allowance is used up."""

from __future__ import annotations

from datetime import date

from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from supportledger.billing.explain import explain_rating
from supportledger.entitlements.actions.sales import do_sell_voucher
from tests.billing.scenario import build_billing_story, record
from tests.cast import SET_UP_AT, at

MARCH_4 = date(2026, 3, 4)
MARCH_10 = date(2026, 3, 10)


class EveryHeldEntitlementThatDidNotPayIsNamed(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        cls.expired = do_sell_voucher(
            acting_user=None,
            customer=cls.cast.acme,
            minutes=600,
            starts=date(2026, 1, 1),
            ends=date(2026, 2, 28),
            now=SET_UP_AT,
        )
        cls.voucher = do_sell_voucher(
            acting_user=None,
            customer=cls.cast.acme,
            minutes=60,
            starts=date(2026, 3, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        # Work of 10 March recorded first: the contract's 60 min of March,
        # then the voucher's 60 min.
        record(cls.cast, cls.request, "LATER", at(MARCH_10, 8), at(MARCH_10, 10))
        # Then work of 4 March, recorded afterwards: nothing is left for it.
        cls.work = record(cls.cast, cls.request, "EARLIER", at(MARCH_4, 8), at(MARCH_4, 9))
        cls.rating = cls.work.ratings.get(current=True)

    def test_the_stored_rating_names_each_entitlement_with_its_reason(self):
        assert self.rating.billable_minutes == 60
        assert {p["entitlement"]: (p["reason"], p["args"]) for p in self.rating.passed_over} == {
            self.contract.reference: ("allowance_used", {"minutes_per_month": 60}),
            self.voucher.reference: ("drained_by_later_work", {"minutes": 60}),
            self.expired.reference: ("expired", {"ends": "2026-02-28"}),
        }

    def test_the_explanation_says_why_in_english_and_in_polish(self):
        lines = explain_rating(self.rating, "en")
        assert (
            f"{self.voucher.reference} (prepaid hours) did not pay: its last 60 min were used "
            "by work dated later that was recorded earlier"
        ) in lines
        assert any(
            line.startswith(f"{self.expired.reference} (prepaid hours) did not pay: it expired")
            for line in lines
        )
        polish = explain_rating(self.rating, "pl")
        assert any("nie pokryło" in line and "wygasło" in line for line in polish)

    def test_the_request_page_shows_the_reasons_under_the_work_and_the_preview(self):
        self.client.force_login(self.cast.maria.user)
        with translation.override("en"):
            page = self.client.get(reverse("console:request", args=[self.request.pk]))
        text = page.content.decode()
        assert "did not pay: its last 60 min were used by work dated later" in text
        assert "did not pay: it expired on" in text
