"""Small builders of rules values for the tests: sensible defaults, named overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from supportledger.rules.explanation import Step
from supportledger.rules.types import (
    DEFAULT_KIND_DEFAULTS,
    MODES,
    Entitlement,
    Policy,
    RequestRef,
    Work,
)

SOFIA = ZoneInfo("Europe/Sofia")
WARSAW = ZoneInfo("Europe/Warsaw")
WEEKDAY_HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), (time(8), time(16)))


def policy(**changes: Any) -> Policy:
    """A Bulgarian-style policy: EUR, Sofia, 08:00-16:00, 30/60 increments."""
    rates = {mode: Decimal("40.00") for mode in MODES}
    rates["onsite"] = Decimal("60.00")
    rates["travel"] = Decimal("20.00")
    base = Policy(
        currency="EUR",
        timezone="Europe/Sofia",
        holidays="BG",
        business_hours=WEEKDAY_HOURS,
        increment_contract=30,
        increment_no_contract=60,
        onsite_minimum_minutes=180,
        service_area=("Sofia",),
        uncovered_work="bill",
        after_hours_multiplier=Decimal("1.5"),
        rates=rates,
    )
    return replace(base, **changes)


def entitlement(id: str, kind: str, **changes: Any) -> Entitlement:
    """An entitlement valid through 2026 with its kind's default cover."""
    defaults = DEFAULT_KIND_DEFAULTS[kind]
    fields: dict[str, Any] = {
        "id": id,
        "kind": kind,
        "starts": date(2026, 1, 1),
        "ends": date(2026, 12, 31),
        "covers": defaults.covers,
        "modes": defaults.modes,
    }
    fields.update(changes)
    return Entitlement(**fields)


def work(
    minutes: int = 50,
    *,
    start: datetime | None = None,
    mode: str = "remote",
    category: str = "consultation",
    product: str = "ACC",
    city: str | None = None,
    request: str = "R-1",
    incident_from: str | None = None,
) -> Work:
    """Work starting Wednesday 4 March 2026 09:00 Sofia unless told otherwise."""
    started = start or datetime(2026, 3, 4, 9, 0, tzinfo=SOFIA)
    return Work(
        id="W-1",
        product=product,
        category=category,
        mode=mode,
        started_at=started,
        ended_at=started + timedelta(minutes=minutes),
        request=RequestRef(id=request, opened_via="portal", incident_from=incident_from),
        city=city if city is not None else ("Sofia" if mode == "onsite" else None),
    )


def sample_steps() -> dict[str, tuple[Step, str]]:
    """One step of every code with the English line the command line prints for it."""
    return {
        "work": (
            Step(
                "work",
                {
                    "mode": "onsite",
                    "category": "installation",
                    "day": "2026-03-06",
                    "start": "22:30",
                    "end": "01:10",
                    "end_day": "2026-03-07",
                    "zone": "Europe/Sofia",
                    "minutes": 160,
                },
            ),
            "On-site installation 2026-03-06 22:30–2026-03-07 01:10 Europe/Sofia: 160 min",  # noqa: RUF001
        ),
        "outside_business_hours": (
            Step("outside_business_hours", {"mode": "phone", "weekday": 5, "time": "10:00"}),
            "Phone work is offered only in business hours and starts outside them "
            "(Saturday 10:00): no entitlement covers it",
        ),
        "increment_sla": (
            Step("increment_sla", {"contract": "SLA-1", "increment": 30, "counted": 90}),
            "SLA contract SLA-1 in force: increment 30 min → 90 min counted",
        ),
        "increment_no_sla": (
            Step("increment_no_sla", {"increment": 60, "counted": 120}),
            "No SLA contract in force: increment 60 min → 120 min counted",
        ),
        "free_cover": (
            Step(
                "free_cover",
                {
                    "kind": "warranty",
                    "entitlement": "WAR-2",
                    "category": "defect",
                    "mode": "remote",
                    "product": "ACC",
                    "minutes": 60,
                },
            ),
            "Warranty WAR-2 covers defect by remote for ACC: 60 min free",
        ),
        "incident_already_charged": (
            Step(
                "incident_already_charged",
                {"request": "REQ-7", "entitlement": "INC-3", "minutes": 30},
            ),
            "Request REQ-7 already charged an incident to INC-3: 30 min covered, no new incident",
        ),
        "incident": (
            Step(
                "incident",
                {
                    "entitlement": "INC-3",
                    "mode": "phone",
                    "minutes": 30,
                    "request": "REQ-7",
                    "before": 5,
                    "after": 4,
                },
            ),
            "Incident pack INC-3 covers phone work: 30 min, "
            "1 incident for request REQ-7 (5 → 4 left)",
        ),
        "onsite_minimum": (
            Step("onsite_minimum", {"minimum": 180, "before": 60, "after": 180}),
            "On-site work drawn from hour sources counts at least 180 min: 60 → 180 min counted",
        ),
        "onsite_minimum_limited": (
            Step(
                "onsite_minimum_limited",
                {"minimum": 180, "available": 150, "before": 60, "after": 150},
            ),
            "On-site work drawn from hour sources counts at least 180 min, "
            "limited to the 150 min left: 60 → 150 min counted",
        ),
        "from_allowance": (
            Step(
                "from_allowance",
                {"minutes": 60, "entitlement": "SUB-12", "left": 120, "after": 60},
            ),
            "60 min from SUB-12 (monthly allowance, 120 min left → 60)",
        ),
        "from_prepaid_hours": (
            Step(
                "from_prepaid_hours",
                {"minutes": 90, "entitlement": "PKG-1", "left": 600, "after": 510},
            ),
            "90 min from PKG-1 (prepaid hours, 600 min left → 510)",
        ),
        "billable": (
            Step(
                "billable",
                {"minutes": 1440, "rate": "40.00", "currency": "EUR", "amount": "960.00"},
            ),
            "Billable 1440 min × 40.00 EUR/h = 960.00 EUR",  # noqa: RUF001
        ),
        "billable_after_hours": (
            Step(
                "billable_after_hours",
                {
                    "minutes": 60,
                    "rate": "12000",
                    "currency": "HUF",
                    "multiplier": "1.5",
                    "weekday": 5,
                    "time": "10:00",
                    "amount": "18000",
                },
            ),
            "Billable 60 min × 12000 HUF/h × 1.5 (starts outside business hours, "  # noqa: RUF001
            "Saturday 10:00) = 18000 HUF",
        ),
        "travel": (
            Step("travel", {"amount": "20.00", "currency": "EUR"}),
            "Travel 20.00 EUR",
        ),
        "amount": (
            Step("amount", {"amount": "1234.50", "currency": "EUR"}),
            "Amount 1234.50 EUR",
        ),
    }
