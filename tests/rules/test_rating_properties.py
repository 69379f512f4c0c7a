"""Properties of rating that hold for any policy, holdings and work (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.rating import rate_work
from supportledger.rules.types import (
    CATEGORIES,
    MODES,
    PASSED_OVER_REASONS,
    Entitlement,
    Policy,
    Rating,
    RulesError,
    Work,
)

from .factories import entitlement, policy, work

DAY = date(2026, 3, 4)
PRODUCTS = ("ACC", "POS")

policies = st.builds(
    lambda contract, no_contract, minimum, uncovered, multiplier, area, hours_only: policy(
        increment_contract=contract,
        increment_no_contract=no_contract,
        onsite_minimum_minutes=minimum,
        uncovered_work=uncovered,
        after_hours_multiplier=multiplier,
        service_area=area,
        business_hours_only_modes=hours_only[0],
        outside_business_hours=hours_only[1],
    ),
    st.sampled_from((1, 15, 30)),
    st.sampled_from((1, 30, 60)),
    st.sampled_from((0, 60, 180)),
    st.sampled_from(("bill", "refuse")),
    st.sampled_from((Decimal(1), Decimal("1.5"), Decimal(2))),
    st.sampled_from(((), ("Sofia",))),
    st.sampled_from(
        (
            (frozenset(), "refuse"),
            (frozenset({"phone"}), "refuse"),
            (frozenset({"phone", "remote"}), "bill"),
        )
    ),
)

validity = st.tuples(
    st.integers(min_value=-60, max_value=5), st.integers(min_value=-5, max_value=200)
)


@st.composite
def entitlements(draw: st.DrawFn, index: int) -> Entitlement:
    kind = draw(
        st.sampled_from(
            (
                "warranty",
                "support_period",
                "contract",
                "prepaid_hours",
                "incident_pack",
                "service_warranty",
            )
        )
    )
    before, after = draw(validity)
    changes: dict[str, object] = {
        "starts": DAY + timedelta(days=before),
        "ends": DAY + timedelta(days=max(before, after)),
        "products": draw(st.sampled_from((None, frozenset({"ACC"}), frozenset({"POS"})))),
    }
    if draw(st.booleans()):
        changes["covers"] = frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=4)))
    if draw(st.booleans()):
        changes["modes"] = frozenset(draw(st.sets(st.sampled_from(MODES), min_size=1)))
    if kind == "contract":
        changes["sla"] = draw(st.booleans())
        changes["minutes_per_month"] = draw(st.sampled_from((0, 60, 600)))
        changes["used_this_month"] = draw(st.integers(min_value=0, max_value=700))
        changes["rollover"] = draw(st.booleans())
        changes["unused_last_month"] = draw(st.integers(min_value=0, max_value=120))
    if kind == "prepaid_hours":
        changes["balance_minutes"] = draw(st.integers(min_value=0, max_value=400))
    if kind == "incident_pack":
        changes["balance_incidents"] = draw(st.integers(min_value=0, max_value=3))
        changes["requires"] = draw(st.sampled_from((None, "contract")))
    return entitlement(f"E{index}", kind, **changes)


@st.composite
def holdings(draw: st.DrawFn) -> list[Entitlement]:
    count = draw(st.integers(min_value=0, max_value=6))
    return [draw(entitlements(index)) for index in range(count)]


@st.composite
def pieces(draw: st.DrawFn) -> Work:
    start = datetime(2026, 3, 4, 4, 0, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(min_value=0, max_value=16 * 60))
    )
    piece = work(
        draw(st.integers(min_value=1, max_value=600)),
        start=start,
        mode=draw(st.sampled_from(MODES)),
        category=draw(st.sampled_from(CATEGORIES)),
        product=draw(st.sampled_from(PRODUCTS)),
        city=draw(st.sampled_from(("Sofia", "sofia", "Plovdiv"))),
        incident_from=draw(st.sampled_from((None, None, "E0", "E1"))),
    )
    seconds = draw(st.integers(min_value=0, max_value=59))
    return replace(piece, ended_at=piece.ended_at + timedelta(seconds=seconds))


def _balance_left(holding: Entitlement) -> int:
    if holding.kind == "prepaid_hours":
        return holding.balance_minutes
    carried = holding.unused_last_month if holding.rollover else 0
    return max(0, holding.minutes_per_month + carried - holding.used_this_month)


@given(policies, holdings(), pieces())
def test_allocated_and_billable_minutes_always_add_up_to_the_counted_minutes(
    rules: Policy, held: list[Entitlement], piece: Work
):
    result = rate_work(rules, held, piece)
    if isinstance(result, Rating):
        allocated = sum(a.minutes for a in result.allocations)
        assert allocated + result.billable_minutes == result.counted_minutes
        assert all(a.minutes > 0 for a in result.allocations)
        assert result.amount >= 0
        assert (result.billable_minutes == 0) == (result.amount == 0)


@given(policies, holdings(), pieces())
def test_counted_minutes_are_never_fewer_than_the_duration(
    rules: Policy, held: list[Entitlement], piece: Work
):
    result = rate_work(rules, held, piece)
    if isinstance(result, Rating):
        elapsed = (piece.ended_at - piece.started_at).total_seconds() / 60
        assert result.counted_minutes >= result.duration_minutes >= elapsed
        if piece.mode != "onsite":
            assert result.counted_minutes % result.increment_minutes == 0
            assert result.counted_minutes - result.duration_minutes < result.increment_minutes


@given(policies, holdings(), pieces())
def test_no_entitlement_is_drawn_beyond_its_balance(rules: Policy, held: list[Entitlement], piece):
    result = rate_work(rules, held, piece)
    if not isinstance(result, Rating):
        return
    by_id = {h.id: h for h in held}
    for allocation in result.allocations:
        holding = by_id[allocation.entitlement]
        made_free = piece.category in holding.covers and piece.mode in holding.modes
        if holding.kind == "prepaid_hours" or (holding.kind == "contract" and not made_free):
            assert allocation.minutes <= _balance_left(holding)
    for use in result.incidents:
        assert use.count == 1
        assert by_id[use.entitlement].balance_incidents >= 1


@given(policies, holdings(), pieces(), st.integers(min_value=1, max_value=900), validity)
def test_adding_a_prepaid_package_never_raises_the_amount_except_by_the_onsite_minimum(
    rules: Policy, held: list[Entitlement], piece: Work, balance: int, valid: tuple[int, int]
):
    before = rate_work(rules, held, piece)
    package = entitlement(
        "PKG-NEW",
        "prepaid_hours",
        balance_minutes=balance,
        starts=DAY + timedelta(days=valid[0]),
        ends=DAY + timedelta(days=max(valid)),
    )
    after = rate_work(rules, [*held, package], piece)
    if isinstance(before, Rating):
        assert isinstance(after, Rating)
        if after.counted_minutes > before.counted_minutes:
            # DESIGN 3.2 item 6: a visit drawn on an hour source counts at
            # least the minimum, what the sources cannot cover is billed.
            assert piece.mode == "onsite"
            assert after.counted_minutes == rules.onsite_minimum_minutes
            drawn = sum(a.minutes for a in after.allocations)
            assert after.billable_minutes == after.counted_minutes - drawn
        else:
            assert after.amount <= before.amount
    elif before.code != "not_entitled":
        assert after == before


@given(policies, holdings(), pieces(), st.randoms(use_true_random=False))
def test_the_rating_does_not_depend_on_the_order_entitlements_are_listed_in(
    rules: Policy, held: list[Entitlement], piece: Work, rng
):
    shuffled = list(held)
    rng.shuffle(shuffled)
    assert rate_work(rules, held, piece) == rate_work(rules, shuffled, piece)


@given(policies, holdings(), pieces())
def test_rating_is_deterministic(rules: Policy, held: list[Entitlement], piece: Work):
    assert rate_work(rules, held, piece) == rate_work(rules, tuple(held), piece)


@given(
    policies,
    holdings(),
    pieces(),
    st.sampled_from(CATEGORIES),
    st.sampled_from(PRODUCTS),
    validity,
)
def test_a_service_warranty_for_another_request_changes_nothing(
    rules: Policy,
    held: list[Entitlement],
    piece: Work,
    category: str,
    product: str,
    valid: tuple[int, int],
):
    # An accepted complaint grants free rework of one piece of work: its
    # request, product and category. Any other work rates as before.
    grant = entitlement(
        "SWA-NEW",
        "service_warranty",
        request="R-OTHER",
        products=frozenset({product}),
        covers=frozenset({category}),
        starts=DAY + timedelta(days=valid[0]),
        ends=DAY + timedelta(days=max(valid)),
    )
    with_grant = rate_work(rules, [*held, grant], piece)
    without = rate_work(rules, held, piece)
    if isinstance(with_grant, Rating):
        assert isinstance(without, Rating)
        assert replace(with_grant, passed_over=without.passed_over) == without
        assert grant.id in {p.entitlement for p in with_grant.passed_over}
    else:
        assert with_grant == without


@given(policies, holdings(), pieces())
def test_every_entitlement_held_either_pays_or_is_named_with_a_known_reason(
    rules: Policy, held: list[Entitlement], piece: Work
):
    result = rate_work(rules, held, piece)
    if isinstance(result, RulesError):
        return
    paid = {a.entitlement for a in result.allocations} | {i.entitlement for i in result.incidents}
    named = [p.entitlement for p in result.passed_over]
    assert len(named) == len(set(named))
    assert paid.isdisjoint(named)
    assert paid | set(named) == {e.id for e in held}
    assert all(p.reason in PASSED_OVER_REASONS for p in result.passed_over)


@given(policies, holdings(), pieces())
def test_a_service_warranty_for_the_work_itself_makes_it_free(
    rules: Policy, held: list[Entitlement], piece: Work
):
    grant = entitlement(
        "SWA-NEW",
        "service_warranty",
        request=piece.request.id,
        products=frozenset({piece.product}),
        covers=frozenset({piece.category}),
    )
    result = rate_work(rules, [*held, grant], piece)
    hours_only = piece.mode in rules.business_hours_only_modes and not (
        BusinessCalendar.for_policy(rules).is_business_time(piece.started_at)
    )
    # A product warranty may cover it first (DESIGN 3.2 step 4); work in a
    # business-hours-only mode outside the hours has no entitlement's cover.
    if isinstance(result, Rating) and not hours_only:
        assert result.billable_minutes == 0
        assert result.amount == 0
        assert result.incidents == ()


@given(policies, holdings(), pieces())
def test_work_in_a_business_hours_only_mode_outside_the_hours_uses_no_entitlement(
    rules: Policy, held: list[Entitlement], piece: Work
):
    result = rate_work(rules, held, piece)
    if piece.mode not in rules.business_hours_only_modes:
        return
    if BusinessCalendar.for_policy(rules).is_business_time(piece.started_at):
        return
    if rules.outside_business_hours == "refuse":
        assert not isinstance(result, Rating)
        assert result.code in ("outside_business_hours", "outside_service_area")
    elif isinstance(result, Rating):
        assert result.allocations == ()
        assert result.incidents == ()
        assert result.billable_minutes == result.counted_minutes
