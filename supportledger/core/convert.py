"""VendorPolicy rows <-> the rules' ``Policy``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from supportledger.core.models import VendorPolicy
from supportledger.rules.types import (
    DEFAULT_KIND_DEFAULTS,
    ClaimPolicy,
    EntitlementKind,
    KindDefaults,
    Policy,
    RenewalPolicy,
    as_category,
    as_kind,
    as_mode,
)


def policy_fields_from_preset(preset: Any) -> dict[str, Any]:
    """The VendorPolicy field values of a rules preset (rates excluded: they
    become the first service price list)."""
    policy: Policy = preset.policy
    return {
        "currency": policy.currency,
        "timezone": policy.timezone,
        "language": preset.language,
        "country": preset.country or "",
        "holidays_country": policy.holidays or "",
        "closures": sorted(d.isoformat() for d in policy.closures),
        "extra_working_days": sorted(d.isoformat() for d in policy.extra_working_days),
        "business_hours_only_modes": sorted(policy.business_hours_only_modes),
        "outside_business_hours": policy.outside_business_hours,
        "business_hours": {
            day: [span[0].strftime("%H:%M"), span[1].strftime("%H:%M")]
            for day, span in policy.business_hours.items()
        },
        "increment_contract_minutes": policy.increment_contract,
        "increment_no_contract_minutes": policy.increment_no_contract,
        "onsite_minimum_minutes": policy.onsite_minimum_minutes,
        "service_area": list(policy.service_area),
        "uncovered_work": policy.uncovered_work,
        "after_hours_multiplier": policy.after_hours_multiplier,
        "kind_defaults": {kind: _kind_spec(spec) for kind, spec in policy.kind_defaults.items()},
        "kinds_sold": list(_kinds_sold(preset)),
        "channels": list(preset.channels),
        "features": sorted(getattr(preset, "features", ())),
        "warranty_months": _months(preset, "warranty"),
        "support_period_months": _months(preset, "support_period"),
        "renewal_grace_months": policy.renewal.grace_months,
        "renewal_grace_rate": policy.renewal.grace_rate,
        "renewal_standard_rate": policy.renewal.standard_rate,
        "renewal_term_months": policy.renewal.term_months,
        "renewal_round_to": policy.renewal.round_to,
        "complaint_business_days": policy.claims.complaint_business_days,
        "service_warranty_days": policy.claims.service_warranty_days,
        "auto_confirm_days": policy.claims.auto_confirm_days,
    }


def _kind_spec(spec: KindDefaults) -> dict[str, Any]:
    """A kind's defaults as stored: ``downloads`` only when the preset says."""
    stored: dict[str, Any] = {"covers": sorted(spec.covers), "modes": sorted(spec.modes)}
    if spec.downloads is not None:
        stored["downloads"] = spec.downloads
    return stored


def _kinds_sold(preset: Any) -> list[str]:
    kinds = preset.kinds_sold
    return list(kinds.keys() if isinstance(kinds, Mapping) else kinds)


def _months(preset: Any, kind: str) -> int:
    return int(getattr(preset, f"default_{kind}_months", 0) or 0)


def kind_defaults_from_row(row: VendorPolicy) -> dict[EntitlementKind, KindDefaults]:
    """The kind defaults of DESIGN 3.3 with the row's overrides applied."""
    defaults = dict(DEFAULT_KIND_DEFAULTS)
    for kind, spec in (row.kind_defaults or {}).items():
        defaults[as_kind(kind)] = KindDefaults(
            frozenset(as_category(c) for c in spec["covers"]),
            frozenset(as_mode(m) for m in spec["modes"]),
            spec.get("downloads"),
        )
    return defaults


def renewal_policy_from_row(row: VendorPolicy) -> RenewalPolicy:
    """The renewal terms of DESIGN 3.4 as the row holds them."""
    return RenewalPolicy(
        grace_months=row.renewal_grace_months,
        grace_rate=Decimal(row.renewal_grace_rate),
        standard_rate=Decimal(row.renewal_standard_rate),
        term_months=row.renewal_term_months,
        round_to=Decimal(row.renewal_round_to),
    )


def policy_from_row(row: VendorPolicy, rates: Mapping[str, Decimal]) -> Policy:
    """The rules' Policy: the row plus the service price list in force
    (``rates``: per mode per hour, and ``travel`` per visit)."""
    return Policy(
        currency=row.currency,
        timezone=row.timezone,
        business_hours={
            day: (time.fromisoformat(span[0]), time.fromisoformat(span[1]))
            for day, span in row.business_hours.items()
        },
        holidays=row.holidays_country or None,
        closures=frozenset(date.fromisoformat(d) for d in row.closures),
        extra_working_days=frozenset(date.fromisoformat(d) for d in row.extra_working_days),
        business_hours_only_modes=frozenset(row.business_hours_only_modes),
        outside_business_hours=row.outside_business_hours,  # type: ignore[arg-type]
        increment_contract=row.increment_contract_minutes,
        increment_no_contract=row.increment_no_contract_minutes,
        onsite_minimum_minutes=row.onsite_minimum_minutes,
        service_area=tuple(row.service_area),
        uncovered_work=row.uncovered_work,  # type: ignore[arg-type]
        after_hours_multiplier=Decimal(row.after_hours_multiplier),
        rates=dict(rates),
        kind_defaults=kind_defaults_from_row(row),
        renewal=renewal_policy_from_row(row),
        claims=ClaimPolicy(
            complaint_business_days=row.complaint_business_days,
            service_warranty_days=row.service_warranty_days,
            auto_confirm_days=row.auto_confirm_days,
        ),
    )
