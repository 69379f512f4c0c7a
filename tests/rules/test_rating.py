# ruff: noqa: RUF001, RUF003  (explanations use the en dash and the multiplication sign)
"""Rating, step by step (DESIGN 3.2)."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from supportledger.rules.presets import get_preset
from supportledger.rules.rating import normalise_city, rate_work
from supportledger.rules.types import (
    CATEGORIES,
    Allocation,
    Entitlement,
    IncidentUse,
    PassedOver,
    Policy,
    Rating,
    RulesError,
    Work,
)

from .factories import SOFIA, WARSAW, entitlement, policy, work


def rated(*args: object) -> Rating:
    result = rate_work(*args)  # type: ignore[arg-type]
    assert isinstance(result, Rating), result
    return result


def refused(*args: object) -> RulesError:
    result = rate_work(*args)  # type: ignore[arg-type]
    assert isinstance(result, RulesError), result
    return result


# 1. Validate


def test_work_that_ends_when_it_starts_is_invalid():
    piece = work(0)
    assert refused(policy(), [], piece).code == "invalid_work"


def test_work_longer_than_a_day_is_invalid_but_exactly_a_day_is_accepted():
    assert refused(policy(), [], work(24 * 60 + 1)).code == "invalid_work"
    assert rated(policy(), [], work(24 * 60)).duration_minutes == 24 * 60


def test_an_unknown_mode_or_category_is_invalid_work():
    assert refused(policy(), [], replace(work(), mode="fax")).code == "invalid_work"
    assert refused(policy(), [], replace(work(), category="gardening")).code == "invalid_work"


def test_onsite_work_outside_the_service_area_is_refused():
    error = refused(policy(), [], work(mode="onsite", city="Plovdiv"))
    assert error.code == "outside_service_area"
    assert "Plovdiv" in error.message


def test_the_service_area_ignores_case_and_accents():
    area = policy(service_area=("Kraków",))
    assert isinstance(rate_work(area, [], work(mode="onsite", city="KRAKOW")), Rating)
    assert isinstance(rate_work(area, [], work(mode="onsite", city=" kraków ")), Rating)
    assert normalise_city("Zürich") == "zurich"


def test_an_empty_service_area_places_no_limit_on_onsite_work():
    anywhere = policy(service_area=())
    assert rated(anywhere, [], work(mode="onsite", city="Plovdiv")).billable_minutes == 60


# 2. Duration


def test_a_started_minute_counts_whole():
    piece = replace(work(), ended_at=work().started_at.replace(minute=10, second=1))
    assert rated(policy(), [], piece).duration_minutes == 11


def test_duration_is_real_elapsed_time_across_the_autumn_clock_change():
    night = policy(timezone="Europe/Warsaw", holidays="PL")
    start = datetime(2026, 10, 25, 1, 30, tzinfo=WARSAW)
    end = datetime(2026, 10, 25, 3, 30, tzinfo=WARSAW)  # 03:00 became 02:00: three real hours
    piece = replace(work(), started_at=start, ended_at=end)
    assert rated(night, [], piece).duration_minutes == 180


# 3. Increment


def test_without_an_sla_contract_work_counts_per_started_hour():
    result = rated(policy(), [], work(61))
    assert (result.increment_minutes, result.counted_minutes) == (60, 120)


def test_an_sla_contract_valid_that_day_counts_per_started_half_hour():
    sla = entitlement("SLA-1", "contract", sla=True)
    result = rated(policy(), [sla], work(31))
    assert (result.increment_minutes, result.counted_minutes) == (30, 60)


def test_an_sla_contract_not_yet_started_does_not_change_the_increment():
    sla = entitlement("SLA-1", "contract", sla=True, starts=date(2026, 4, 1))
    assert rated(policy(), [sla], work(31)).increment_minutes == 60


# 4. Free coverage


def test_a_product_warranty_makes_defect_work_free_but_not_training():
    warranty = entitlement("WAR-1", "warranty", products=frozenset({"ACC"}))
    free = rated(policy(), [warranty], work(50, category="defect"))
    assert free.allocations == (Allocation("WAR-1", "warranty", 60),)
    assert free.amount == Decimal("0.00")
    assert rated(policy(), [warranty], work(50, category="training")).billable_minutes == 60


def test_a_warranty_for_another_product_does_not_apply():
    warranty = entitlement("WAR-1", "warranty", products=frozenset({"POS"}))
    assert rated(policy(), [warranty], work(50, category="defect")).allocations == ()


def test_an_expired_warranty_does_not_apply():
    warranty = entitlement("WAR-1", "warranty", ends=date(2026, 3, 3))
    assert rated(policy(), [warranty], work(50, category="defect")).billable_minutes == 60


def test_free_coverage_wins_over_hour_sources_and_consumes_no_balance():
    warranty = entitlement("WAR-1", "warranty")
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=600)
    result = rated(policy(), [package, warranty], work(50, category="defect"))
    assert result.allocations == (Allocation("WAR-1", "warranty", 60),)


def test_warranty_comes_before_a_service_warranty_and_a_contract():
    cover = frozenset(CATEGORIES)
    holdings = [
        entitlement("C-1", "contract", covers=cover),
        entitlement("SW-1", "service_warranty"),
        entitlement("WAR-1", "warranty"),
    ]
    assert rated(policy(), holdings, work(category="defect")).allocations[0].entitlement == "WAR-1"
    assert rated(policy(), holdings, work(category="backup")).allocations[0].entitlement == "SW-1"


def test_a_support_period_covers_consultation_but_not_onsite_work():
    period = entitlement("SP-1", "support_period")
    assert rated(policy(), [period], work()).allocations[0].entitlement == "SP-1"
    onsite = rated(policy(), [period], work(mode="onsite"))
    assert onsite.allocations == ()
    assert onsite.billable_minutes == 60


def test_a_maintenance_contract_covers_its_categories_only_by_its_modes():
    contract = entitlement(
        "MNT-1",
        "contract",
        covers=frozenset({"consultation", "defect", "update", "legal"}),
        modes=frozenset({"email", "portal", "chat"}),
    )
    assert rated(policy(), [contract], work(mode="email")).amount == Decimal("0.00")
    assert rated(policy(), [contract], work(mode="phone")).billable_minutes == 60


# 5. Incidents


def _maintenance():
    return entitlement(
        "MNT-1",
        "contract",
        covers=frozenset({"consultation", "defect"}),
        modes=frozenset({"email"}),
    )


def test_phone_work_consumes_one_incident_from_the_pack_that_ends_first():
    late = entitlement("INC-B", "incident_pack", balance_incidents=4)
    early = entitlement("INC-A", "incident_pack", balance_incidents=1, ends=date(2026, 6, 30))
    result = rated(policy(), [late, early, _maintenance()], work(mode="phone"))
    assert result.incidents == (IncidentUse("INC-A", 1),)
    assert result.allocations == (Allocation("INC-A", "incident_pack", 60),)


def test_a_request_already_charged_an_incident_is_not_charged_again():
    pack = entitlement("INC-1", "incident_pack", balance_incidents=0)
    result = rated(policy(), [pack], work(mode="phone", incident_from="INC-1"))
    assert result.incidents == ()
    assert result.allocations == (Allocation("INC-1", "incident_pack", 60),)


def test_an_empty_pack_does_not_cover_a_new_request():
    pack = entitlement("INC-1", "incident_pack", balance_incidents=0)
    assert rated(policy(), [pack], work(mode="phone")).billable_minutes == 60


def test_a_pack_that_requires_a_contract_does_not_apply_without_one():
    pack = entitlement("INC-1", "incident_pack", balance_incidents=2, requires="contract")
    assert rated(policy(), [pack], work(mode="phone")).incidents == ()
    with_contract = rated(policy(), [pack, _maintenance()], work(mode="phone"))
    assert with_contract.incidents == (IncidentUse("INC-1", 1),)


def test_incident_packs_cover_phone_work_only_by_default():
    pack = entitlement("INC-1", "incident_pack", balance_incidents=2)
    assert rated(policy(), [pack], work(mode="remote")).incidents == ()


# 6. On-site minimum


def test_onsite_work_drawn_from_a_package_counts_at_least_three_hours():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=600)
    result = rated(policy(), [package], work(70, mode="onsite"))
    assert result.counted_minutes == 180
    assert result.allocations == (Allocation("PKG-1", "prepaid_hours", 180),)
    assert result.amount == Decimal("0.00")


def test_onsite_work_without_an_hour_source_has_no_minimum_and_pays_travel():
    result = rated(policy(), [], work(70, mode="onsite"))
    assert result.counted_minutes == 120
    assert result.amount == Decimal("140.00")  # 2 h × 60.00 + travel 20.00
    assert result.travel_billed


def test_an_empty_package_does_not_trigger_the_onsite_minimum():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=0)
    assert rated(policy(), [package], work(70, mode="onsite")).counted_minutes == 120


def test_the_onsite_minimum_draws_what_the_sources_hold_and_bills_the_rest():
    # DESIGN 3.2 item 6: at least the minimum, whatever the sources hold.
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=60)
    result = rated(policy(), [package], work(70, mode="onsite"))
    assert result.counted_minutes == 180
    assert result.allocations == (Allocation("PKG-1", "prepaid_hours", 60),)
    assert result.billable_minutes == 120
    assert result.amount == Decimal("140.00")  # 2 h × 60.00 + travel 20.00
    assert result.travel_billed


def test_the_onsite_minimum_never_lowers_longer_work():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=30)
    result = rated(policy(), [package], work(230, mode="onsite"))
    assert (result.counted_minutes, result.billable_minutes) == (240, 210)


# 7. Hour sources


def test_the_monthly_allowance_is_used_before_prepaid_hours():
    subscription = entitlement("SUB-1", "contract", minutes_per_month=600, used_this_month=0)
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=600)
    result = rated(policy(), [package, subscription], work(50))
    assert result.allocations == (Allocation("SUB-1", "contract", 60),)


def test_prepaid_hours_ending_first_are_used_first_and_ties_go_by_id():
    b = entitlement("PKG-B", "prepaid_hours", balance_minutes=30, ends=date(2026, 6, 30))
    a = entitlement("PKG-A", "prepaid_hours", balance_minutes=30, ends=date(2026, 6, 30))
    late = entitlement("PKG-0", "prepaid_hours", balance_minutes=600)
    result = rated(policy(), [late, b, a], work(100))
    assert [x.entitlement for x in result.allocations] == ["PKG-A", "PKG-B", "PKG-0"]
    assert [x.minutes for x in result.allocations] == [30, 30, 60]


def test_last_months_unused_minutes_carry_over_only_with_rollover():
    base = entitlement(
        "SUB-1", "contract", minutes_per_month=60, used_this_month=60, unused_last_month=60
    )
    assert rated(policy(), [base], work(50)).billable_minutes == 60
    rolled = rated(policy(), [replace(base, rollover=True)], work(50))
    assert rolled.allocations == (Allocation("SUB-1", "contract", 60),)


def test_a_package_not_yet_valid_is_not_drawn():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=600, starts=date(2026, 3, 5))
    assert rated(policy(), [package], work(50)).allocations == ()


# 8. Remainder


def test_uncovered_work_is_refused_naming_the_minutes_when_the_policy_says_so():
    error = refused(policy(uncovered_work="refuse"), [], work(50, category="training"))
    assert error.code == "not_entitled"
    assert error.message.startswith("60 of 60 counted min")


def test_partly_covered_work_is_refused_naming_only_the_missing_minutes():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=45)
    error = refused(policy(uncovered_work="refuse"), [package], work(100))
    assert error.message.startswith("75 of 120 counted min")


def test_work_starting_on_a_saturday_costs_the_after_hours_multiplier():
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=SOFIA)
    result = rated(policy(), [], work(20, start=saturday))
    assert result.after_hours
    assert result.amount == Decimal("60.00")  # 1 h × 40.00 × 1.5


def test_work_starting_on_a_public_holiday_is_after_hours():
    liberation_day = datetime(2026, 3, 3, 10, 0, tzinfo=SOFIA)  # Bulgaria, a Tuesday
    assert rated(policy(), [], work(20, start=liberation_day)).amount == Decimal("60.00")


def test_work_starting_before_opening_is_after_hours_even_if_it_ends_inside():
    early = datetime(2026, 3, 4, 7, 30, tzinfo=SOFIA)
    assert rated(policy(), [], work(60, start=early)).after_hours


def test_the_amount_is_rounded_half_up_to_the_cent():
    odd = policy(rates={"remote": Decimal("10.01")}, increment_no_contract=1)
    # 10.01 × 7 / 60 = 1.167833... -> 1.17
    assert rated(odd, [], work(7)).amount == Decimal("1.17")


def test_a_missing_rate_is_a_rules_error_not_a_crash():
    assert refused(policy(rates={}), [], work()).code == "no_rate"


# 9. Invariant and explanation


def test_allocated_and_billable_minutes_add_up_to_the_counted_minutes():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=45)
    result = rated(policy(), [package], work(100))
    assert sum(a.minutes for a in result.allocations) + result.billable_minutes == 120
    assert result.amount == Decimal("50.00")  # 75 min × 40.00


def test_the_explanation_has_one_line_per_rule_applied():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=45)
    result = rated(policy(), [package], work(101))
    assert result.explanation == (
        "Remote consultation 2026-03-04 09:00–10:41 Europe/Sofia: 101 min",
        "No SLA contract in force: increment 60 min → 120 min counted",
        "45 min from PKG-1 (prepaid hours, 45 min left → 0)",
        "Billable 75 min × 40.00 EUR/h = 50.00 EUR",
        "Amount 50.00 EUR",
    )


@pytest.mark.parametrize("mode", ["remote", "onsite", "phone"])
def test_rating_the_same_work_twice_gives_the_same_rating(mode: str):
    holdings = [entitlement("PKG-1", "prepaid_hours", balance_minutes=90)]
    assert rate_work(policy(), holdings, work(mode=mode)) == rate_work(
        policy(), holdings, work(mode=mode)
    )


# Service warranty of an accepted complaint: the rework of that piece of work.


def complaint_grant(**changes: object) -> Entitlement:
    fields: dict[str, object] = {
        "request": "R-1",
        "products": frozenset({"ACC"}),
        "covers": frozenset({"installation"}),
    }
    fields.update(changes)
    return entitlement("SWA-1", "service_warranty", **fields)


def test_a_service_warranty_makes_the_rework_of_its_request_free():
    result = rated(policy(), [complaint_grant()], work(50, category="installation"))
    assert result.amount == Decimal("0.00")
    assert result.allocations == (Allocation("SWA-1", "service_warranty", 60),)


def test_a_service_warranty_does_not_cover_another_request_category_or_product():
    grant = complaint_grant()
    for other in (
        work(50, category="installation", request="R-2"),
        work(50, category="training"),
        work(50, category="installation", product="POS"),
    ):
        result = rated(policy(), [grant], other)
        assert result.allocations == ()
        assert result.amount == Decimal("40.00")


def test_a_service_warranty_leaves_a_package_drawn_by_other_work_alone():
    package = entitlement("PKG-1", "prepaid_hours", balance_minutes=300)
    other = work(50, category="training", request="R-2")
    with_grant = rated(policy(), [package, complaint_grant()], other)
    assert replace(with_grant, passed_over=()) == rated(policy(), [package], other)
    assert with_grant.passed_over == (
        PassedOver("SWA-1", "service_warranty", "other_request", {"request": "R-1"}),
    )


# Business-hours-only modes.

BUDAPEST_TZ = ZoneInfo("Europe/Budapest")


def hungarian_policy(**changes: object) -> Policy:
    return replace(get_preset("warranty_year_hu").policy, **changes)


def hungarian_work(start: datetime, mode: str = "phone") -> Work:
    return replace(
        work(30, start=start, mode=mode, product="KASSZA"),
        ended_at=start + timedelta(minutes=30),
    )


def test_hungarian_support_at_eight_in_the_evening_is_refused_with_a_rules_error():
    warranty = entitlement("WAR-1", "warranty", covers=frozenset({"consultation"}))
    evening = hungarian_work(datetime(2026, 3, 4, 20, 0, tzinfo=BUDAPEST_TZ))
    error = refused(hungarian_policy(), [warranty], evening)
    assert error.code == "outside_business_hours"
    assert "2026-03-04" in error.message
    assert "20:00" in error.message


def test_hungarian_support_on_a_saturday_is_refused_but_on_a_working_saturday_accepted():
    warranty = entitlement("WAR-1", "warranty", covers=frozenset({"consultation"}))
    saturday = hungarian_work(datetime(2026, 3, 7, 10, 0, tzinfo=BUDAPEST_TZ))
    assert refused(hungarian_policy(), [warranty], saturday).code == "outside_business_hours"
    working_saturday = hungarian_work(datetime(2026, 1, 10, 10, 0, tzinfo=BUDAPEST_TZ))
    assert rated(hungarian_policy(), [warranty], working_saturday).amount == 0


def test_billed_outside_business_hours_means_the_price_list_without_any_cover():
    warranty = entitlement("WAR-1", "warranty", covers=frozenset({"consultation"}))
    billing = hungarian_policy(outside_business_hours="bill")
    evening = hungarian_work(datetime(2026, 3, 4, 20, 0, tzinfo=BUDAPEST_TZ))
    result = rated(billing, [warranty], evening)
    assert result.allocations == ()
    assert result.amount == Decimal("12000.00")
    assert result.steps[1].code == "outside_business_hours"
    assert "offered only in business hours" in result.explanation[1]
    in_hours = hungarian_work(datetime(2026, 3, 4, 10, 0, tzinfo=BUDAPEST_TZ))
    assert rated(billing, [warranty], in_hours).amount == 0


def test_greek_premium_phone_is_refused_after_hours_but_email_is_not():
    rules = get_preset("annual_maintenance_gr").policy
    athens = ZoneInfo("Europe/Athens")
    maintenance = entitlement(
        "MNT-1",
        "contract",
        covers=rules.kind_defaults["contract"].covers,
        modes=rules.kind_defaults["contract"].modes,
    )
    pack = entitlement(
        "INC-1",
        "incident_pack",
        balance_incidents=2,
        modes=frozenset({"phone"}),
        requires="contract",
    )
    late = datetime(2026, 3, 4, 18, 0, tzinfo=athens)
    call = replace(work(12, start=late, mode="phone"), ended_at=late + timedelta(minutes=12))
    assert refused(rules, [maintenance, pack], call).code == "outside_business_hours"
    mail = replace(call, mode="email")
    assert rated(rules, [maintenance, pack], mail).amount == 0
