"""Bringing a vendor's existing data in, through the same actions staff use.

``do_import_vendor_data`` runs every row of every kind (in the order of
``sheets.KINDS``) inside one transaction, each row in its own savepoint so
one bad row does not hide the next: the outcome is every problem with its
file, line, column and reason. Nothing is kept unless there is no problem at
all and it is not a dry run (all or nothing). Each row carries the vendor's
own reference; a row whose reference was imported before is left as it is,
so importing the same files twice changes nothing.

Opening balances: a voucher becomes a prepaid-hours package granting its
*remaining* minutes, an incident pack its remaining incidents; the grant's
ledger note says they were carried over, with the vendor's history text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from supportledger.catalog.actions import do_create_product, do_set_product_price
from supportledger.catalog.models import LicenceModel, Product, ProductPrice
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import do_add_contact, do_create_customer
from supportledger.customers.models import Contact, Customer, CustomerType
from supportledger.entitlements.actions.sales import (
    do_extend_support_period,
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import BillingPeriod, Entitlement, Kind, Licence
from supportledger.imports.models import ImportedRecord
from supportledger.imports.sheets import KINDS, ImportProblem, Row


class RowRefused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class _RollBack(Exception):
    pass


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refused one, would do):
    rows created and left unchanged per kind, and every problem."""

    dry_run: bool
    created: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.problems


@dataclass
class _Context:
    """What one import run knows: the products by code and the references
    already imported (loaded once, then kept up to date). A row's new
    references wait in ``pending`` until its savepoint commits, so a refused
    row leaves nothing behind."""

    acting_user: Any
    at: datetime
    products: dict[str, Product]
    known: dict[tuple[str, str], int] = field(default_factory=dict)
    pending: dict[tuple[str, str], int] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)

    def product(self, code: str, column: str = "product") -> Product:
        product = self.products.get(code)
        if product is None:
            product = Product.objects.filter(code=code).first()
            if product is None:
                raise RowRefused(column, f"no product with code {code!r}")
            self.products[code] = product
        return product

    def record(self, kind: str, ref: str) -> int | None:
        return self.pending.get((kind, ref), self.known.get((kind, ref)))

    def remember(self, kind: str, ref: str, object_id: int) -> None:
        ImportedRecord.objects.create(kind=kind, ref=ref, object_id=object_id, imported_at=self.at)
        self.pending[(kind, ref)] = object_id

    def row_kept(self) -> None:
        self.known.update(self.pending)
        self.pending.clear()

    def row_refused(self) -> None:
        self.pending.clear()

    def customer(self, ref: str) -> Customer:
        pk = self.record("customers", ref)
        if pk is None:
            raise RowRefused("customer", f"no customer with ref {ref!r} (customers file)")
        if pk not in self.customers:
            self.customers[pk] = Customer.objects.get(pk=pk)
        return self.customers[pk]

    def licence(self, ref: str) -> Licence:
        pk = self.record("licences", ref)
        if pk is None:
            raise RowRefused("licence", f"no licence with ref {ref!r} (licences file)")
        return Licence.objects.get(pk=pk)


def _carried_over(what: str, history: str, at: datetime) -> str:
    note = f"Opening balance: {what} carried over on {at:%Y-%m-%d}"
    return (f"{note}; {history}" if history else note)[:200]


def _dates(values: dict[str, Any]) -> tuple[date, date]:
    if values["ends"] < values["starts"]:
        raise RowRefused("ends", "ends before it starts")
    return values["starts"], values["ends"]


# Each importer brings one row in; True when it created something.


def _product(row: Row, ctx: _Context) -> bool:
    values = row.values
    if Product.objects.filter(code=values["code"]).exists():
        return False
    model = values.get("licence_model") or LicenceModel.PERPETUAL
    if model not in LicenceModel.values:
        raise RowRefused("licence_model", f"one of {', '.join(LicenceModel.values)}")
    ctx.products[values["code"]] = do_create_product(
        acting_user=ctx.acting_user,
        code=values["code"],
        name=values["name"],
        licence_model=model,
        support_period_months=values.get("support_period_months"),
        warranty_months=values.get("warranty_months"),
        now=ctx.at,
    )
    return True


