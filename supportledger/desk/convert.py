"""Desk rows <-> rules values: the customer's entitlements as the rules see
them, and the vendor's business calendar."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from supportledger.core.convert import kind_defaults_from_row, policy_from_row
from supportledger.core.models import VendorPolicy
from supportledger.entitlements.convert import (
    carried_over,
    entitlement_to_rules,
    month_start,
    previous_month_start,
)
from supportledger.entitlements.held import HeldEntitlement
from supportledger.entitlements.models import AllowanceUsage, Entitlement, Kind
from supportledger.rules import types as rules
from supportledger.rules.calendar import BusinessCalendar


def business_calendar(policy_row: VendorPolicy) -> BusinessCalendar:
    """The vendor's calendar (hours, holidays, closures; no rates needed)."""
    return BusinessCalendar.for_policy(policy_from_row(policy_row, {}))


def rules_entitlements(
    rows: Iterable[Entitlement | HeldEntitlement],
    policy_row: VendorPolicy,
    day: date,
    usage: Mapping[tuple[int, date], int] | None = None,
) -> list[rules.Entitlement]:
    """``rows`` as the rules' entitlements with their balances now, and each
    contract's allowance use of ``day``'s calendar month (and last month's
    unused minutes when it rolls over). One query for the allowance use,
    none when ``usage`` (minutes by entitlement id and first of month, for
    ``day``'s month and the one before) is given. Model rows need
    ``licence__product`` selected and ``products`` prefetched."""
    rows = list(rows)
    month, last_month = month_start(day), previous_month_start(day)
    if usage is None:
        contracts = [row.pk for row in rows if row.kind == Kind.CONTRACT]
        usage = _allowance_usage(contracts, month, last_month)
    kind_defaults = kind_defaults_from_row(policy_row)
    values = []
    for row in rows:
        unused_last = carried_over(
            row, month=month, used_last_month=usage.get((row.pk, last_month), 0)
        )
        values.append(
            entitlement_to_rules(
                row,
                kind_defaults=kind_defaults,
                used_this_month=usage.get((row.pk, month), 0),
                unused_last_month=unused_last,
            )
        )
    return values


def _allowance_usage(
    contracts: list[int], month: date, last_month: date
) -> dict[tuple[int, date], int]:
    usage = {}
    if contracts:
        usage = {
            (u.entitlement_id, u.month): u.used_minutes
            for u in AllowanceUsage.objects.filter(
                entitlement_id__in=contracts, month__in=[month, last_month]
            )
        }
    return usage
