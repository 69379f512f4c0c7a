"""Named reads of licences, entitlements and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet, Sum

from supportledger.customers.models import Customer
from supportledger.entitlements.convert import month_start, product_codes
from supportledger.entitlements.models import (
    AllowanceUsage,
    BalanceAlert,
    Entitlement,
    LedgerEntry,
    Licence,
)


@dataclass(frozen=True)
class EntitlementLine:
    """One line of a customer's entitlement summary. Minutes are whole
    minutes; ``allowance_used`` is the use of ``minutes_per_month`` in the
    calendar month of the summary date; ``products`` None = all."""

    id: int
    reference: str
    kind: str
    starts: date
    ends: date
    valid: bool
    products: frozenset[str] | None
    minutes_granted: int
    balance_minutes: int
    incidents_granted: int
    balance_incidents: int
    minutes_per_month: int
    allowance_used: int
    updates: bool


def get_entitlement_summary(customer: Customer, *, on: date) -> list[EntitlementLine]:
    """Everything ``customer`` holds, from the cached balances: three queries
    whatever the size of the ledger (entitlements with their licence, their
    products, the allowance use of ``on``'s month)."""
    rows = list(
        Entitlement.objects.filter(customer=customer)
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("ends", "id")
    )
    month = month_start(on)
    used = dict(
        AllowanceUsage.objects.filter(entitlement__customer=customer, month=month).values_list(
            "entitlement_id", "used_minutes"
        )
    )
    return [
        EntitlementLine(
            id=row.pk,
            reference=row.reference,
            kind=row.kind,
            starts=row.starts,
            ends=row.ends,
            valid=row.starts <= on <= row.ends,
            products=product_codes(row),
            minutes_granted=row.minutes_granted,
            balance_minutes=row.balance_minutes,
            incidents_granted=row.incidents_granted,
            balance_incidents=row.balance_incidents,
            minutes_per_month=row.minutes_per_month,
            allowance_used=used.get(row.pk, 0),
            updates=row.updates,
        )
        for row in rows
    ]


def get_balance_from_ledger(entitlement: Entitlement) -> tuple[int, int]:
    """(minutes, incidents) summed from the ledger, allowance entries aside:
    what ``balance_minutes`` / ``balance_incidents`` cache."""
    sums = LedgerEntry.objects.filter(
        entitlement=entitlement, allowance_month__isnull=True
    ).aggregate(minutes=Sum("minutes_delta"), incidents=Sum("incidents_delta"))
    return sums["minutes"] or 0, sums["incidents"] or 0


def get_allowance_used_from_ledger(entitlement: Entitlement, month: date) -> int:
    """Minutes of the allowance used in ``month``, summed from the ledger."""
    total = LedgerEntry.objects.filter(
        entitlement=entitlement, allowance_month=month_start(month)
    ).aggregate(total=Sum("minutes_delta"))["total"]
    return -(total or 0)


def list_ledger_entries(entitlement: Entitlement) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(entitlement=entitlement).order_by("id")


def list_licences_for_customer(customer: Customer) -> QuerySet[Licence]:
    return Licence.objects.filter(customer=customer).select_related("product")


def list_unnotified_balance_alerts() -> QuerySet[BalanceAlert]:
    """Alerts whose mail has not gone out yet, oldest first."""
    return (
        BalanceAlert.objects.filter(notified_at__isnull=True)
        .select_related("entitlement__customer")
        .order_by("crossed_at", "id")
    )
