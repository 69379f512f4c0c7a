"""Seed S4, Poland: remote help billed per started 30 minutes for customers
with an SLA contract, per started 60 without.

From the preset: PLN; remote and phone 160.00 an hour, on site 200.00,
travel 80.00. The SLA contract: 12 months, no included minutes (it buys the
finer increment and a first answer within 240 business minutes), 249.00 a
month. VAT 23 %. (Claims and the 14-day service warranty are left to their
own tests: another change in progress scopes the warranty a claim grants.)
"""

from datetime import date
from decimal import Decimal

from django.test import TestCase

from supportledger.entitlements.models import Entitlement
from tests.scenarios.story import (
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


class ARemoteHelpVendorInWarsaw(TestCase):
    def test_a_month_of_sales_work_and_billing(self):
        set_up_vendor("remote_sla_pl", "23")
        kadry = product("KADRY")
        piotr = agent([kadry])
        sigma = customer("Sigma sp. z o.o.", "Warszawa")  # buys the SLA contract
        tau = customer("Tau s.c.", "Kraków")  # no contract

        sla = buy(sigma, "contract", date(2026, 3, 2))
        assert sla.amount == Decimal("249.00")  # March, billed by the order
        contract = sla.granted
        assert (contract.starts, contract.ends) == (date(2026, 3, 2), date(2027, 3, 1))
        assert (contract.sla, contract.minutes_per_month, contract.response_business_minutes) == (
            True,
            0,
            240,
        )
        assert (contract.fee, contract.fees_from) == (Decimal("249.00"), date(2026, 4, 1))

        # Sigma, SLA: 20 min -> 30 -> 80.00; 70 min -> 90 -> 240.00.
        r1 = ask(sigma, "Lista płac", date(2026, 3, 4))
        assert request_target_set(r1)
        w1 = work(piotr, r1, "S1", date(2026, 3, 4), 10, 20, "remote", "configuration", kadry)
        assert charge(w1) == (30, 30, Decimal("80.00"))
        w2 = work(piotr, r1, "S2", date(2026, 3, 5), 10, 70, "remote", "update", kadry)
        assert charge(w2) == (90, 90, Decimal("240.00"))
        # Tau, no contract: 20 min -> 60 -> 160.00; 31 min by phone -> 60 -> 160.00.
        r2 = ask(tau, "Drukarka", date(2026, 3, 4))
        w3 = work(piotr, r2, "T1", date(2026, 3, 4), 12, 20, "remote", "configuration", kadry)
        assert charge(w3) == (60, 60, Decimal("160.00"))
        w4 = work(piotr, r2, "T2", date(2026, 3, 6), 9, 31, "phone", "consultation", kadry)
        assert charge(w4) == (60, 60, Decimal("160.00"))

        march = bill("2026-03", date(2026, 4, 1))
        assert set(march) == {sigma.pk, tau.pk}
        assert lines(march[sigma.pk]) == [("work", Decimal("80.00")), ("work", Decimal("240.00"))]
        # 320.00 + 23 % = 393.60; 320.00 for Tau too.
        assert march[sigma.pk].total_amount == Decimal("393.60")
        assert lines(march[tau.pk]) == [("work", Decimal("160.00")), ("work", Decimal("160.00"))]
        assert march[tau.pk].total_amount == Decimal("393.60")
        april = bill("2026-04", date(2026, 5, 1))
        assert lines(april[sigma.pk]) == [("contract_fee", Decimal("249.00"))]
        assert april[sigma.pk].total_amount == Decimal("306.27")  # 249 + 57.27
        assert tau.pk not in april
        kinds = sorted(Entitlement.objects.values_list("customer__organisation", "kind"))
        assert kinds == [("Sigma sp. z o.o.", "contract")]


def request_target_set(request) -> bool:
    """The SLA contract's 240-minute first-response target runs on its requests."""
    request.refresh_from_db()
    return request.response_due_at is not None
