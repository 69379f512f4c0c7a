"""Rating one piece of work (DESIGN 3.2): what it costs and which entitlement pays.

``rate_work`` runs the nine steps of the design in order and returns a
``Rating`` (or a ``RulesError`` value, never an exception for bad work):

1. validate; 2. duration in real elapsed minutes (UTC difference, a started
minute counts whole); 3. round up to the increment (SLA contract or not);
4. free coverage; 5. incident packs; 6. on-site minimum; 7. hour sources;
8. the billable remainder and its amount; 9. allocated + billable = counted.

Before step 3, work in one of the policy's business-hours-only modes that
starts outside business hours is refused or, when the policy bills it, rated
as if the customer held nothing. Only entitlements valid on the work's date,
for its product and (when scoped to one, as a service warranty) for its
request take part.

Dates of validity are compared with the work's start date in the policy time
zone. Amounts are in the policy currency, rounded half up to its minor unit
once per line (the work line and the travel line). The result does not depend
on the order the entitlements are listed in: candidates are always taken in
order of ``ends`` then ``id``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.explanation import Step
from supportledger.rules.money import round_money
from supportledger.rules.types import (
    CATEGORIES,
    MODES,
    Allocation,
    Entitlement,
    IncidentUse,
    PassedOver,
    Policy,
    Rating,
    RulesError,
    Work,
)

__all__ = [
    "MAX_WORK",
    "is_after_hours",
    "is_in_service_area",
    "normalise_city",
    "passed_over",
    "rate_work",
]

MAX_WORK = timedelta(hours=24)
"""The longest single piece of work accepted (inclusive)."""

_MODES = frozenset(MODES)
_CATEGORIES = frozenset(CATEGORIES)
_MINUTE_US = 60_000_000
_ONE = Decimal(1)
_SIXTY = Decimal(60)
_FREE_KIND_GROUPS = (
    frozenset({"warranty"}),
    frozenset({"service_warranty"}),
    frozenset({"support_period", "contract"}),
)


@lru_cache(maxsize=1024)
def normalise_city(city: str) -> str:
    """``city`` folded for comparison: accents removed, case folded, spaces trimmed.

    ``normalise_city("  Kraków ") == normalise_city("KRAKOW") == "krakow"``.
    """
    decomposed = unicodedata.normalize("NFKD", city.strip())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def is_in_service_area(policy: Policy, city: str | None) -> bool:
    """True when on-site work in ``city`` is allowed by ``policy.service_area``.

    An empty service area places no limit on where on-site work is done.
    """
    if not policy.service_area:
        return True
    if city is None:
        return False
    wanted = normalise_city(city)
    return any(normalise_city(known) == wanted for known in policy.service_area)


def _order(entitlement: Entitlement) -> tuple[date, str, str]:
    return (entitlement.ends, entitlement.id, entitlement.kind)


def _allowance_left(contract: Entitlement) -> int:
    """Minutes of a contract's monthly allowance still usable this month."""
    carried = contract.unused_last_month if contract.rollover else 0
    return max(0, contract.minutes_per_month + carried - contract.used_this_month)


def _validate(policy: Policy, work: Work) -> RulesError | None:
    if work.mode not in _MODES:
        return RulesError("invalid_work", f"Unknown mode {work.mode!r}.")
    if work.category not in _CATEGORIES:
        return RulesError("invalid_work", f"Unknown category {work.category!r}.")
    if work.started_at.utcoffset() is None or work.ended_at.utcoffset() is None:
        return RulesError("invalid_work", "Start and end must carry a time zone offset.")
    # Real elapsed time: subtracting two datetimes of one ZoneInfo zone would
    # give the wall-clock difference, wrong across a change of offset.
    elapsed = work.ended_at.astimezone(UTC) - work.started_at.astimezone(UTC)
    if elapsed <= timedelta(0):
        return RulesError(
            "invalid_work",
            f"Work {work.id} ends at {work.ended_at.isoformat()}, "
            f"not after it starts at {work.started_at.isoformat()}.",
        )
    if elapsed > MAX_WORK:
        return RulesError(
            "invalid_work",
            f"Work {work.id} lasts {elapsed}; one piece of work lasts at most 24 hours.",
        )
    if work.mode == "onsite" and not is_in_service_area(policy, work.city):
        where = "no city given" if work.city is None else f"{work.city!r}"
        return RulesError(
            "outside_service_area",
            f"On-site work is done only in {', '.join(policy.service_area)}; {where}.",
        )
    return None


