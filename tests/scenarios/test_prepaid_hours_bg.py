"""Seed S0, Bulgaria: a Sofia vendor sells prepaid hour vouchers and a monthly
subscription with included hours; everyone else pays the price list.

From the preset (figures the seed leaves open are the preset's decisions):
EUR; remote and phone 40.00 an hour, on site 60.00, travel 20.00; work that
starts outside Mon-Fri 08:00-16:00 Sofia costs 1.5 times; counted per started
30 minutes under an SLA contract, per started 60 without. Offers: vouchers of
300, 600 and 1200 minutes at 190.00, 360.00 and 680.00, valid a year; the
subscription: 12 months, SLA, 600 minutes a month, first answer within 240
business minutes, 320.00 a month. VAT 20 %.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase

from supportledger.billing.actions.orders import do_place_order
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.models import Entitlement
from tests.scenarios.story import (
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


class APrepaidHoursVendorInSofia(TestCase):
    def test_a_month_of_sales_work_and_billing(self):
        set_up_vendor("prepaid_hours_bg")
        acc = product("ACC")
        maria = agent([acc])
        # Alfa: buys the subscription
        alfa = customer("Alfa OOD", "ул. Граф Игнатиев 5", "1000", "Sofia", "BG200079195")
        # Beta: buys a 10-hour voucher
        beta = customer("Beta EOOD", "ул. Главна 12", "4000", "Plovdiv", "BG200158389")
        # Gamma: buys nothing: price list
        gamma = customer("Gamma AD", "бул. Приморски 3", "9000", "Varna", "BG200237574")

        # Sales on Monday 2 March 2026 (3 March is a holiday in Bulgaria).
        subscription = buy(alfa, "contract", date(2026, 3, 2))
        # The order bills the first month: 320.00; the contract's fee the rest.
        assert subscription.amount == Decimal("320.00")
        contract = subscription.granted
        assert (contract.starts, contract.ends) == (date(2026, 3, 2), date(2027, 3, 1))
        assert (contract.sla, contract.minutes_per_month, contract.response_business_minutes) == (
            True,
            600,
            240,
        )
        assert (contract.fee, contract.billing_period) == (Decimal("320.00"), "month")
        assert contract.fees_from == date(2026, 4, 1)
        assert contract.terms["offer"] == "subscription"

        voucher = buy(beta, "voucher", date(2026, 3, 2), quantity=10)
        assert voucher.amount == Decimal("360.00")  # the 600-minute size
        hours = voucher.granted
        assert (hours.kind, hours.balance_minutes) == ("prepaid_hours", 600)
        assert (hours.starts, hours.ends) == (date(2026, 3, 2), date(2027, 3, 1))
        assert hours.fee is None  # billed by its order, never again

        monday = local(date(2026, 3, 2), 10)
        with pytest.raises(ActionRefused) as refused:
            do_place_order(acting_user=None, customer=gamma, kind="voucher", quantity=3, now=monday)
        assert refused.value.code == "size_not_offered"  # 3 h is no size on offer
        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None, customer=gamma, kind="incident_pack", quantity=2, now=monday
            )
        assert refused.value.code == "not_offered"

        # Work in March.
        a1 = ask(alfa, "Closing the year", date(2026, 3, 5), channel="phone")
        # 70 min remote under the SLA contract: per started 30 -> 90, from
        # the 600 included minutes: free.
        w1 = work(maria, a1, "A1", date(2026, 3, 5), 10, 70, "remote", "configuration", acc)
        assert charge(w1) == (90, 0, Decimal("0.00"))
        # 20 min by phone: 30 counted, from the allowance (90 + 30 = 120 used).
        w2 = work(maria, a1, "A2", date(2026, 3, 10), 9, 20, "phone", "consultation", acc)
        assert charge(w2) == (30, 0, Decimal("0.00"))

        b1 = ask(beta, "Printer set-up", date(2026, 3, 5))
        # No SLA: per started 60. 50 min -> 60 from the voucher (540 left).
        w3 = work(maria, b1, "B1", date(2026, 3, 5), 11, 50, "remote", "installation", acc)
        assert charge(w3) == (60, 0, Decimal("0.00"))
        # 25 min by e-mail -> 60, voucher 480 left.
        w4 = work(maria, b1, "B2", date(2026, 3, 6), 9, 25, "email", "consultation", acc)
        assert charge(w4) == (60, 0, Decimal("0.00"))

        g1 = ask(gamma, "Backup", date(2026, 3, 11))
        # No entitlement: 40 min remote -> 60 min x 40.00 = 40.00.
        w5 = work(maria, g1, "G1", date(2026, 3, 11), 9, 40, "remote", "backup", acc)
        assert charge(w5) == (60, 60, Decimal("40.00"))
        # 30 min by phone at 17:00, after hours: 60 min x 40.00 x 1.5 = 60.00.
        w6 = work(maria, g1, "G2", date(2026, 3, 12), 17, 30, "phone", "recovery", acc)
        assert charge(w6) == (60, 60, Decimal("60.00"))

        hours.refresh_from_db()
        assert hours.balance_minutes == 480  # 600 - 60 - 60
        assert contract.allowance_usage.get(month=date(2026, 3, 1)).used_minutes == 120

        # March's run, 1 April: only Gamma owes anything; both orders were
        # invoiced when bought, Alfa's March is the order's.
        march = bill("2026-03", date(2026, 4, 1))
        assert set(march) == {gamma.pk}
        assert lines(march[gamma.pk]) == [("work", Decimal("40.00")), ("work", Decimal("60.00"))]
        # 100.00 + 20 % VAT.
        assert (march[gamma.pk].net_amount, march[gamma.pk].total_amount) == (
            Decimal("100.00"),
            Decimal("120.00"),
        )
        # April's run, 1 May: the subscription's first fee of its own.
        april = bill("2026-04", date(2026, 5, 1))
        assert set(april) == {alfa.pk}
        assert lines(april[alfa.pk]) == [("contract_fee", Decimal("320.00"))]
        assert april[alfa.pk].total_amount == Decimal("384.00")
        # Nothing else was made: one contract, one voucher, no warranty (no
        # licence was sold).
        kinds = sorted(Entitlement.objects.values_list("customer__organisation", "kind"))
        assert kinds == [("Alfa OOD", "contract"), ("Beta EOOD", "prepaid_hours")]
