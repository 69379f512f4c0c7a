# ruff: noqa: RUF001  (Russian company names)
"""Seed S3, Russia: a product comes with six months of support; after that a
renewal for 12 months costs 25 % of the product's price within a month of the
end, 45 % later (from the renewal day); without support, no consultations.

From the preset: RUB, rounded to whole roubles half up; support covers
consultations and defects in writing (e-mail, chat, portal), never by
phone; uncovered work is refused. The vendor sells no vouchers, packs or
contracts. The product costs 7 990. VAT: a Russian customer of a Russian
vendor pays the domestic rate in force on the date of supply, 22 % from
1 January 2026 (Tax Code art. 164(3) as amended by federal law 425-FZ;
20 % before).
(Another change in progress starts the standard renewal from the product's
activation rather than the renewal day; Pi's dates below will follow it.)
"""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_place_order
from supportledger.catalog.actions import do_set_product_price
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement
from tests.scenarios.story import (
    SET_UP,
    agent,
    ask,
    bill,
    buy,
    charge,
    customer,
    lines,
    local,
    product,
    set_up_vendor,
    work,
)


class ASupportPeriodVendorInMoscow(TestCase):
    def test_support_renewals_and_a_months_billing(self):
        set_up_vendor("support_period_ru")
        studio = product("STUDIO")
        do_set_product_price(
            acting_user=None,
            product=studio,
            effective_from=date(2025, 1, 1),
            amount=Decimal("7990"),
            currency="RUB",
            now=SET_UP,
        )
        olga = agent([studio])
        omega = customer("ООО Омега", "ул. Арбат 10", "119002", "Moscow", "RU2000791910")
        pi = customer("ООО Пи", "ул. Баумана 3", "420111", "Kazan", "RU2001583817")
        omega_licence = do_sell_licence(
            acting_user=None, customer=omega, product=studio, sold_on=date(2026, 1, 15), now=SET_UP
        )
        do_sell_licence(
            acting_user=None, customer=pi, product=studio, sold_on=date(2025, 6, 2), now=SET_UP
        )
        support = Entitlement.objects.get(licence=omega_licence, kind="support_period")
        assert (support.starts, support.ends) == (date(2026, 1, 15), date(2026, 7, 14))
        assert (support.updates, support.terms["offer"]) == (True, "support_period")

        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None,
                customer=omega,
                kind="voucher",
                quantity=5,
                now=local(date(2026, 3, 4), 10),
            )
        assert refused.value.code == "not_offered"

        # In support: 40 min by e-mail -> 60 counted, free.
        r1 = ask(omega, "Как настроить печать", date(2026, 3, 4))
        w1 = work(olga, r1, "O1", date(2026, 3, 4), 10, 40, "email", "consultation", studio)
        assert charge(w1) == (60, 0, Decimal("0.00"))
        # By phone: no phone support, refused.
        with pytest.raises(ActionRefused) as refused:
            work(olga, r1, "O2", date(2026, 3, 4), 11, 10, "phone", "consultation", studio)
        assert refused.value.code == "not_entitled"
        # Pi's support ended on 1 December 2025: refused.
        r2 = ask(pi, "Ошибка", date(2026, 3, 4))
        with pytest.raises(ActionRefused) as refused:
            work(olga, r2, "P1", date(2026, 3, 4), 12, 20, "email", "defect", studio)
        assert refused.value.code == "not_entitled"

        # Pi renews on 4 March 2026, over a month after the end: standard,
        # 45 % of 7 990 = 3 595.50 -> 3 596, 12 months from the renewal day.
        pi_support = Entitlement.objects.get(customer=pi, kind="support_period")
        late = buy(pi, "renewal", date(2026, 3, 4), entitlement=pi_support)
        assert late.amount == Decimal("3596.00")
        assert (late.granted.starts, late.granted.ends) == (date(2026, 3, 4), date(2027, 3, 3))
        # Now Pi's e-mail is answered free.
        w3 = work(olga, r2, "P2", date(2026, 3, 5), 9, 20, "email", "defect", studio)
        assert charge(w3) == (60, 0, Decimal("0.00"))

        # Omega renews on 20 July 2026, within the month of grace: 25 % of
        # 7 990 = 1 997.50 -> 1 998, from the old end: to 14 July 2027.
        # Placed only; July's run bills it.
        grace = do_place_order(
            acting_user=None,
            customer=omega,
            kind="renewal",
            entitlement=support,
            now=local(date(2026, 7, 20), 10),
        )
        assert grace.amount == Decimal("1998.00")
        july = bill("2026-07", date(2026, 8, 1))
        assert set(july) == {omega.pk}
        assert lines(july[omega.pk]) == [("order", Decimal("1998.00"))]
        # 1 998.00 + 22 % (the rate since 2026) = 1 998.00 + 439.56 = 2 437.56.
        assert july[omega.pk].total_amount == Decimal("2437.56")
        paid_on = local(date(2026, 8, 3), 9)
        do_mark_invoice_paid(acting_user=None, invoice=july[omega.pk], now=paid_on)
        grace.refresh_from_db()
        assert (grace.granted.starts, grace.granted.ends) == (date(2026, 7, 15), date(2027, 7, 14))
        kinds = sorted(Entitlement.objects.values_list("customer__organisation", "kind"))
        assert kinds == [("ООО Омега", "support_period")] * 2 + [("ООО Пи", "support_period")] * 2