def rate_work(
    policy: Policy, entitlements: Sequence[Entitlement], work: Work
) -> Rating | RulesError:
    """Rate ``work`` for a customer holding ``entitlements`` (balances as of now).

    Minutes are whole minutes; the amount is in ``policy.currency`` rounded
    half up to its minor unit per line; validity dates are compared with the
    work's local start date in ``policy.timezone``. Error codes:
    ``invalid_work``, ``outside_service_area``, ``outside_business_hours``,
    ``not_entitled``, ``no_rate``.

    ``entitlements`` may include ones not valid on the work's date (expired,
    not yet valid): they pay nothing and are listed in the rating's
    ``passed_over`` with every other entitlement that did not pay, and why.
    """
    result = _rate(policy, entitlements, work)
    if isinstance(result, RulesError):
        return result
    return replace(result, passed_over=passed_over(policy, entitlements, work, result))


def passed_over(
    policy: Policy, entitlements: Sequence[Entitlement], work: Work, rating: Rating
) -> tuple[PassedOver, ...]:
    """Each of ``entitlements`` that paid nothing of ``work`` as ``rating``
    rated it, with the first reason that kept it out (``PASSED_OVER_REASONS``,
    checked in that order), in the order the rules consider them."""
    paid = {a.entitlement for a in rating.allocations} | {i.entitlement for i in rating.incidents}
    calendar = BusinessCalendar.for_policy(policy)
    day = work.started_at.astimezone(calendar.zone).date()
    hours_only = work.mode in policy.business_hours_only_modes and not calendar.is_business_time(
        work.started_at
    )
    valid = [e for e in entitlements if e.starts <= day <= e.ends and e.applies_to(work.product)]
    found = []
    for e in sorted(entitlements, key=_order):
        if e.id in paid:
            continue
        reason, args = _why_not(e, work, day, hours_only, valid)
        found.append(PassedOver(e.id, e.kind, reason, args))
    return tuple(found)


def _why_not(
    e: Entitlement, work: Work, day: date, hours_only: bool, valid: Sequence[Entitlement]
) -> tuple[str, dict[str, str | int]]:
    mode, category = work.mode, work.category
    if day > e.ends:
        return "expired", {"ends": e.ends.isoformat()}
    if day < e.starts:
        return "not_yet_valid", {"starts": e.starts.isoformat()}
    if not e.applies_to(work.product):
        return "other_product", {"product": work.product}
    if not e.applies_to_request(work.request.id):
        return "other_request", {"request": e.request or ""}
    if hours_only:
        return "outside_business_hours", {"mode": mode}
    if e.kind == "contract":
        if category in e.covers and mode in e.modes:
            return "not_needed", {}
        if e.minutes_per_month > 0 and mode in e.modes:
            if _allowance_left(e) <= 0:
                return "allowance_used", {"minutes_per_month": e.minutes_per_month}
            return "not_needed", {}
    if mode not in e.modes:
        return "mode_not_covered", {"mode": mode}
    if category not in e.covers:
        return "category_not_covered", {"category": category}
    if e.kind == "prepaid_hours" and e.balance_minutes <= 0:
        if e.drawn_by_later_work > 0:
            return "drained_by_later_work", {"minutes": e.drawn_by_later_work}
        return "no_minutes_left", {}
    if e.kind == "incident_pack":
        if work.request.incident_from is None and e.balance_incidents < 1:
            return "no_incidents_left", {}
        if e.requires is not None and not any(
            other.kind == e.requires and other is not e for other in valid
        ):
            return "requires", {"kind": e.requires}
    return "not_needed", {}


