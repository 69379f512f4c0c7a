"""Named reads of licences, entitlements and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum

from supportledger.customers.models import Customer
from supportledger.entitlements.convert import (
    carried_over,
    carried_over_of,
    month_start,
    previous_month_start,
)
from supportledger.entitlements.held import (
    SEPARATOR,
    HeldEntitlement,
    as_date,
    read_held,
    read_summary_values,
)
from supportledger.entitlements.models import (
    REFERENCE_PREFIX,
    BalanceAlert,
    Entitlement,
    LedgerEntry,
    Licence,
)


@dataclass(frozen=True)
class EntitlementLine:
    """One line of a customer's entitlement summary. Minutes are whole
    minutes; ``allowance_used`` is the use of the month's allowance in the
    calendar month of the summary date, ``allowance_this_month`` that
    allowance (``minutes_per_month`` plus what a rolling-over contract
    carried from last month, as the rating counts it); ``products`` None =
    all."""

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
    allowance_this_month: int
    updates: bool


@dataclass(frozen=True)
class Holdings:
    """Everything a customer holds as loaded once: the entitlements (by
    ``ends`` then id, each with the product codes it applies to) and the
    allowance use of ``on``'s month and the month before
    (``used[(entitlement id, first of month)]``, minutes). Both the summary
    and a rating preview of that day are worked out from it."""

    customer_id: int
    on: date
    rows: list[HeldEntitlement]
    used: dict[tuple[int, date], int]

    def summary(self) -> list[EntitlementLine]:
        """The summary lines of ``on`` (see ``get_entitlement_summary``)."""
        on, used = self.on, self.used
        month, last_month = month_start(on), previous_month_start(on)
        return [
            EntitlementLine(
                id=row.pk,
                reference=row.reference,
                kind=row.kind,
                starts=row.starts,
                ends=row.ends,
                valid=row.starts <= on <= row.ends,
                products=row.product_codes,
                minutes_granted=row.minutes_granted,
                balance_minutes=row.balance_minutes,
                incidents_granted=row.incidents_granted,
                balance_incidents=row.balance_incidents,
                minutes_per_month=row.minutes_per_month,
                allowance_used=used.get((row.pk, month), 0),
                allowance_this_month=row.minutes_per_month
                + carried_over(row, month=month, used_last_month=used.get((row.pk, last_month), 0)),
                updates=row.updates,
            )
            for row in self.rows
        ]

    def valid_rows(self) -> list[HeldEntitlement]:
        """The rows valid on ``on``, by id (the order the rating reads them)."""
        return sorted(
            (row for row in self.rows if row.starts <= self.on <= row.ends), key=lambda r: r.pk
        )


def get_holdings(customer: Customer | int, *, on: date) -> Holdings:
    """What ``customer`` (or the customer of that id) holds, from the cached
    balances: one SQL statement whatever the size of the ledger (the
    entitlements with their products and the allowance use of ``on``'s
    month and the month before, see ``entitlements.held``)."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    month, last_month = month_start(on), previous_month_start(on)
    rows, used = read_held(customer_id, month=month, last_month=last_month)
    return Holdings(customer_id=customer_id, on=on, rows=rows, used=used)


_PREFIX: dict[str, str] = {kind.value: prefix for kind, prefix in REFERENCE_PREFIX.items()}
"""``REFERENCE_PREFIX`` by the kind's stored value."""


def get_entitlement_summary(customer: Customer | int, *, on: date) -> list[EntitlementLine]:
    """Everything ``customer`` holds, from the cached balances: one SQL
    statement whatever the size of the ledger. The same lines as
    ``get_holdings(customer, on=on).summary()``, from a statement reading
    only what the lines show (``entitlements.held.read_summary_values``)."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    month, last_month = month_start(on), previous_month_start(on)
    lines = []
    for (
        pk,
        kind,
        starts,
        ends,
        minutes_granted,
        balance_minutes,
        incidents_granted,
        balance_incidents,
        minutes_per_month,
        rollover,
        updates,
        licence_product,
        listed,
        used_this,
        used_last,
    ) in read_summary_values(customer_id, month=month, last_month=last_month):
        if licence_product is not None:
            products: frozenset[str] | None = frozenset((licence_product,))
        elif listed:
            products = frozenset(listed.split(SEPARATOR))
        else:
            products = None
        starts, ends = as_date(starts), as_date(ends)
        lines.append(
            EntitlementLine(
                id=pk,
                reference=f"{_PREFIX[kind]}-{pk}",
                kind=kind,
                starts=starts,
                ends=ends,
                valid=starts <= on <= ends,
                products=products,
                minutes_granted=minutes_granted,
                balance_minutes=balance_minutes,
                incidents_granted=incidents_granted,
                balance_incidents=balance_incidents,
                minutes_per_month=minutes_per_month,
                allowance_used=used_this or 0,
                allowance_this_month=minutes_per_month
                + carried_over_of(
                    rollover=bool(rollover),
                    starts=starts,
                    minutes_per_month=minutes_per_month,
                    month=month,
                    used_last_month=used_last or 0,
                ),
                updates=bool(updates),
            )
        )
    return lines


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


def list_unnotified_balance_alerts() -> QuerySet[BalanceAlert]:
    """Alerts whose mail has not gone out yet, oldest first."""
    return (
        BalanceAlert.objects.filter(notified_at__isnull=True)
        .select_related("entitlement__customer")
        .order_by("crossed_at", "id")
    )


def list_licences_with_activations(customer: Customer) -> QuerySet[Licence]:
    """The customer's licences, newest sale first, with product and activations."""
    return (
        Licence.objects.filter(customer=customer)
        .select_related("product")
        .prefetch_related("activations")
        .order_by("-sold_on", "-id")
    )


LEDGER_HISTORY = 100
"""Ledger entries the customer page shows behind the balances."""


def list_recent_ledger_entries_query(customer: Customer) -> QuerySet[LedgerEntry]:
    """All the ledger entries of the customer's entitlements, newest first,
    each with its entitlement."""
    return (
        LedgerEntry.objects.filter(entitlement__customer=customer)
        .select_related("entitlement")
        .order_by("-created_at", "-id")
    )


def pick_licences(customer_id: int, text: str, limit: int = 10) -> list[Licence]:
    """Up to ``limit`` + 1 licences of the customer ``customer_id`` (only)
    whose reference (``LIC-<n>``), product code or product name matches
    ``text``, newest first, products read with them; one query."""
    rows = (
        Licence.objects.filter(customer_id=customer_id)
        .select_related("product")
        .order_by("-sold_on", "-id")
    )
    text = text.strip()
    number = text.upper().removeprefix("LIC-")
    if number.isdigit():
        rows = rows.filter(pk=int(number))
    elif text:
        rows = rows.filter(Q(product__code__icontains=text) | Q(product__name__icontains=text))
    return list(rows[: limit + 1])


def list_recent_ledger_entries(
    customer: Customer, *, limit: int = LEDGER_HISTORY
) -> list[LedgerEntry]:
    """The latest ``limit`` ledger entries of all the customer's entitlements,
    newest first, each with its entitlement: the history behind the balances."""
    return list(list_recent_ledger_entries_query(customer)[:limit])
