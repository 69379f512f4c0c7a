"""Seed S2, Greece: services only under an annual maintenance contract (or a
lease); Premium phone support in packs of incidents on top of it.

From the preset: EUR; work without cover is refused, never billed. The
maintenance contract runs from the sale to 31 December of that year and is
renewed for the next calendar year (290.00, billed once); it makes
consultation, defects, updates and law changes free by e-mail, portal and
chat. The lease: 12 months, the same cover, 35.00 a month. Premium: packs of
2, 4, 10 or 25 phone incidents (60.00, 110.00, 250.00, 560.00) for 12
months, only with a contract in force; one incident per request. VAT 24 %.
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


class AnAnnualMaintenanceVendorInAthens(TestCase):
    def test_a_december_of_sales_work_and_billing(self):
        set_up_vendor("annual_maintenance_gr")
        erp = product("ERP")
        nikos = agent([erp])
        # Delta: maintenance + Premium 4
        delta = customer("Delta AE", "Σταδίου 5", "10562", "Athens", "EL200079193")
        # Epsilon: leases the software
        epsilon = customer("Epsilon EPE", "Μαιζώνος 10", "26221", "Patras", "EL200158381")

        # Maintenance bought on 2 December runs to 31 December, as the seed's
        # "updates until 31/12/Y" says; the next year is a renewal.
        maintenance = buy(delta, "contract", date(2026, 12, 2), offer="maintenance")
        assert maintenance.amount == Decimal("290.00")
        contract = maintenance.granted
        assert (contract.starts, contract.ends) == (date(2026, 12, 2), date(2026, 12, 31))
        assert (contract.updates, contract.fee) == (True, None)  # billed by the order
        premium = buy(delta, "incident_pack", date(2026, 12, 2), quantity=4)
        assert premium.amount == Decimal("110.00")
        pack = premium.granted
        assert (pack.requires, pack.balance_incidents) == ("contract", 4)
        assert (pack.starts, pack.ends) == (date(2026, 12, 2), date(2027, 12, 1))
        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None,
                customer=delta,
                kind="incident_pack",
                quantity=3,
                now=local(date(2026, 12, 2), 10),
            )
        assert refused.value.code == "size_not_offered"
        renewal = buy(delta, "contract", date(2026, 12, 15), offer="maintenance")
        assert renewal.amount == Decimal("290.00")
        assert (renewal.granted.starts, renewal.granted.ends) == (
            date(2027, 1, 1),
            date(2027, 12, 31),
        )

        lease = buy(epsilon, "contract", date(2026, 12, 1), offer="lease")
        assert lease.amount == Decimal("35.00")  # December, billed by the order
        leased = lease.granted
        assert (leased.starts, leased.ends, leased.fees_from) == (
            date(2026, 12, 1),
            date(2027, 11, 30),
            date(2027, 1, 1),
        )

        # Work. 40 min by e-mail on a question: maintenance, free (60 counted).
        r1 = ask(delta, "Κλείσιμο χρήσης", date(2026, 12, 3))
        w1 = work(nikos, r1, "D1", date(2026, 12, 3), 10, 40, "email", "consultation", erp)
        assert charge(w1) == (60, 0, Decimal("0.00"))
        # Two phone calls on one request: one Premium incident.
        r2 = ask(delta, "Σφάλμα εκτύπωσης", date(2026, 12, 3), channel="phone")
        work(nikos, r2, "D2", date(2026, 12, 3), 11, 20, "phone", "defect", erp)
        work(nikos, r2, "D3", date(2026, 12, 4), 9, 15, "phone", "defect", erp)
        # A call on another request: the second incident.
        r3 = ask(delta, "Νέος χρήστης", date(2026, 12, 7), channel="phone")
        w4 = work(nikos, r3, "D4", date(2026, 12, 7), 9, 10, "phone", "configuration", erp)
        assert charge(w4) == (60, 0, Decimal("0.00"))
        pack.refresh_from_db()
        assert pack.balance_incidents == 2  # 4 - 2 requests
        # Remote training is covered by nothing: refused, not billed.
        with pytest.raises(ActionRefused) as refused:
            work(nikos, r3, "D5", date(2026, 12, 7), 11, 60, "remote", "training", erp)
        assert refused.value.code == "not_entitled"
        # Epsilon's lease: a defect by e-mail, free.
        r4 = ask(epsilon, "Σφάλμα", date(2026, 12, 3))
        w6 = work(nikos, r4, "E1", date(2026, 12, 3), 12, 30, "email", "defect", erp)
        assert charge(w6) == (60, 0, Decimal("0.00"))

        # December's run: every order was invoiced when bought, the work is
        # free: no invoice.
        assert bill("2026-12", date(2027, 1, 1)) == {}
        # January's run: the lease's first fee of its own, 35.00 + 24 % = 43.40.
        january = bill("2027-01", date(2027, 2, 1))
        assert set(january) == {epsilon.pk}
        assert lines(january[epsilon.pk]) == [("contract_fee", Decimal("35.00"))]
        assert january[epsilon.pk].total_amount == Decimal("43.40")
        kinds = sorted(Entitlement.objects.values_list("customer__organisation", "kind"))
        assert kinds == [
            ("Delta AE", "contract"),
            ("Delta AE", "contract"),
            ("Delta AE", "incident_pack"),
            ("Epsilon EPE", "contract"),
        ]
