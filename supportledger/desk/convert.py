"""Desk rows <-> rules values: the customer's entitlements as the rules see
them, and the vendor's business calendar."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum

from supportledger.core.convert import kind_defaults_from_row, policy_from_row
from supportledger.core.models import VendorPolicy
from supportledger.entitlements.convert import (
    carried_over,
    entitlement_to_rules,
    month_start,
    previous_month_start,
)
from supportledger.entitlements.held import HeldEntitlement
from supportledger.entitlements.models import AllowanceUsage, Entitlement, Kind, LedgerEntry
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


RECENTLY_EXPIRED = timedelta(days=366)
"""How long after it ended an entitlement is still named in a rating's
explanation as one that did not pay (expired); older ones are history."""


def with_passed_over_context(
    valid_rows: Sequence[Entitlement | HeldEntitlement],
    valid_values: Sequence[rules.Entitlement],
    other_rows: Iterable[Entitlement | HeldEntitlement],
    policy_row: VendorPolicy,
    day: date,
    started_at: datetime,
    usage: Mapping[tuple[int, date], int] | None = None,
    *,
    later_work: bool = True,
) -> list[rules.Entitlement]:
    """The entitlements to rate a piece of work starting at ``started_at``
    (local date ``day``) with: ``valid_values`` (those valid that day, from
    ``valid_rows`` in the same order), then ``other_rows`` that are not valid
    that day but not yet valid or expired within ``RECENTLY_EXPIRED``, which
    pay nothing and are named in the rating's ``passed_over``. A voucher with
    nothing left carries the minutes work dated after ``started_at`` drew
    from it (``drawn_by_later_work``, one query), so its explanation can say
    it was drained by work recorded earlier for a later date. ``later_work``
    False skips that query (a preview of work starting now: no work is
    dated later)."""
    others = [
        row
        for row in other_rows
        if not row.starts <= day <= row.ends
        and (row.starts > day or day - row.ends <= RECENTLY_EXPIRED)
    ]
    rows = [*valid_rows, *others]
    values = list(valid_values)
    if others:
        values += rules_entitlements(others, policy_row, day, usage)
    drained = [
        row.pk
        for row, value in zip(rows, values, strict=True)
        if value.kind == "prepaid_hours" and value.balance_minutes <= 0
    ]
    if not drained or not later_work:
        return values
    later = dict(drawn_by_later_work(drained, started_at))
    return [
        replace(value, drawn_by_later_work=-later[row.pk]) if later.get(row.pk, 0) < 0 else value
        for row, value in zip(rows, values, strict=True)
    ]


def drawn_by_later_work(entitlement_ids: Sequence[int], started_at: datetime) -> Any:
    """(entitlement id, minutes moved) of the vouchers ``entitlement_ids`` by
    the work started after ``started_at`` (negative: drawn). Walks the index
    of the entries work posted on vouchers (``ledgerentry_drawn_by_work``),
    not each voucher's whole ledger."""
    return (
        LedgerEntry.objects.filter(
            entitlement_id__in=entitlement_ids,
            allowance_month__isnull=True,
            work_rating__isnull=False,
            work_rating__work__started_at__gt=started_at,
        )
        .order_by()
        .values("entitlement_id")
        .annotate(minutes=Sum("minutes_delta"))
        .values_list("entitlement_id", "minutes")
    )
