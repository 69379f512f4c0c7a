"""Small builders of rules values for the tests: sensible defaults, named overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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
