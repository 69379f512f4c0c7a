"""The ledger: entries appended, reversed and adjusted.

The functions without ``do_`` (``post_entry``, ``reverse_entry``) run
inside a caller's transaction on an entitlement row the caller has locked
(``select_for_update``); they keep the cached balances, the monthly
allowance use and the balance alerts in step with the entries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.models import (
    AllowanceUsage,
    BalanceAlert,
    Entitlement,
    LedgerEntry,
    Reason,
    Threshold,
)


def post_entry(
    entitlement: Entitlement,
    *,
    reason: str,
    minutes: int = 0,
    incidents: int = 0,
    allowance_month: date | None = None,
    allowance_used_before: int | None = None,
    work_rating: Any = None,
    reverses: LedgerEntry | None = None,
    acting_user: User | None,
    at: datetime,
    note: str = "",
) -> LedgerEntry:
    """Append one entry and move the caches it sums into.

    The caller holds the entitlement row locked. A negative cache is refused by
    the database's CHECK constraints, so an overdraft rolls the whole
    transaction back. A caller that read the allowance use of
    ``allowance_month`` under that lock passes it as ``allowance_used_before``:
    the cache is then written in one statement instead of read first.
    """
    entry = LedgerEntry.objects.create(
        entitlement=entitlement,
        reason=reason,
        minutes_delta=minutes,
        incidents_delta=incidents,
        allowance_month=allowance_month,
        work_rating=work_rating,
        reverses=reverses,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=at,
        note=note,
    )
    if allowance_month is not None:
        if allowance_used_before is None:
            usage, _ = AllowanceUsage.objects.get_or_create(
                entitlement=entitlement, month=allowance_month
            )
            used_before = usage.used_minutes
            used_after = used_before - minutes
            usage.used_minutes = used_after
            usage.save(update_fields=["used_minutes"])
        else:
            used_before = allowance_used_before
            used_after = used_before - minutes
            AllowanceUsage.objects.bulk_create(
                [
                    AllowanceUsage(
                        entitlement_id=entitlement.pk,
                        month=allowance_month,
                        used_minutes=used_after,
                    )
                ],
                update_conflicts=True,
                unique_fields=["entitlement", "month"],
                update_fields=["used_minutes"],
            )
        _record_crossings(
            entitlement,
            used_before,
            used_after,
            entitlement.minutes_per_month,
            allowance_month,
            at,
        )
        return entry
    minutes_before, incidents_before = entitlement.balance_minutes, entitlement.balance_incidents
    entitlement.balance_minutes += minutes
    entitlement.balance_incidents += incidents
    fields = ["balance_minutes", "balance_incidents"]
    if reason == Reason.GRANT:
        entitlement.minutes_granted += minutes
        entitlement.incidents_granted += incidents
        fields += ["minutes_granted", "incidents_granted"]
    entitlement.save(update_fields=fields)
    if minutes < 0:
        granted = entitlement.minutes_granted
        _record_crossings(
            entitlement,
            granted - minutes_before,
            granted - entitlement.balance_minutes,
            granted,
            None,
            at,
        )
    if incidents < 0:
        granted = entitlement.incidents_granted
        _record_crossings(
            entitlement,
            granted - incidents_before,
            granted - entitlement.balance_incidents,
            granted,
            None,
            at,
        )
    return entry


def reverse_entry(
    entry: LedgerEntry, *, acting_user: User | None, at: datetime, note: str = ""
) -> LedgerEntry:
    """Cancel ``entry`` with an opposite entry pointing at it (the entry's
    entitlement must be locked by the caller). An entry is reversed once."""
    if entry.reason == Reason.REVERSAL:
        raise ActionRefused("cannot_reverse", "A reversal is not itself reversed; post anew.")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ActionRefused("already_reversed", f"Ledger entry {entry.pk} is reversed already.")
    return post_entry(
        entry.entitlement,
        reason=Reason.REVERSAL,
        minutes=-entry.minutes_delta,
        incidents=-entry.incidents_delta,
        allowance_month=entry.allowance_month,
        work_rating=entry.work_rating,
        reverses=entry,
        acting_user=acting_user,
        at=at,
        note=note,
    )


def _record_crossings(
    entitlement: Entitlement,
    used_before: int,
    used_after: int,
    total: int,
    month: date | None,
    at: datetime,
) -> None:
    """A BalanceAlert for each threshold crossed upwards, once ever per
    threshold (per month for an allowance)."""
    if total <= 0 or used_after <= used_before:
        return
    for threshold in Threshold.values:
        if used_before * 100 < threshold * total <= used_after * 100:
            BalanceAlert.objects.get_or_create(
                entitlement=entitlement,
                threshold=threshold,
                month=month,
                defaults={"crossed_at": at},
            )


def lock_entitlement(entitlement: Entitlement) -> Entitlement:
    """The entitlement re-read under a row lock (a no-op lock on SQLite, where
    the IMMEDIATE transaction already serialises writers)."""
    return Entitlement.objects.select_for_update().get(pk=entitlement.pk)


@transaction.atomic
def do_adjust_balance(
    *,
    acting_user: User | None,
    entitlement: Entitlement,
    minutes: int = 0,
    incidents: int = 0,
    note: str,
    now: datetime | None = None,
) -> LedgerEntry:
    """A manual correction of a prepaid balance (positive adds, negative
    removes); refused when it would make the balance negative."""
    at = now or clock.now()
    locked = lock_entitlement(entitlement)
    if not (minutes or incidents):
        raise ActionRefused("invalid", "An adjustment moves minutes or incidents.")
    if locked.balance_minutes + minutes < 0 or locked.balance_incidents + incidents < 0:
        raise ActionRefused(
            "insufficient_balance",
            f"{locked.reference} holds {locked.balance_minutes} min and "
            f"{locked.balance_incidents} incidents; cannot remove more.",
        )
    entry = post_entry(
        locked,
        reason=Reason.ADJUSTMENT,
        minutes=minutes,
        incidents=incidents,
        acting_user=acting_user,
        at=at,
        note=note,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ADJUST_BALANCE,
        obj=entry,
        at=at,
        detail={"entitlement": locked.reference, "minutes": minutes, "incidents": incidents},
    )
    return entry


@transaction.atomic
def do_reverse_ledger_entry(
    *, acting_user: User | None, entry: LedgerEntry, note: str, now: datetime | None = None
) -> LedgerEntry:
    """Cancel a grant or adjustment posted in error. Consumptions belong to a
    work rating and are reversed by re-rating the work (``do_rerate_work``)."""
    at = now or clock.now()
    if entry.work_rating_id is not None:
        raise ActionRefused(
            "belongs_to_work", "This entry belongs to a work rating; re-rate the work instead."
        )
    locked = lock_entitlement(entry.entitlement)
    entry = LedgerEntry.objects.select_related("entitlement").get(pk=entry.pk)
    entry.entitlement = locked
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ActionRefused("already_reversed", f"Ledger entry {entry.pk} is reversed already.")
    if locked.balance_minutes - entry.minutes_delta < 0 or (
        locked.balance_incidents - entry.incidents_delta < 0
    ):
        raise ActionRefused(
            "insufficient_balance", f"{locked.reference} has already used what this entry gave."
        )
    reversal = reverse_entry(entry, acting_user=acting_user, at=at, note=note)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.REVERSE_LEDGER_ENTRY,
        obj=reversal,
        at=at,
        detail={"reverses": entry.pk, "note": note},
    )
    return reversal
