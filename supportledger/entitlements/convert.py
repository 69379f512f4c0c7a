"""Entitlement rows <-> the rules' values, and the policy in force on a day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from supportledger.core import policy_cache
from supportledger.core.convert import policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.core.references import request_reference
from supportledger.entitlements.held import HeldEntitlement
from supportledger.entitlements.models import Entitlement as EntitlementRow
from supportledger.entitlements.models import Kind
from supportledger.entitlements.models import Licence as LicenceRow
from supportledger.rules.types import (
    Category,
    Entitlement,
    EntitlementKind,
    KindDefaults,
    Licence,
    Mode,
    Policy,
    as_category,
    as_kind,
    as_mode,
)


def local_date(instant: datetime, timezone: str) -> date:
    """The calendar date of ``instant`` in the policy time zone."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def carried_over(
    row: EntitlementRow | HeldEntitlement, *, month: date, used_last_month: int
) -> int:
    """Minutes of last month's allowance a rolling-over contract carries into
    ``month`` (the first of a month): what it left unused, if it ran then."""
    return carried_over_of(
        rollover=row.rollover,
        starts=row.starts,
        minutes_per_month=row.minutes_per_month,
        month=month,
        used_last_month=used_last_month,
    )


def carried_over_of(
    *, rollover: bool, starts: date, minutes_per_month: int, month: date, used_last_month: int
) -> int:
    """``carried_over`` of an entitlement's columns."""
    if not rollover or starts >= month:
        return 0
    return max(0, minutes_per_month - used_last_month)


def policy_on(row: VendorPolicy, day: date, held: policy_cache.Snapshot | None = None) -> Policy:
    """The rules' Policy with the service price list in force on ``day``;
    built once per price list while ``row`` is the cached policy row.
    ``held``: the policy cache's snapshot when the caller has it already
    (saves reading the policy version again)."""
    held = held or policy_cache.current()
    prices = held.price_on(day)
    if prices is None:
        raise ActionRefused("no_price_list", f"No service price list is in force on {day}.")
    if row is held.policy:
        return held.rules_policy(prices)
    return policy_from_row(row, {name: getattr(prices, name) for name in prices.RATE_FIELDS})


def licence_to_rules(row: LicenceRow) -> Licence:
    """The rules' view of a licence: its product, whether it is a subscription
    (it has ``expires``) and its sale date, which makes the version bought
    downloadable. Needs ``product`` selected."""
    return Licence(
        product=row.product.code,
        kind="perpetual" if row.expires is None else "subscription",
        expires=row.expires,
        sold_on=row.sold_on,
    )


def product_codes(row: EntitlementRow) -> frozenset[str] | None:
    """The products an entitlement applies to; None = all. Needs
    ``licence__product`` selected and ``products`` prefetched."""
    if row.licence is not None:
        return frozenset({row.licence.product.code})
    codes = frozenset(p.code for p in row.products.all())
    return codes or None


def resolved_covers_and_modes(
    row: EntitlementRow | HeldEntitlement, kind_defaults: Mapping[EntitlementKind, KindDefaults]
) -> tuple[frozenset[Category], frozenset[Mode]]:
    """What ``row`` covers and in which modes: its own lists, else its kind's defaults."""
    default = kind_defaults[as_kind(row.kind)]
    covers = default.covers if row.covers is None else frozenset(as_category(c) for c in row.covers)
    modes = default.modes if row.modes is None else frozenset(as_mode(m) for m in row.modes)
    return covers, modes


def grants_downloads_of(
    row: EntitlementRow | HeldEntitlement, kind_defaults: Mapping[EntitlementKind, KindDefaults]
) -> bool | None:
    """Whether ``row`` lets its holder download new releases: as the copy of
    the terms it was sold on says (``terms["grants_downloads"]``), else the
    policy's default for its kind (``None``: the kind's own rule)."""
    stored = (row.terms or {}).get("grants_downloads")
    if isinstance(stored, bool):
        return stored
    return kind_defaults[as_kind(row.kind)].downloads


def entitlement_to_rules(
    row: EntitlementRow | HeldEntitlement,
    *,
    kind_defaults: Mapping[EntitlementKind, KindDefaults],
    used_this_month: int = 0,
    unused_last_month: int = 0,
) -> Entitlement:
    """The rules' view of a row (a model instance, or a ``HeldEntitlement``)
    with its balances at this moment; ``id`` is the human reference
    (``PKG-3``), so explanations read well."""
    covers, modes = resolved_covers_and_modes(row, kind_defaults)
    return Entitlement(
        id=row.reference,
        kind=as_kind(row.kind),
        starts=row.starts,
        ends=row.ends,
        covers=covers,
        modes=modes,
        products=row.product_codes if isinstance(row, HeldEntitlement) else product_codes(row),
        sla=row.sla,
        minutes_per_month=row.minutes_per_month,
        used_this_month=used_this_month,
        rollover=row.rollover,
        unused_last_month=unused_last_month,
        updates=row.updates,
        response_business_minutes=row.response_business_minutes,
        balance_minutes=row.balance_minutes,
        balance_incidents=row.balance_incidents,
        requires=as_kind(row.requires) if row.requires else None,
        request=request_reference(row.request_id) if row.request_id is not None else None,
        grants_downloads=grants_downloads_of(row, kind_defaults),
    )


def allocation_consumes_allowance(
    row: EntitlementRow | HeldEntitlement,
    kind_defaults: Mapping[EntitlementKind, KindDefaults],
    category: str,
    mode: str,
) -> bool:
    """Whether a rating's allocation to contract ``row`` draws its monthly
    allowance (DESIGN 3.2 step 7) rather than being free cover (step 4).

    Step 4 takes a contract as free cover exactly when it covers the category
    in one of its modes, and then stops; so an allocation to a contract that
    does not cover the work can only come from its allowance.
    """
    if row.kind != Kind.CONTRACT or row.minutes_per_month == 0:
        return False
    covers, modes = resolved_covers_and_modes(row, kind_defaults)
    return not (category in covers and mode in modes)
