"""Rating one piece of work (DESIGN 3.2): what it costs and which entitlement pays.

``rate_work`` runs the nine steps of the design in order and returns a
``Rating`` (or a ``RulesError`` value, never an exception for bad work):

1. validate; 2. duration in real elapsed minutes (UTC difference, a started
minute counts whole); 3. round up to the increment (SLA contract or not);
4. free coverage; 5. incident packs; 6. on-site minimum; 7. hour sources;
8. the billable remainder and its amount; 9. allocated + billable = counted.

Dates of validity are compared with the work's start date in the policy time
zone. Amounts are in the policy currency, rounded half up to its minor unit
once per line (the work line and the travel line). The result does not depend
on the order the entitlements are listed in: candidates are always taken in
order of ``ends`` then ``id``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.money import round_money
from supportledger.rules.types import (
    CATEGORIES,
    MODES,
    Allocation,
    Entitlement,
    IncidentUse,
    Policy,
    Rating,
    RulesError,
    Work,
)

__all__ = ["MAX_WORK", "is_after_hours", "is_in_service_area", "normalise_city", "rate_work"]

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
_KIND_LABELS = {
    "warranty": "Warranty",
    "support_period": "Support period",
    "contract": "Contract",
    "prepaid_hours": "Prepaid hours",
    "incident_pack": "Incident pack",
    "service_warranty": "Service warranty",
}
_MODE_LABELS = {
    "remote": "Remote",
    "onsite": "On-site",
    "phone": "Phone",
    "email": "E-mail",
    "chat": "Chat",
    "portal": "Portal",
    "inhouse": "In-house",
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
    ``invalid_work``, ``outside_service_area``, ``not_entitled``, ``no_rate``.
    """
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
    end_text = f"{local_end:%H:%M}" if local_end.date() == day else f"{local_end:%Y-%m-%d %H:%M}"
    explanation = [
        f"{_MODE_LABELS[mode]} {category} {day.isoformat()} {local_start:%H:%M}–{end_text} "  # noqa: RUF001
        f"{zone.key}: {duration} min"
    ]

    # Entitlements valid on the work's date for its product, in a fixed order.
    held = sorted(
        (e for e in entitlements if e.starts <= day <= e.ends and e.applies_to(product)),
        key=_order,
    )

    # 3. Increment.
    sla = next((e for e in held if e.kind == "contract" and e.sla), None)
    if sla is not None:
        increment = policy.increment_contract
        reason = f"SLA contract {sla.id} in force"
    else:
        increment = policy.increment_no_contract
        reason = "No SLA contract in force"
    counted = -(-duration // increment) * increment
    explanation.append(f"{reason}: increment {increment} min → {counted} min counted")

    # 4. Free coverage, first match wins.
    for kinds in _FREE_KIND_GROUPS:
        for e in held:
            if e.kind in kinds and category in e.covers and mode in e.modes:
                explanation.append(
                    f"{_KIND_LABELS[e.kind]} {e.id} covers {category} by {mode} "
                    f"for {product}: {counted} min free"
                )
                return _covered(
                    policy, calendar, work, duration, increment, counted, e, (), explanation
                )
    charged_id = work.request.incident_from
    if charged_id is not None:
        for e in sorted(entitlements, key=_order):
            if (
                e.id == charged_id
                and e.kind == "incident_pack"
                and e.applies_to(product)
                and category in e.covers
                and mode in e.modes
            ):
                explanation.append(
                    f"Request {work.request.id} already charged an incident to {e.id}: "
                    f"{counted} min covered, no new incident"
                )
                return _covered(
                    policy, calendar, work, duration, increment, counted, e, (), explanation
                )

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
                explanation.append(
                    f"Incident pack {e.id} covers {mode} work: {counted} min, "
                    f"1 incident for request {work.request.id} "
                    f"({e.balance_incidents} → {e.balance_incidents - 1} left)"
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
                    explanation,
                )

    # Hour sources usable for this work: allowances first, then prepaid hours.
    sources: list[tuple[Entitlement, int, str]] = []
    for e in held:
        if e.kind == "contract" and e.minutes_per_month > 0 and mode in e.modes:
            left = _allowance_left(e)
            if left > 0:
                sources.append((e, left, "monthly allowance"))
    for e in held:
        if (
            e.kind == "prepaid_hours"
            and e.balance_minutes > 0
            and category in e.covers
            and mode in e.modes
        ):
            sources.append((e, e.balance_minutes, "prepaid hours"))

    # 6. On-site minimum, drawn from the hour sources only: it never adds
    # billable minutes, so holding a package never makes a visit dearer.
    minimum = policy.onsite_minimum_minutes
    if mode == "onsite" and sources and counted < minimum:
        available = sum(left for _, left, _ in sources)
        raised = max(counted, min(minimum, available))
        if raised > counted:
            limit = "" if raised == minimum else f", limited to the {available} min left"
            explanation.append(
                f"On-site work drawn from hour sources counts at least {minimum} min{limit}: "
                f"{counted} → {raised} min counted"
            )
            counted = raised

    # 7. Hour sources, greedily.
    allocations: list[Allocation] = []
    remaining = counted
    for e, left, label in sources:
        if remaining == 0:
            break
        take = min(left, remaining)
        allocations.append(Allocation(e.id, e.kind, take))
        remaining -= take
        explanation.append(f"{take} min from {e.id} ({label}, {left} min left → {left - take})")

    # 8. Remainder.
    after_hours = not calendar.is_business_time(work.started_at)
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
        text = f"Billable {remaining} min × {rate} {currency}/h"  # noqa: RUF001
        if after_hours and policy.after_hours_multiplier != _ONE:
            line *= policy.after_hours_multiplier
            text += (
                f" × {policy.after_hours_multiplier} (starts outside business hours, "  # noqa: RUF001
                f"{_WEEKDAY_NAMES[day.weekday()]} {local_start:%H:%M})"
            )
        amount = round_money(line, currency)
        explanation.append(f"{text} = {amount} {currency}")
        if mode == "onsite":
            travel = policy.rates.get("travel")
            if travel is not None and travel != 0:
                travel_amount = round_money(travel, currency)
                amount += travel_amount
                travel_billed = True
                explanation.append(f"Travel {travel_amount} {currency}")
    explanation.append(f"Amount {amount} {currency}")

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
        explanation=tuple(explanation),
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
    explanation: list[str],
) -> Rating:
    """A rating whose counted minutes are all covered by one entitlement, for free."""
    amount = round_money(Decimal(0), policy.currency)
    explanation.append(f"Amount {amount} {policy.currency}")
    return Rating(
        duration_minutes=duration,
        increment_minutes=increment,
        counted_minutes=counted,
        allocations=(Allocation(entitlement.id, entitlement.kind, counted),),
        incidents=incidents,
        billable_minutes=0,
        amount=amount,
        currency=policy.currency,
        explanation=tuple(explanation),
        after_hours=not calendar.is_business_time(work.started_at),
    )


def is_after_hours(policy: Policy, instant: datetime) -> bool:
    """True when ``instant`` is outside business hours: a weekend, a holiday,
    a closure or outside the day's hours (policy time zone)."""
    return not BusinessCalendar.for_policy(policy).is_business_time(instant)