def _price(row: Row, ctx: _Context) -> bool:
    values = row.values
    product = ctx.product(values["product"])
    existing = ProductPrice.objects.filter(
        product=product, effective_from=values["effective_from"]
    ).first()
    if existing is not None:
        if existing.amount == values["amount"] and existing.currency == values["currency"]:
            return False
        raise RowRefused("amount", "a different price is already set from that day")
    do_set_product_price(
        acting_user=ctx.acting_user,
        product=product,
        effective_from=values["effective_from"],
        amount=values["amount"],
        currency=values["currency"].upper(),
        now=ctx.at,
    )
    return True


def _customer(row: Row, ctx: _Context) -> bool:
    values = row.values
    if ctx.record("customers", values["ref"]) is not None:
        return False
    customer = do_create_customer(
        acting_user=ctx.acting_user,
        organisation=values["organisation"],
        customer_type=values.get("customer_type") or CustomerType.BUSINESS,
        street=values.get("street", ""),
        postcode=values.get("postcode", ""),
        city=values["city"],
        country=values["country"],
        language=values["language"],
        currency=values["currency"],
        registration_number=values.get("registration_number", ""),
        vat_id=values.get("vat_id", ""),
        now=ctx.at,
    )
    ctx.remember("customers", values["ref"], customer.pk)
    return True


def _contact(row: Row, ctx: _Context) -> bool:
    values = row.values
    customer = ctx.customer(values["customer"])
    if Contact.objects.filter(customer=customer, email__iexact=values["email"]).exists():
        return False
    do_add_contact(
        acting_user=ctx.acting_user,
        customer=customer,
        name=values["name"],
        email=values["email"],
        language=values.get("language") or None,
        now=ctx.at,
    )
    return True


def _licence(row: Row, ctx: _Context) -> bool:
    values = row.values
    if ctx.record("licences", values["ref"]) is not None:
        return False
    licence = do_sell_licence(
        acting_user=ctx.acting_user,
        customer=ctx.customer(values["customer"]),
        product=ctx.product(values["product"]),
        sold_on=values["sold_on"],
        seats=values.get("seats") or 1,
        expires=values.get("expires"),
        now=ctx.at,
    )
    ctx.remember("licences", values["ref"], licence.pk)
    return True


def _support_period(row: Row, ctx: _Context) -> bool:
    values = row.values
    ref = f"{values['licence']}@{values['ends'].isoformat()}"
    if ctx.record("support_periods", ref) is not None:
        return False
    licence = ctx.licence(values["licence"])
    latest = (
        Entitlement.objects.filter(licence=licence, kind=Kind.SUPPORT_PERIOD)
        .order_by("-ends", "-pk")
        .first()
    )
    if latest is None:
        raise RowRefused("licence", "the licence's product carries no support period")
    if values["ends"] <= latest.ends:
        ctx.remember("support_periods", ref, latest.pk)
        return False
    extended = do_extend_support_period(
        acting_user=ctx.acting_user, entitlement=latest, new_ends=values["ends"], now=ctx.at
    )
    ctx.remember("support_periods", ref, extended.pk)
    return True


def _voucher(row: Row, ctx: _Context) -> bool:
    values = row.values
    if ctx.record("vouchers", values["ref"]) is not None:
        return False
    starts, ends = _dates(values)
    if values["minutes_remaining"] == 0:
        raise RowRefused("minutes_remaining", "a voucher with nothing left need not be imported")
    voucher = do_sell_voucher(
        acting_user=ctx.acting_user,
        customer=ctx.customer(values["customer"]),
        minutes=values["minutes_remaining"],
        starts=starts,
        ends=ends,
        products=[ctx.product(code, "products") for code in values.get("products", [])],
        note=_carried_over(
            f"{values['minutes_remaining']} minutes", values.get("history", ""), ctx.at
        ),
        now=ctx.at,
    )
    ctx.remember("vouchers", values["ref"], voucher.pk)
    return True


