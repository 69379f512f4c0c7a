"""Seed S1, Hungary: support is free for a year after the sale, then under a
follow-up contract, else billed by the hour.

From the preset: HUF; remote and phone 12 000 an hour; per started 60
minutes (30 under an SLA contract, which this vendor does not sell);
business days 08:00-16:00 Budapest. Warranty: 12 months from the sale, every
category free by phone and remote. Follow-up contract: 12 months, every
category free by every mode but on site, updates, 19 900 a month. VAT 27 %.
(Another change in progress rewrites what the warranty covers; this story
keeps to consultation and legislation by phone, which it covers either way.)
"""

from datetime import date
from decimal import Decimal

from django.test import TestCase

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
    product,
    set_up_vendor,
    work,
)


class AWarrantyYearVendorInBudapest(TestCase):
    def test_a_month_of_sales_work_and_billing(self):
        set_up_vendor("warranty_year_hu")
        acc = product("KONYV")
        eszter = agent([acc])
        # Kappa: warranty over; buys a contract
        kappa = customer("Kappa Kft.", "Andrássy út 10", "1061", "Budapest", "HU20007913")
        # Lambda: still in its warranty year
        lambda_ = customer("Lambda Bt.", "Piac utca 20", "4025", "Debrecen", "HU20015831")
        # Mu: warranty over, no contract
        mu = customer("Mu Zrt.", "Kárász utca 5", "6720", "Szeged", "HU20023759")
        for who, sold in (
            (kappa, date(2025, 1, 10)),
            (lambda_, date(2025, 6, 2)),
            (mu, date(2024, 11, 4)),
        ):
            do_sell_licence(acting_user=None, customer=who, product=acc, sold_on=sold, now=SET_UP)
        warranty = Entitlement.objects.get(customer=lambda_, kind="warranty")
        assert (warranty.starts, warranty.ends) == (date(2025, 6, 2), date(2026, 6, 1))
        assert warranty.terms["offer"] == "warranty"  # the terms it was granted on

        follow_up = buy(kappa, "contract", date(2026, 3, 2))
        assert follow_up.amount == Decimal("19900.00")  # March, billed by the order
        contract = follow_up.granted
        assert (contract.starts, contract.ends) == (date(2026, 3, 2), date(2027, 3, 1))
        assert (contract.updates, contract.sla, contract.minutes_per_month) == (True, False, 0)
        assert (contract.fee, contract.billing_period, contract.fees_from) == (
            Decimal("19900.00"),
            "month",
            date(2026, 4, 1),
        )

        # Kappa: 45 min remote consultation, covered by the contract: per
        # started 60 -> 60 counted, free.
        k = ask(kappa, "Leltár", date(2026, 3, 4))
        k1 = work(eszter, k, "K1", date(2026, 3, 4), 10, 45, "remote", "consultation", acc)
        assert charge(k1) == (60, 0, Decimal("0.00"))
        # Lambda: 30 min by phone on a law change, in its warranty year: free.
        m = ask(lambda_, "Áfa változás", date(2026, 3, 5), channel="phone")
        l1 = work(eszter, m, "L1", date(2026, 3, 5), 9, 30, "phone", "legal", acc)
        assert charge(l1) == (60, 0, Decimal("0.00"))
        # Mu: no warranty, no contract: 70 min remote -> 120 x 12 000 / 60 =
        # 24 000; 20 min by phone -> 60 -> 12 000.
        r = ask(mu, "Nyomtatás", date(2026, 3, 10))
        m1 = work(eszter, r, "M1", date(2026, 3, 10), 9, 70, "remote", "configuration", acc)
        assert charge(m1) == (120, 120, Decimal("24000.00"))
        m2 = work(eszter, r, "M2", date(2026, 3, 10), 14, 20, "phone", "consultation", acc)
        assert charge(m2) == (60, 60, Decimal("12000.00"))

        march = bill("2026-03", date(2026, 4, 1))
        assert set(march) == {mu.pk}
        assert lines(march[mu.pk]) == [("work", Decimal("24000.00")), ("work", Decimal("12000.00"))]
        # 36 000 + 27 % = 45 720.
        assert (march[mu.pk].net_amount, march[mu.pk].total_amount) == (
            Decimal("36000.00"),
            Decimal("45720.00"),
        )
        april = bill("2026-04", date(2026, 5, 1))
        assert set(april) == {kappa.pk}
        assert lines(april[kappa.pk]) == [("contract_fee", Decimal("19900.00"))]
        assert april[kappa.pk].total_amount == Decimal("25273.00")  # 19 900 + 5 373
        kinds = sorted(Entitlement.objects.values_list("customer__organisation", "kind"))
        assert kinds == [
            ("Kappa Kft.", "contract"),
            ("Kappa Kft.", "warranty"),
            ("Lambda Bt.", "warranty"),
            ("Mu Zrt.", "warranty"),
        ]