def _rate(policy: Policy, entitlements: Sequence[Entitlement], work: Work) -> Rating | RulesError:
    # 1. Validate.
    error = _validate(policy, work)
    if error is not None:
        return error
    calendar = BusinessCalendar.for_policy(policy)
    zone = calendar.zone
    local_start = work.started_at.astimezone(zone)
    local_end = work.ended_at.astimezone(zone)
    day = local_start.date()
    mode = work.mode
    category = work.category
    product = work.product
    currency = policy.currency

    # 2. Duration: real elapsed time, a started minute counting whole.
    elapsed = work.ended_at.astimezone(UTC) - work.started_at.astimezone(UTC)
    elapsed_us = elapsed // timedelta(microseconds=1)
    duration = -(-elapsed_us // _MINUTE_US)
    start_text = f"{local_start:%H:%M}"
    end_day = local_end.date()
    steps = [
        Step(
            "work",
            {
                "mode": mode,
                "category": category,
                "day": day.isoformat(),
                "start": start_text,
                "end": f"{local_end:%H:%M}",
                "end_day": "" if end_day == day else end_day.isoformat(),
                "zone": zone.key,
                "minutes": duration,
            },
        )
    ]

    # Entitlements valid on the work's date for its product, in a fixed order.
    # An entitlement scoped to a request (a service warranty) applies to that
    # request's work only. Work in a business-hours-only mode started outside
    # business hours has no entitlement's cover when the policy bills it.
    after_hours = not calendar.is_business_time(work.started_at)
    hours_only = mode in policy.business_hours_only_modes and after_hours
    if hours_only and policy.outside_business_hours == "refuse":
        return RulesError(
            "outside_business_hours",
            f"{mode.capitalize()} work is offered only in business hours; work {work.id} "
            f"starts on {day.isoformat()} at {start_text} ({zone.key}), outside them.",
        )
    if hours_only:
        steps.append(
            Step(
                "outside_business_hours",
                {"mode": mode, "weekday": day.weekday(), "time": start_text},
            )
        )
    held = (
        []
        if hours_only
        else sorted(
            (
                e
                for e in entitlements
                if e.starts <= day <= e.ends
                and e.applies_to(product)
                and e.applies_to_request(work.request.id)
            ),
            key=_order,
        )
    )

    # 3. Increment.
    sla = next((e for e in held if e.kind == "contract" and e.sla), None)
    if sla is not None:
        increment = policy.increment_contract
        counted = -(-duration // increment) * increment
        steps.append(
            Step(
                "increment_sla",
                {"contract": sla.id, "increment": increment, "counted": counted},
            )
        )
    else:
        increment = policy.increment_no_contract
        counted = -(-duration // increment) * increment
        steps.append(Step("increment_no_sla", {"increment": increment, "counted": counted}))

    # 4. Free coverage, first match wins.
    for kinds in _FREE_KIND_GROUPS:
        for e in held:
            if e.kind in kinds and category in e.covers and mode in e.modes:
                steps.append(
                    Step(
                        "free_cover",
                        {
                            "kind": e.kind,
                            "entitlement": e.id,
                            "category": category,
                            "mode": mode,
                            "product": product,
                            "minutes": counted,
                        },
                    )
                )
                return _covered(policy, calendar, work, duration, increment, counted, e, (), steps)
    charged_id = work.request.incident_from
    if charged_id is not None:
        for e in [] if hours_only else sorted(entitlements, key=_order):
            if (
                e.id == charged_id
                and e.kind == "incident_pack"
                and e.applies_to(product)
                and category in e.covers
                and mode in e.modes
            ):
                steps.append(
                    Step(
                        "incident_already_charged",
                        {"request": work.request.id, "entitlement": e.id, "minutes": counted},
                    )
                )
                return _covered(policy, calendar, work, duration, increment, counted, e, (), steps)

    # 5. Incidents: one per request, from the pack that ends first.
    if charged_id is None:
        for e in held:
            if (
                e.kind == "incident_pack"
                and e.balance_incidents >= 1
                and mode in e.modes
                and category in e.covers
                and (
                    e.requires is None
                    or any(other.kind == e.requires and other is not e for other in held)
                )
            ):
                steps.append(
                    Step(
                        "incident",
                        {
                            "entitlement": e.id,
                            "mode": mode,
                            "minutes": counted,
                            "request": work.request.id,
                            "before": e.balance_incidents,
                            "after": e.balance_incidents - 1,
                        },
                    )
                )
                return _covered(
                    policy,
                    calendar,
                    work,
                    duration,
                    increment,
                    counted,
                    e,
                    (IncidentUse(e.id, 1),),
                    steps,
                )

    # Hour sources usable for this work: allowances first, then prepaid hours.
    sources: list[tuple[Entitlement, int, str]] = []
    for e in held:
        if e.kind == "contract" and e.minutes_per_month > 0 and mode in e.modes:
            left = _allowance_left(e)
            if left > 0:
                sources.append((e, left, "from_allowance"))
    for e in held:
        if (
            e.kind == "prepaid_hours"
            and e.balance_minutes > 0
            and category in e.covers
            and mode in e.modes
        ):
            sources.append((e, e.balance_minutes, "from_prepaid_hours"))

    # 6. On-site minimum (DESIGN 3.2 item 6): on-site work that draws on an
    # hour source counts at least the minimum, whatever the sources hold; they
    # are drawn down and the minutes they cannot cover are billable.
    minimum = policy.onsite_minimum_minutes
    if mode == "onsite" and sources and counted < minimum:
        steps.append(
            Step("onsite_minimum", {"minimum": minimum, "before": counted, "after": minimum})
        )
        counted = minimum

    # 7. Hour sources, greedily.
    allocations: list[Allocation] = []
    remaining = counted
    for e, left, code in sources:
        if remaining == 0:
            break
        take = min(left, remaining)
        allocations.append(Allocation(e.id, e.kind, take))
        remaining -= take
        steps.append(
            Step(code, {"minutes": take, "entitlement": e.id, "left": left, "after": left - take})
        )

    # 8. Remainder.
    if remaining and policy.uncovered_work == "refuse":
        return RulesError(
            "not_entitled",
            f"{remaining} of {counted} counted min of {category} by {mode} for {product} "
            f"have no cover, and uncovered work is refused.",
        )
    amount = round_money(Decimal(0), currency)
    travel_billed = False
    if remaining:
        rate = policy.rates.get(mode)
        if rate is None:
            return RulesError("no_rate", f"The price list has no hourly rate for {mode} work.")
        line = rate * remaining / _SIXTY
        if after_hours and policy.after_hours_multiplier != _ONE:
            line *= policy.after_hours_multiplier
            amount = round_money(line, currency)
            steps.append(
                Step(
                    "billable_after_hours",
                    {
                        "minutes": remaining,
                        "rate": str(rate),
                        "currency": currency,
                        "multiplier": str(policy.after_hours_multiplier),
                        "weekday": day.weekday(),
                        "time": start_text,
                        "amount": str(amount),
                    },
                )
            )
        else:
            amount = round_money(line, currency)
            steps.append(
                Step(
                    "billable",
                    {
                        "minutes": remaining,
                        "rate": str(rate),
                        "currency": currency,
                        "amount": str(amount),
                    },
                )
            )
        if mode == "onsite":
            travel = policy.rates.get("travel")
            if travel is not None and travel != 0:
                travel_amount = round_money(travel, currency)
                amount += travel_amount
                travel_billed = True
                steps.append(Step("travel", {"amount": str(travel_amount), "currency": currency}))
    steps.append(Step("amount", {"amount": str(amount), "currency": currency}))

    # 9. Invariant: allocated + billable = counted (by construction above).
    return Rating(
        duration_minutes=duration,
        increment_minutes=increment,
        counted_minutes=counted,
        allocations=tuple(allocations),
        incidents=(),
        billable_minutes=remaining,
        amount=amount,
        currency=currency,
        steps=tuple(steps),
        travel_billed=travel_billed,
        after_hours=after_hours,
    )


def _covered(
    policy: Policy,
    calendar: BusinessCalendar,
    work: Work,
    duration: int,
    increment: int,
    counted: int,
    entitlement: Entitlement,
    incidents: tuple[IncidentUse, ...],
    steps: list[Step],
) -> Rating:
    """A rating whose counted minutes are all covered by one entitlement, for free."""
    amount = round_money(Decimal(0), policy.currency)
    steps.append(Step("amount", {"amount": str(amount), "currency": policy.currency}))
    return Rating(
        duration_minutes=duration,
        increment_minutes=increment,
        counted_minutes=counted,
        allocations=(Allocation(entitlement.id, entitlement.kind, counted),),
        incidents=incidents,
        billable_minutes=0,
        amount=amount,
        currency=policy.currency,
        steps=tuple(steps),
        after_hours=not calendar.is_business_time(work.started_at),
    )


def is_after_hours(policy: Policy, instant: datetime) -> bool:
    """True when ``instant`` is outside business hours: a weekend, a holiday,
    a closure or outside the day's hours (policy time zone)."""
    return not BusinessCalendar.for_policy(policy).is_business_time(instant)