def _contract(row: Row, ctx: _Context) -> bool:
    values = row.values
    if ctx.record("contracts", values["ref"]) is not None:
        return False
    starts, ends = _dates(values)
    period = values.get("billing_period") or BillingPeriod.MONTH
    if period not in BillingPeriod.values:
        raise RowRefused("billing_period", f"one of {', '.join(BillingPeriod.values)}")
    if values.get("fee") is not None and not values.get("currency"):
        raise RowRefused("currency", "required with a fee")
    contract = do_sell_contract(
        acting_user=ctx.acting_user,
        customer=ctx.customer(values["customer"]),
        starts=starts,
        ends=ends,
        sla=values.get("sla", False),
        minutes_per_month=values.get("minutes_per_month", 0),
        rollover=values.get("rollover", False),
        updates=values.get("updates", False),
        products=[ctx.product(code, "products") for code in values.get("products", [])],
        fee=values.get("fee"),
        currency=values.get("currency", "").upper(),
        billing_period=period,
        now=ctx.at,
    )
    ctx.remember("contracts", values["ref"], contract.pk)
    return True


def _incident_pack(row: Row, ctx: _Context) -> bool:
    values = row.values
    if ctx.record("incident_packs", values["ref"]) is not None:
        return False
    starts, ends = _dates(values)
    if values["incidents_remaining"] == 0:
        raise RowRefused("incidents_remaining", "a pack with nothing left need not be imported")
    pack = do_sell_incident_pack(
        acting_user=ctx.acting_user,
        customer=ctx.customer(values["customer"]),
        incidents=values["incidents_remaining"],
        starts=starts,
        ends=ends,
        requires=values.get("requires", ""),
        note=_carried_over(
            f"{values['incidents_remaining']} incidents", values.get("history", ""), ctx.at
        ),
        now=ctx.at,
    )
    ctx.remember("incident_packs", values["ref"], pack.pk)
    return True


IMPORTERS: dict[str, Callable[[Row, _Context], bool]] = {
    "products": _product,
    "prices": _price,
    "customers": _customer,
    "contacts": _contact,
    "licences": _licence,
    "support_periods": _support_period,
    "vouchers": _voucher,
    "contracts": _contract,
    "incident_packs": _incident_pack,
}
assert list(IMPORTERS) == list(KINDS)


def do_import_vendor_data(
    *,
    acting_user: Any,
    tables: dict[str, list[Row]],
    problems: list[ImportProblem] = (),  # type: ignore[assignment]
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Import ``tables`` (read by ``sheets.read_tables``, whose reading
    ``problems`` are passed on). Rows with reading problems are not run;
    every other row is, so the report lists every problem at once."""
    report = ImportReport(dry_run=dry_run, problems=list(problems))
    bad_lines = {(p.file, p.line) for p in report.problems}
    ctx = _Context(acting_user=acting_user, at=now or clock.now(), products={})
    ctx.known = {
        (kind, ref): object_id
        for kind, ref, object_id in ImportedRecord.objects.values_list("kind", "ref", "object_id")
    }
    try:
        with transaction.atomic():
            for kind, importer in IMPORTERS.items():
                for row in tables.get(kind, []):
                    if (row.file, row.line) in bad_lines:
                        continue
                    try:
                        with transaction.atomic():
                            created = importer(row, ctx)
                    except RowRefused as refused:
                        ctx.row_refused()
                        report.problems.append(
                            ImportProblem(row.file, row.line, refused.column, refused.reason)
                        )
                        continue
                    except ActionRefused as refused:
                        ctx.row_refused()
                        column, reason = _column_of(kind, str(refused.message))
                        report.problems.append(ImportProblem(row.file, row.line, column, reason))
                        continue
                    ctx.row_kept()
                    (report.created if created else report.unchanged)[kind] += 1
            if not report.written:
                raise _RollBack
    except _RollBack:
        pass
    report.problems.sort(key=_file_order)
    return report


def _column_of(kind: str, message: str) -> tuple[str, str]:
    """An action's refusal ``"vat_id: the check digits do not match"`` as the
    column it names and the reason; other refusals name no column."""
    name, separator, reason = message.partition(": ")
    if separator and name in {column.name for column in KINDS[kind]}:
        return name, reason
    return "", message


def _file_order(problem: ImportProblem) -> tuple[int, int]:
    kind = problem.file.removesuffix(".csv")
    return (list(KINDS).index(kind) if kind in KINDS else -1, problem.line)
