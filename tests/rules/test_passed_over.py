"""A rating names every entitlement the customer holds that did not pay for
the work, and why; the amounts and the explanation lines stay as they were."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from supportledger.rules.jsonio import rating_to_json
from supportledger.rules.rating import rate_work
from supportledger.rules.types import PassedOver, Rating

from .factories import SOFIA, entitlement, policy, work


def rated(held, piece, **policy_changes) -> Rating:
    result = rate_work(policy(**policy_changes), held, piece)
    assert isinstance(result, Rating), result
    return result


def reasons(result: Rating) -> dict[str, tuple[str, dict]]:
    return {p.entitlement: (p.reason, dict(p.args)) for p in result.passed_over}


def test_a_warranty_that_covers_only_defects_is_named_for_a_consultation():
    result = rated([entitlement("WAR-1", "warranty")], work(50, category="consultation"))
    assert result.amount == Decimal("40.00")
    assert reasons(result) == {"WAR-1": ("category_not_covered", {"category": "consultation"})}


def test_a_warranty_that_excludes_on_site_work_says_so():
    warranty = entitlement("WAR-1", "warranty", modes=frozenset({"remote", "phone"}))
    result = rated([warranty], work(50, mode="onsite", category="defect"))
    assert reasons(result) == {"WAR-1": ("mode_not_covered", {"mode": "onsite"})}


def test_an_expired_and_a_future_voucher_are_named_with_their_dates():
    old = entitlement("PKG-1", "prepaid_hours", balance_minutes=600, ends=date(2026, 2, 28))
    new = entitlement("PKG-2", "prepaid_hours", balance_minutes=600, starts=date(2026, 4, 1))
    result = rated([old, new], work(50))
    assert result.amount == Decimal("40.00")
    assert reasons(result) == {
        "PKG-1": ("expired", {"ends": "2026-02-28"}),
        "PKG-2": ("not_yet_valid", {"starts": "2026-04-01"}),
    }


def test_a_voucher_drained_by_later_work_recorded_earlier_names_the_minutes():
    drained = entitlement("PKG-1", "prepaid_hours", balance_minutes=0, drawn_by_later_work=600)
    empty = entitlement("PKG-2", "prepaid_hours", balance_minutes=0)
    result = rated([drained, empty], work(50))
    assert reasons(result) == {
        "PKG-1": ("drained_by_later_work", {"minutes": 600}),
        "PKG-2": ("no_minutes_left", {}),
    }


def test_a_contract_whose_categories_do_not_cover_the_work_is_named():
    contract = entitlement(
        "MNT-1",
        "contract",
        covers=frozenset({"consultation", "defect"}),
        modes=frozenset({"email", "portal"}),
    )
    assert reasons(rated([contract], work(50, mode="email", category="training"))) == {
        "MNT-1": ("category_not_covered", {"category": "training"})
    }
    assert reasons(rated([contract], work(50, mode="phone", category="defect"))) == {
        "MNT-1": ("mode_not_covered", {"mode": "phone"})
    }


def test_a_used_up_allowance_and_a_voucher_not_needed_are_named():
    contract = entitlement(
        "SUB-1", "contract", minutes_per_month=120, used_this_month=120, covers=frozenset()
    )
    spare = entitlement("PKG-2", "prepaid_hours", balance_minutes=600, ends=date(2026, 12, 31))
    first = entitlement("PKG-1", "prepaid_hours", balance_minutes=600, ends=date(2026, 6, 30))
    result = rated([contract, spare, first], work(50))
    assert [a.entitlement for a in result.allocations] == ["PKG-1"]
    assert reasons(result) == {
        "SUB-1": ("allowance_used", {"minutes_per_month": 120}),
        "PKG-2": ("not_needed", {}),
    }


def test_an_incident_pack_without_the_contract_it_extends_is_named():
    pack = entitlement("PRM-1", "incident_pack", balance_incidents=4, requires="contract")
    empty = entitlement("PRM-2", "incident_pack", balance_incidents=0)
    result = rated([pack, empty], work(20, mode="phone"))
    assert reasons(result) == {
        "PRM-1": ("requires", {"kind": "contract"}),
        "PRM-2": ("no_incidents_left", {}),
    }


def test_work_outside_business_hours_in_an_hours_only_mode_names_each_entitlement():
    pack = entitlement("PKG-1", "prepaid_hours", balance_minutes=600)
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=SOFIA)
    result = rated(
        [pack],
        work(50, start=saturday, mode="phone"),
        business_hours_only_modes=frozenset({"phone"}),
        outside_business_hours="bill",
    )
    assert reasons(result) == {"PKG-1": ("outside_business_hours", {"mode": "phone"})}


def test_the_command_prints_each_passed_over_entitlement_with_its_reason():
    result = rated([entitlement("WAR-1", "warranty")], work(50, category="training"))
    assert rating_to_json(result)["passed_over"] == [
        {
            "entitlement": "WAR-1",
            "kind": "warranty",
            "reason": "category_not_covered",
            "category": "training",
        }
    ]
    assert result.passed_over == (
        PassedOver("WAR-1", "warranty", "category_not_covered", {"category": "training"}),
    )
