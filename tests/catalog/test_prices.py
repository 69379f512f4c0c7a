from datetime import date
from decimal import Decimal

from django.test import TestCase

from supportledger.catalog.actions import do_set_product_price
from supportledger.catalog.queries import get_product_price_on
from tests.cast import build_cast


class ProductPriceOnADay(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        for day, amount in ((date(2025, 1, 1), "7990"), (date(2026, 7, 1), "8990")):
            do_set_product_price(
                acting_user=None,
                product=cls.cast.accounting,
                effective_from=day,
                amount=Decimal(amount),
                currency="RUB",
            )

    def test_a_renewal_uses_the_price_in_force_on_its_date(self):
        assert get_product_price_on(self.cast.accounting, date(2026, 6, 30)).amount == 7990
        assert get_product_price_on(self.cast.accounting, date(2026, 7, 1)).amount == 8990

    def test_there_is_no_price_before_the_first(self):
        assert get_product_price_on(self.cast.accounting, date(2024, 12, 31)) is None
