"""The only writes of billing: the billing run, issuing, paying, cancelling and
crediting invoices, placing and fulfilling orders, holds for overdue
invoices, renewal reminders.

Invariants the database enforces, not only this code:
- a piece of work, a contract's fee period, an order and a credited line
  are each on at most one active invoice line (partial unique constraints);
- invoice numbers are unique, and (series, year, sequence) too; numbers are
  taken from an ``InvoiceCounter`` row locked by the issuing transaction, so
  they are consecutive and a rolled-back issue leaves no gap.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, connections, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from supportledger.billing import mail
from supportledger.billing.convert import (
    WORK_LINE_FIELDS,
    LineRow,
    LineTexts,
    LineValues,
    Period,
    fee_line,
    fee_periods,
    line_row,
    line_texts,
    mark_if_earlier,
    order_line,
    travel_line,
    work_line_row,
)
from supportledger.billing.einvoice.actions import keep_national_document
from supportledger.billing.models import (
    INVOICE_TRANSITIONS,
    ORDER_TRANSITIONS,
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    NumberReset,
    Order,
    OrderKind,
    OrderStatus,
    ReminderStage,
    SentReminder,
)
from supportledger.billing.queries import (
    find_renewal_order,
    get_billing_settings,
    get_invoice_of_order,
    get_offer_sale_quote,
    get_order_quote,
    get_support_period_to_renew,
    list_overdue_invoices,
    list_renewal_reminders_due,
    missing_customer_billing_fields,
    refuse_unless_seller_complete,
    renewal_policy,
)
from supportledger.catalog.models import Offer as CatalogOffer
from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.models import AuditEntry
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.actions import do_put_customer_on_hold, do_release_customer_hold
from supportledger.customers.models import Customer, CustomerType
from supportledger.desk.models import WorkRating
from supportledger.entitlements.actions.sales import (
    do_extend_support_period,
    do_sell_offer,
    do_sell_voucher,
)
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import BillingPeriod, Entitlement, Licence
from supportledger.rules.money import round_money
from supportledger.rules.renewal import standard_term
from supportledger.rules.vat import VatDecision, decide_vat
from supportledger.service.actions.claims import do_mark_travel_charge_billed
from supportledger.service.models import TravelCharge
from supportledger.service.queries import list_unbilled_travel_charges

logger = logging.getLogger(__name__)


# --- Issuing --------------------------------------------------------------


def _number_text(settings: BillingSettings, series: str, year: int, sequence: int) -> str:
    """``PREFIX-YEAR-NNNNNN`` (or ``PREFIX-NNNNNN`` without the year), the
    running number zero-padded to ``number_width`` digits."""
    parts = [series] if series else []
    if settings.number_with_year:
        parts.append(str(year))
    parts.append(f"{sequence:0{settings.number_width}d}")
    return "-".join(parts)


def series_key(settings: BillingSettings, *, kind: str, issued_on: date) -> tuple[str, int]:
    """The counter an invoice or credit note of ``kind`` issued on
    ``issued_on`` numbers from: (series prefix, year; 0 for a series that
    never resets). Credit notes have their own series when
    ``credit_note_prefix`` is set."""
    series = settings.number_prefix
    if kind == InvoiceKind.CREDIT_NOTE and settings.credit_note_prefix:
        series = settings.credit_note_prefix
    year = issued_on.year if settings.number_reset == NumberReset.YEARLY else 0
    return series, year


def _take_number(invoice: Invoice, *, issued_on: date, settings: BillingSettings) -> None:
    """Give ``invoice`` the next number of its series (``series_key``).

    Must run inside the issuing transaction: the counter row stays locked
    until it commits, so concurrent issuers queue here and a rollback returns
    the number unused.
    """
    series, year = series_key(settings, kind=invoice.kind, issued_on=issued_on)
    InvoiceCounter.objects.get_or_create(series=series, year=year)
    counter = InvoiceCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    invoice.series, invoice.year, invoice.sequence = series, year, counter.last_number
    invoice.number = _number_text(settings, series, issued_on.year, counter.last_number)


@transaction.atomic
def do_continue_number_series(
    *,
    acting_user: Any,
    next_number: int,
    kind: str = InvoiceKind.INVOICE,
    on: date | None = None,
    now: datetime | None = None,
) -> InvoiceCounter:
    """Make ``next_number`` the next number of the series ``kind`` issues
    from on ``on`` (default today), to continue a series begun in another
    program. Refuses to go back: a number already issued is never reused."""
    at = now or clock.now()
    settings = get_billing_settings()
    today = on or local_date(at, get_vendor_policy().timezone)
    if next_number < 1:
        raise ActionRefused("invalid", "next_number: " + _("must be at least 1."))
    series, year = series_key(settings, kind=kind, issued_on=today)
    InvoiceCounter.objects.get_or_create(series=series, year=year)
    counter = InvoiceCounter.objects.select_for_update().get(series=series, year=year)
    if next_number <= counter.last_number:
        raise ActionRefused(
            "invalid",
            "next_number: "
            + _("%(number)s is already issued in this series; the next is %(next)s.")
            % {"number": next_number, "next": counter.last_number + 1},
        )
    counter.last_number = next_number - 1
    counter.save(update_fields=["last_number"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CONTINUE_NUMBER_SERIES,
        obj=counter,
        at=at,
        detail={"series": series, "year": year, "next_number": next_number},
    )
    return counter


def _issue(
    invoice: Invoice, *, at: datetime, timezone: str, acting_user: User | None = None
) -> None:
    """Number ``invoice`` and make it final, in the caller's transaction.

    Travel charges on its lines count as billed from now on (and only from
    now on: a charge on a draft is still unbilled, and cancelling the draft
    frees it for the next run). The line's partial unique constraint keeps a
    charge on one active line at most, so it is never billed twice."""
    settings = get_billing_settings()
    check_transition(
        INVOICE_TRANSITIONS,
        invoice.status,
        InvoiceStatus.ISSUED,
        states=InvoiceStatus,
        sentence=_("The invoice is %(current)s; it cannot become %(to)s."),
    )
    refuse_unless_seller_complete(settings)
    issued_on = local_date(at, timezone)
    _take_number(invoice, issued_on=issued_on, settings=settings)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_on = issued_on
    # A credit note is not paid by the customer: it has no due date.
    invoice.due_on = (
        issued_on + timedelta(days=settings.payment_terms_days)
        if invoice.kind == InvoiceKind.INVOICE
        else None
    )
    invoice.vendor = seller_record(settings)
    invoice.save()
    charges = invoice.lines.filter(active=True, travel_charge__isnull=False).values_list(
        "travel_charge_id", flat=True
    )
    for charge in TravelCharge.objects.filter(pk__in=list(charges)).order_by("pk"):
        do_mark_travel_charge_billed(acting_user=acting_user, charge=charge, now=at)
    keep_national_document(invoice, at=at)
    # Mailed to the billing contact with its PDF, in this transaction.
    mail.queue_invoice_mail(invoice, at=at)


@transaction.atomic
def do_issue_invoice(
    *, acting_user: User | None, invoice: Invoice, now: datetime | None = None
) -> Invoice:
    """Number a draft and make it final. The number is the next of the
    vendor's series in the issue year (policy time zone)."""
    at = now or clock.now()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _issue(invoice, at=at, timezone=get_vendor_policy().timezone, acting_user=acting_user)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ISSUE_INVOICE,
        obj=invoice,
        at=at,
        detail={"number": invoice.number, "total": str(invoice.total_amount)},
    )
    return invoice


# --- Building invoices ---------------------------------------------------


def seller_record(settings: BillingSettings) -> dict[str, str]:
    """The seller as frozen on an invoice at issue."""
    return {
        "legal_name": settings.legal_name,
        "address": settings.address,
        "postcode": settings.postcode,
        "city": settings.city,
        "country": settings.country,
        "registration_number": settings.registration_number,
        "vat_id": settings.vat_id,
        "email": settings.email,
        "bank_account": settings.bank_account,
        "bank_bic": settings.bank_bic,
        "bank_name": settings.bank_name,
    }


def _vat_note(decision: VatDecision, language: str, seller_country: str) -> str:
    """The statement the invoice carries for ``decision``, in ``language``."""
    with override(language):
        if decision.note == "reverse_charge":
            return _(
                "Reverse charge: VAT to be accounted for by the recipient "
                "(Articles 44 and 196 of Directive 2006/112/EC)."
            )
        if decision.note == "outside_eu":
            return _(
                "Not subject to VAT in the EU: the place of supply is outside the "
                "European Union (%(basis)s)."
            ) % {"basis": decision.legal_basis}
        if decision.note == "outside_seller_country":
            return _(
                "Not subject to VAT in %(country)s: the place of supply is the "
                "customer's country (%(basis)s)."
            ) % {"basis": decision.legal_basis or "-", "country": seller_country}
    return ""


def invoice_language(customer: Customer, settings: BillingSettings) -> str:
    """The customer's language if the vendor invoices in it, else the
    vendor's first invoice language (the customer's if none is set)."""
    languages = list(settings.invoice_languages or [])
    if not languages or customer.language in languages:
        return customer.language
    return str(languages[0])


def decide_customer_vat(customer: Customer, settings: BillingSettings, on: date) -> VatDecision:
    """The VAT of a supply to ``customer`` on ``on`` (rules/vat.py)."""
    return decide_vat(
        seller_country=settings.country,
        customer_country=customer.country,
        customer_is_business=customer.customer_type == CustomerType.BUSINESS,
        customer_vat_id=customer.vat_id,
        on=on,
        rates=settings.vat_rate_list(),
    )


def customer_billing_gaps(customer: Customer, settings: BillingSettings, on: date) -> list[str]:
    """Fields of ``customer`` an invoice needs and lacks (empty: billable)."""
    decision = decide_customer_vat(customer, settings, on)
    return missing_customer_billing_fields(customer, decision.missing)


def _new_invoice(
    customer: Customer,
    lines: Sequence[LineValues],
    *,
    currency: str,
    at: datetime,
    period: Period | None,
    kind: str = InvoiceKind.INVOICE,
    credits: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """Write a draft with its lines and totals.

    Each line's VAT is decided on its date of supply (a credit note's lines
    copy the VAT of the lines they correct). Net = sum of the lines (each
    rounded once); VAT = for each (category, rate), the net at that rate ×
    rate, rounded once; total = net + VAT. The stated period is the first to
    the last day of supply of the lines, whatever run wrote them."""  # noqa: RUF002
    settings = get_billing_settings()
    timezone = get_vendor_policy().timezone
    today = local_date(at, timezone)
    language = invoice_language(customer, settings)
    decided: list[tuple[LineValues, str, Decimal]] = []
    decisions: dict[str, VatDecision] = {}
    for line in lines:
        if line.vat_rate is not None:
            decided.append((line, line.vat_category, line.vat_rate))
            continue
        decision = decide_customer_vat(customer, settings, line.supplied_on or today)
        missing = missing_customer_billing_fields(customer, decision.missing)
        if missing:
            raise ActionRefused(
                "customer_incomplete",
                _("%(customer)s cannot be invoiced until these are filled in: %(fields)s.")
                % {"customer": customer.organisation, "fields": ", ".join(missing)},
            )
        decisions.setdefault(decision.note, decision)
        decided.append((line, decision.category, decision.rate))
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for line, category, rate in decided:
        groups[(category, rate)] += line.amount
    breakdown = [
        {
            "category": category,
            "rate": str(rate),
            "net": str(round_money(net, currency)),
            "vat": str(round_money(net * rate / 100, currency)),
        }
        for (category, rate), net in sorted(groups.items())
    ]
    net = sum((line.amount for line in lines), Decimal(0))
    vat = sum((Decimal(group["vat"]) for group in breakdown), Decimal(0))
    supplied = [d for line in lines for d in (line.supplied_from, line.supplied_on) if d]
    notes = [
        _vat_note(decision, language, settings.country)
        for _code, decision in sorted(decisions.items())
        if decision.note
    ]
    invoice = Invoice.objects.create(
        customer=customer,
        kind=kind,
        status=InvoiceStatus.DRAFT,
        period_start=min(supplied) if supplied and period else None,
        period_end=max(supplied) if supplied and period else None,
        billing_period=period.label if period else "",
        language=language,
        currency=currency,
        net_amount=round_money(net, currency),
        vat_rate=max((rate for _line, _category, rate in decided), default=Decimal(0)),
        vat_amount=round_money(vat, currency),
        total_amount=round_money(net + vat, currency),
        vat_note=" ".join(notes),
        vat_legal_basis="; ".join(
            sorted({d.legal_basis for d in decisions.values() if d.legal_basis})
        ),
        vat_breakdown=breakdown,
        bill_to=customer_record(customer),
        credits=credits,
        reason=reason,
        created_at=at,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line.kind,
            description=line.description,
            supplied_from=line.supplied_from,
            supplied_on=line.supplied_on,
            vat_category=category,
            vat_rate=rate,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
            detail=line.detail,
            work_id=line.work_id,
            work_rating_id=line.work_rating_id,
            entitlement_id=line.entitlement_id,
            fee_period_start=line.fee_period_start,
            order_id=line.order_id,
            credits_line_id=line.detail.get("credits_line"),
            travel_charge_id=line.travel_charge_id,
        )
        for position, (line, category, rate) in enumerate(decided, start=1)
    )
    return invoice


def customer_record(customer: Customer) -> dict[str, str]:
    """The customer as frozen on an invoice."""
    return {
        "name": customer.organisation,
        "street": customer.street,
        "postcode": customer.postcode,
        "city": customer.city,
        "country": customer.country,
        "customer_type": customer.customer_type,
        "registration_number": customer.registration_number,
        "vat_id": customer.vat_id,
    }


@dataclass
class BillingRunResult:
    """``refused``: customers not invoiced because their billing data is
    insufficient, with the missing field names; billed by a later run once
    the data is filled in."""

    period: Period
    invoices: list[Invoice] = field(default_factory=list)
    skipped_customers: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)


_RATING_FIELDS = (
    "id",
    "work_id",
    "work__work_id",
    "work__request__customer_id",
    "work__started_at",
    "work__mode",
    "work__request_id",
    "work__request__subject",
    "duration_minutes",
    "counted_minutes",
    "billable_minutes",
    "amount",
    "currency",
    "allocations",
    "explanation",
    "passed_over",
    "travel_billed",
    "after_hours",
)


def _unbilled_ratings(customer_ids: Iterable[int], until: datetime) -> Any:
    """Current ratings with something billable, of work started before
    ``until`` (UTC), not on an active invoice line; oldest work first."""
    billed = InvoiceLine.objects.filter(work_id=OuterRef("work_id"), active=True)
    return (
        WorkRating.objects.filter(
            Q(billable_minutes__gt=0) | Q(amount__gt=0),
            current=True,
            work__request__customer_id__in=list(customer_ids),
            work__started_at__lt=until,
        )
        .filter(~Exists(billed))
        .order_by("work__started_at", "work_id")
        .values(*_RATING_FIELDS)
    )


def _fee_contracts(customer_ids: Iterable[int], period: Period) -> Any:
    """Entitlements that carry a fee of their own. One sold by an order
    carries a fee only when it recurs, billed from its ``fees_from`` (the
    order billed the first period); an order's one-off sale has none."""
    return Entitlement.objects.filter(
        customer_id__in=list(customer_ids),
        fee__isnull=False,
        billing_period__in=[
            BillingPeriod.MONTH,
            BillingPeriod.QUARTER,
            BillingPeriod.YEAR,
            BillingPeriod.ONCE,
        ],
        starts__lte=period.end,
    ).order_by("starts", "id")


def _unbilled_orders(customer_ids: Iterable[int], period: Period) -> Any:
    billed = InvoiceLine.objects.filter(order_id=OuterRef("pk"), active=True)
    return (
        Order.objects.filter(
            customer_id__in=list(customer_ids),
            status=OrderStatus.PLACED,
            ordered_on__lte=period.end,
        )
        .filter(~Exists(billed))
        .select_related("product")
        .order_by("ordered_on", "id")
    )


def _unbilled_travel(customer_ids: Iterable[int], period: Period) -> Any:
    """Travel charges of rejected claims up to the period's end, not yet
    billed and not on an active line (the line's constraint is the guard)."""
    billed = InvoiceLine.objects.filter(travel_charge_id=OuterRef("pk"), active=True)
    return (
        list_unbilled_travel_charges()
        .filter(customer_id__in=list(customer_ids), charged_on__lte=period.end)
        .filter(~Exists(billed))
        .order_by("charged_on", "id")
    )


@dataclass
class _Run:
    """What a billing run reads once and every batch uses: the settings, the
    seller as frozen on its invoices, the policy's time zone, the issue day,
    the VAT rates, and the line texts of each language met so far."""

    settings: BillingSettings
    period: Period
    at: datetime
    timezone: str
    today: date
    issue: bool
    acting_user: User | None
    vendor: dict[str, str]
    rates: Any
    zone: ZoneInfo
    texts: dict[str, LineTexts] = field(default_factory=dict)
    notes: dict[tuple[VatDecision, str], str] = field(default_factory=dict)
    decisions: dict[tuple[str, bool, str, date], VatDecision] = field(default_factory=dict)

    def texts_of(self, language: str) -> LineTexts:
        texts = self.texts.get(language)
        if texts is None:
            texts = self.texts[language] = line_texts(language)
        return texts

    def vat_decision(self, customer: Customer, day: date) -> VatDecision:
        """``decide_customer_vat``, once per kind of customer and day (in a
        batch)."""
        is_business = customer.customer_type == CustomerType.BUSINESS
        key = (customer.country, is_business, customer.vat_id, day)
        decision = self.decisions.get(key)
        if decision is None:
            decision = self.decisions[key] = decide_vat(
                seller_country=self.settings.country,
                customer_country=customer.country,
                customer_is_business=is_business,
                customer_vat_id=customer.vat_id,
                on=day,
                rates=self.rates,
            )
        return decision

    def vat_note(self, decision: VatDecision, language: str) -> str:
        key = (decision, language)
        note = self.notes.get(key)
        if note is None:
            note = self.notes[key] = _vat_note(decision, language, self.settings.country)
        return note


def _line_rows_for_customers(
    customers: Sequence[Customer], run: _Run
) -> dict[int, list[tuple[str, LineRow]]]:
    """Every line due in the run's period for ``customers``, as (currency,
    row of ``WORK_LINE_FIELDS``), in a fixed order: fees, orders, travel of
    rejected claims, then work by start time. A few queries for the whole
    batch; the texts come from the run's per-language tables."""
    period = run.period
    ids = [c.pk for c in customers]
    texts = {c.pk: run.texts_of(invoice_language(c, run.settings)) for c in customers}
    currency = {c.pk: c.currency for c in customers}
    lines: dict[int, list[tuple[str, LineRow]]] = defaultdict(list)

    def add(customer_id: int, line: LineValues) -> None:
        mark_if_earlier(line, period, texts[customer_id])
        lines[customer_id].append((line.currency, line_row(line)))

    contracts = list(_fee_contracts(ids, period))
    billed_fees = set(
        InvoiceLine.objects.filter(
            entitlement_id__in=[c.pk for c in contracts], active=True
        ).values_list("entitlement_id", "fee_period_start")
    )
    once_billed = {entitlement for entitlement, _start in billed_fees}
    for contract in contracts:
        due = fee_periods(
            starts=contract.starts,
            ends=contract.ends,
            billing_period=contract.billing_period,
            period=period,
        )
        for first, last in due:
            if contract.billing_period == BillingPeriod.ONCE and contract.pk in once_billed:
                continue
            if (contract.pk, first) in billed_fees:
                continue
            if contract.fees_from is not None and first < contract.fees_from:
                continue
            add(
                contract.customer_id,
                fee_line(
                    contract,
                    first,
                    last,
                    language=texts[contract.customer_id].language,
                    currency=contract.currency or currency[contract.customer_id],
                ),
            )
    for order in _unbilled_orders(ids, period):
        add(order.customer_id, order_line(order, language=texts[order.customer_id].language))
    for charge in _unbilled_travel(ids, period):
        add(charge.customer_id, travel_line(charge, language=texts[charge.customer_id].language))
    ratings = _unbilled_ratings(ids, period.end_instant(run.timezone))
    zone, start = run.zone, period.start
    for rating in ratings.iterator(chunk_size=2000):
        customer_id = rating["work__request__customer_id"]
        lines[customer_id].append(
            (rating["currency"], work_line_row(rating, texts[customer_id], zone, start))
        )
    return lines


# Column order of ``_insert_lines``: the invoice, the position, the line row
# (``WORK_LINE_FIELDS``), its VAT, and ``active``.
_LINE_COLUMNS = ("invoice_id", "position", *WORK_LINE_FIELDS, "vat_category", "vat_rate", "active")


def _insert_lines(rows: list[list[Any]]) -> None:
    """Write invoice lines given as lists of ``_LINE_COLUMNS`` values with
    one ``executemany``: the values adapted for the database (in place) as
    the ORM would (dates, decimals, JSON), without a model instance per
    line."""
    if not rows:
        return
    connection = connections[router.db_for_write(InvoiceLine)]
    ops = connection.ops
    fields = {f.attname: f for f in InvoiceLine._meta.concrete_fields}
    columns = [fields[name] for name in _LINE_COLUMNS]
    assert set(fields) - set(_LINE_COLUMNS) == {"id"}, "a line column is not written"

    def adapter(model_field: Any) -> Callable[[Any], Any] | None:
        kind = model_field.get_internal_type()
        if kind == "DateField":
            return ops.adapt_datefield_value
        if kind == "DecimalField":
            if (
                type(ops).adapt_decimalfield_value
                is BaseDatabaseOperations.adapt_decimalfield_value
            ):
                return None  # the driver takes a Decimal as it is
            digits, places = model_field.max_digits, model_field.decimal_places
            return lambda value: ops.adapt_decimalfield_value(value, digits, places)
        if kind == "JSONField":
            encoder = model_field.encoder
            return lambda value: ops.adapt_json_value(value, encoder)
        return None

    adapters = [(i, a) for i, f in enumerate(columns) if (a := adapter(f)) is not None]
    for row in rows:
        for i, adapt in adapters:
            value = row[i]
            if value is not None:
                row[i] = adapt(value)
    table = ops.quote_name(InvoiceLine._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        # Names from the model, values as parameters: nothing typed reaches the SQL.
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, rows)


@dataclass
class _Draft:
    """One invoice of a batch, computed before anything is written."""

    invoice: Invoice
    lines: list[list[Any]]  # ``_LINE_COLUMNS``, the invoice id set once written


def _draft(
    customer: Customer,
    currency: str,
    rows: list[LineRow],
    run: _Run,
    decided_on: dict[date, VatDecision],
) -> _Draft:
    """The invoice of ``customer``'s ``rows`` in ``currency``: each line's VAT
    decided on its date of supply, net = sum of the lines (each rounded
    once), VAT = for each (category, rate) the net at that rate × rate,
    rounded once, total = net + VAT (as ``_new_invoice``). ``decided_on``
    caches the customer's VAT decision of each day."""  # noqa: RUF002
    settings = run.settings
    language = invoice_language(customer, settings)
    amount_at = WORK_LINE_FIELDS.index("amount")
    from_at = WORK_LINE_FIELDS.index("supplied_from")
    supplied_on_at = WORK_LINE_FIELDS.index("supplied_on")
    decisions: dict[str, VatDecision] = {}
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    lines = []
    net = Decimal(0)
    vat_rate = None
    first: date | None = None
    last: date | None = None
    for position, row in enumerate(rows, start=1):
        day = row[supplied_on_at] or run.today
        decision = decided_on.get(day)
        if decision is None:
            decision = run.vat_decision(customer, day)
            missing = missing_customer_billing_fields(customer, decision.missing)
            if missing:
                raise ActionRefused(
                    "customer_incomplete",
                    _("%(customer)s cannot be invoiced until these are filled in: %(fields)s.")
                    % {"customer": customer.organisation, "fields": ", ".join(missing)},
                )
            decided_on[day] = decision
        decisions.setdefault(decision.note, decision)
        amount = row[amount_at]
        groups[(decision.category, decision.rate)] += amount
        net += amount
        if vat_rate is None or decision.rate > vat_rate:
            vat_rate = decision.rate
        for supplied in (row[from_at], row[supplied_on_at]):
            if supplied:
                first = supplied if first is None or supplied < first else first
                last = supplied if last is None or supplied > last else last
        lines.append([None, position, *row, decision.category, decision.rate, True])
    breakdown = [
        {
            "category": category,
            "rate": str(rate),
            "net": str(round_money(group_net, currency)),
            "vat": str(round_money(group_net * rate / 100, currency)),
        }
        for (category, rate), group_net in sorted(groups.items())
    ]
    vat = sum((Decimal(group["vat"]) for group in breakdown), Decimal(0))
    notes = [
        run.vat_note(decision, language)
        for _code, decision in sorted(decisions.items())
        if decision.note
    ]
    invoice = Invoice(
        customer=customer,
        kind=InvoiceKind.INVOICE,
        status=InvoiceStatus.DRAFT,
        period_start=first,
        period_end=last,
        billing_period=run.period.label,
        language=language,
        currency=currency,
        net_amount=round_money(net, currency),
        vat_rate=vat_rate if vat_rate is not None else Decimal(0),
        vat_amount=round_money(vat, currency),
        total_amount=round_money(net + vat, currency),
        vat_note=" ".join(notes),
        vat_legal_basis="; ".join(
            sorted({d.legal_basis for d in decisions.values() if d.legal_basis})
        ),
        vat_breakdown=breakdown,
        bill_to=customer_record(customer),
        credits=None,
        reason="",
        created_at=run.at,
    )
    return _Draft(invoice, lines)


def _drafts_of(customer: Customer, rows: list[tuple[str, LineRow]], run: _Run) -> list[_Draft]:
    """The customer's invoices, one per currency in currency order."""
    by_currency: dict[str, list[LineRow]] = defaultdict(list)
    for currency, row in rows:
        by_currency[currency].append(row)
    decided_on: dict[date, VatDecision] = {}
    return [
        _draft(customer, currency, by_currency[currency], run, decided_on)
        for currency in sorted(by_currency)
    ]


def _write_batch(drafts: list[_Draft], run: _Run) -> None:
    """Write ``drafts`` in the caller's transaction: numbers taken in one
    step (the counter row locked until the transaction commits, so they are
    consecutive, in the drafts' order, and a rollback returns them), the
    invoices, their lines with one ``executemany``, then for each issued
    invoice what issuing it does (travel charges billed, the national
    document, the mail with its PDF), and an audit row each."""
    if not drafts:
        return
    invoices = [draft.invoice for draft in drafts]
    if run.issue:
        settings = run.settings
        series, year = series_key(settings, kind=InvoiceKind.INVOICE, issued_on=run.today)
        InvoiceCounter.objects.get_or_create(series=series, year=year)
        counter = InvoiceCounter.objects.select_for_update().get(series=series, year=year)
        first = counter.last_number + 1
        counter.last_number += len(invoices)
        counter.save(update_fields=["last_number"])
        due_on = run.today + timedelta(days=settings.payment_terms_days)
        for sequence, invoice in enumerate(invoices, start=first):
            invoice.series, invoice.year, invoice.sequence = series, year, sequence
            invoice.number = _number_text(settings, series, run.today.year, sequence)
            invoice.status = InvoiceStatus.ISSUED
            invoice.issued_on = run.today
            invoice.due_on = due_on
            invoice.vendor = run.vendor
    Invoice.objects.bulk_create(invoices)
    for draft in drafts:
        pk = draft.invoice.pk
        for line in draft.lines:
            line[0] = pk
    _insert_lines([line for draft in drafts for line in draft.lines])
    if run.issue:
        travel_at = _LINE_COLUMNS.index("travel_charge_id")
        for draft in drafts:
            invoice = draft.invoice
            charges = [line[travel_at] for line in draft.lines if line[travel_at]]
            for charge in TravelCharge.objects.filter(pk__in=charges).order_by("pk"):
                do_mark_travel_charge_billed(acting_user=run.acting_user, charge=charge, now=run.at)
            keep_national_document(invoice, at=run.at)
            # Mailed to the billing contact with its PDF, in this transaction.
            mail.queue_invoice_mail(invoice, at=run.at)
    _audit_billed(invoices, run)


def _audit_billed(invoices: list[Invoice], run: _Run) -> None:
    """A ``bill_period`` audit row per invoice, written together (what
    ``write_audit`` writes one by one)."""
    actor = run.acting_user if getattr(run.acting_user, "pk", None) else None
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=run.at,
            actor=actor,
            action=AuditAction.BILL_PERIOD,
            object_type=Invoice._meta.label_lower,
            object_id=str(invoice.pk),
            detail={"period": run.period.label, "number": invoice.number, "issued": run.issue},
        )
        for invoice in invoices
    )


def refuse_unless_period_ended(period: Period, at: datetime, timezone: str) -> None:
    """Only a month that has ended (in the vendor's time zone) is billed:
    until then, work of its last days may still be recorded."""
    if not period.has_ended(at, timezone):
        raise ActionRefused(
            "period_not_ended",
            _(
                "The period %(period)s ends on %(last_day)s; it can be billed from the next "
                "day on, once everything supplied in it is known."
            )
            % {
                "period": period.label,
                "last_day": format_date(period.end, get_language() or "en"),
            },
        )


def do_run_billing(
    *,
    acting_user: User | None,
    period: Period,
    customer: Customer | None = None,
    now: datetime | None = None,
    batch_size: int = 200,
    on_invoice: Callable[[Invoice], None] | None = None,
    issue: bool = True,
    customer_ids: Sequence[int] | None = None,
) -> BillingRunResult:
    """Invoice everything due in ``period`` for every customer (or one).

    With ``issue=False`` the invoices stay drafts, without numbers, for staff
    to check: their lines already count as billed (a rerun adds nothing),
    issuing one later numbers it, cancelling one frees what it billed.

    Set-based: customers are taken ``batch_size`` at a time, in id order.
    The settings, the seller and the policy are read once per run and the
    line texts translated once per language; a batch's lines are read with
    a few queries, computed as plain rows and written with one
    ``executemany``, its invoices with one insert, its numbers taken in one
    step and its audit rows written together, all in one transaction. So a
    run killed at any point leaves whole batches and an unbroken sequence
    (the killed batch's numbers roll back with it), and the rerun continues
    where it stopped. Numbers follow customer id, then currency: the order
    of billing customer after customer.

    Idempotent: what is billed is on an active line, and the database
    refuses a second one, so a rerun (after a crash, or a second worker)
    bills only what is left; a batch that meets a line another run wrote
    meanwhile is billed again customer by customer from fresh lines.
    Customers on hold are billed too (holding stops work, not invoicing).
    """
    at = now or clock.now()
    timezone = get_vendor_policy().timezone
    refuse_unless_period_ended(period, at, timezone)
    settings = get_billing_settings()
    refuse_unless_seller_complete(settings)
    run = _Run(
        settings=settings,
        period=period,
        at=at,
        timezone=timezone,
        today=local_date(at, timezone),
        issue=issue,
        acting_user=acting_user,
        vendor=seller_record(settings),
        rates=settings.vat_rate_list(),
        zone=ZoneInfo(timezone),
    )
    result = BillingRunResult(period)
    customers = Customer.objects.order_by("pk")
    if customer is not None:
        customers = customers.filter(pk=customer.pk)
    if customer_ids is not None:  # one chunk of a divided run (billing.chunks)
        customers = customers.filter(pk__in=list(customer_ids))
    ids = list(customers.values_list("pk", flat=True))
    for offset in range(0, len(ids), batch_size):
        batch = list(
            Customer.objects.filter(pk__in=ids[offset : offset + batch_size]).order_by("pk")
        )
        billed = _bill_batch(batch, run, result)
        for invoice in billed:
            result.invoices.append(invoice)
            if on_invoice is not None:
                on_invoice(invoice)
    return result


def _bill_batch(batch: list[Customer], run: _Run, result: BillingRunResult) -> list[Invoice]:
    """Bill ``batch`` in one transaction; customers whose billing data is
    incomplete are listed in ``result.refused`` and left unbilled."""
    # Decisions are kept for one batch: a business's VAT id is its own, so a
    # run-wide table would grow with customers times days.
    run.decisions.clear()
    rows = _line_rows_for_customers(batch, run)
    drafts: list[_Draft] = []
    for row in batch:
        if not rows.get(row.pk):
            continue
        gaps = missing_customer_billing_fields(row, run.vat_decision(row, run.today).missing)
        if gaps:
            # Checked before anything is written: the customer's lines
            # stay unbilled until its data is complete.
            result.refused[row.pk] = gaps
            continue
        drafts.extend(_drafts_of(row, rows[row.pk], run))
    try:
        with transaction.atomic():
            _write_batch(drafts, run)
    except IntegrityError:
        # Another run billed some of these meanwhile: bill what is left,
        # customer by customer, each from fresh lines.
        drafts = []
        for row in batch:
            if row.pk in result.refused:
                continue
            fresh = _line_rows_for_customers([row], run).get(row.pk, [])
            if not fresh:
                continue
            mine = _drafts_of(row, fresh, run)
            with transaction.atomic():
                _write_batch(mine, run)
            drafts.extend(mine)
    return [draft.invoice for draft in drafts]


# --- Paying, cancelling, crediting ---------------------------------------


@transaction.atomic
def do_mark_invoice_paid(
    *, acting_user: User | None, invoice: Invoice, now: datetime | None = None
) -> Invoice:
    """Record payment in full. Orders billed on it are paid and fulfilled;
    a hold this app placed is lifted when nothing else is overdue."""
    at = now or clock.now()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise ActionRefused("invalid", _("A credit note is not paid; it is refunded."))
    check_transition(
        INVOICE_TRANSITIONS,
        invoice.status,
        InvoiceStatus.PAID,
        states=InvoiceStatus,
        sentence=_("The invoice is %(current)s; it cannot become %(to)s."),
    )
    invoice.status, invoice.paid_at = InvoiceStatus.PAID, at
    invoice.save(update_fields=["status", "paid_at"])
    write_audit(acting_user=acting_user, action=AuditAction.MARK_INVOICE_PAID, obj=invoice, at=at)
    order_ids = invoice.lines.filter(order__isnull=False).values_list("order_id", flat=True)
    for order in Order.objects.filter(pk__in=list(order_ids)).order_by("pk"):
        _pay_and_fulfil_order(order, acting_user=acting_user, at=at)
    customer = Customer.objects.select_for_update().get(pk=invoice.customer_id)
    if customer.on_hold and customer.on_hold_invoice_id is not None:  # billing's own hold
        today = local_date(at, get_vendor_policy().timezone)
        if not list_overdue_invoices(today=today, customer=customer).exists():
            do_release_customer_hold(acting_user=acting_user, customer=customer, now=at)
    return invoice


@transaction.atomic
def do_cancel_invoice(
    *, acting_user: User | None, invoice: Invoice, now: datetime | None = None
) -> Invoice:
    """Cancel a draft: its lines stop counting, so what they billed can be
    billed again. An issued invoice is cancelled only by a credit note."""
    at = now or clock.now()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ActionRefused(
            "issued_invoice_is_final", _("An issued invoice never changes; issue a credit note.")
        )
    invoice.status, invoice.cancelled_at = InvoiceStatus.CANCELLED, at
    invoice.save(update_fields=["status", "cancelled_at"])
    invoice.lines.update(active=False)
    write_audit(acting_user=acting_user, action=AuditAction.CANCEL_INVOICE, obj=invoice, at=at)
    return invoice


@transaction.atomic
def do_credit_invoice(
    *, acting_user: User | None, invoice: Invoice, reason: str, now: datetime | None = None
) -> Invoice:
    """Issue a credit note for the whole of ``invoice`` and cancel it.

    The credit note has its own number from the same series, one negative
    line per original line pointing at it, and the original's VAT rate. What
    the original billed stays billed (the work is not billed again by a
    later run); orders still unpaid on it are cancelled.
    """
    at = now or clock.now()
    if not reason.strip():
        raise ActionRefused("invalid", "reason: " + _("say why the invoice is credited."))
    original = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if original.kind != InvoiceKind.INVOICE:
        raise ActionRefused("invalid", _("Only an invoice can be credited."))
    check_transition(
        INVOICE_TRANSITIONS,
        original.status,
        InvoiceStatus.CANCELLED,
        states=InvoiceStatus,
        sentence=_("The invoice is %(current)s; it cannot become %(to)s."),
    )
    if original.status == InvoiceStatus.DRAFT:
        raise ActionRefused("invalid", _("A draft is cancelled, not credited."))
    lines = [
        LineValues(
            kind=LineKind.CREDIT,
            description=line.description,
            amount=-line.amount,
            currency=original.currency,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=-line.unit_price,
            detail={"credits_line": line.pk, "reason": reason.strip()},
            supplied_from=line.supplied_from,
            supplied_on=line.supplied_on,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
        )
        for line in original.lines.order_by("position")
    ]
    customer = original.customer
    note = _new_invoice(
        customer,
        lines,
        currency=original.currency,
        at=at,
        period=None,
        kind=InvoiceKind.CREDIT_NOTE,
        credits=original,
        reason=reason.strip(),
    )
    # The credit note reverses the original exactly, VAT included, in the
    # original's language, to the customer as it was billed.
    note.vat_rate = original.vat_rate
    note.vat_amount = -original.vat_amount
    note.net_amount = -original.net_amount
    note.total_amount = -original.total_amount
    note.vat_breakdown = [
        {**group, "net": str(-Decimal(group["net"])), "vat": str(-Decimal(group["vat"]))}
        for group in original.vat_breakdown or []
    ]
    note.vat_note = original.vat_note
    note.vat_legal_basis = original.vat_legal_basis
    note.language = original.language
    note.period_start, note.period_end = original.period_start, original.period_end
    note.bill_to = original.bill_to
    _issue(note, at=at, timezone=get_vendor_policy().timezone)
    original.status, original.cancelled_at = InvoiceStatus.CANCELLED, at
    original.save(update_fields=["status", "cancelled_at"])
    for order in Order.objects.filter(
        pk__in=list(original.lines.filter(order__isnull=False).values_list("order_id", flat=True)),
        status=OrderStatus.PLACED,
    ):
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CREDIT_INVOICE,
        obj=note,
        at=at,
        detail={"credits": original.number, "reason": reason.strip()},
    )
    return note


# --- Orders -----------------------------------------------------------------


def _owned(customer: Customer, obj: Any, field: str, reason: str) -> None:
    """Refuse ``obj`` of another customer; ``field`` is the form and API
    field name (never translated), ``reason`` the translated refusal."""
    if obj is not None and obj.customer_id != customer.pk:
        # The same answer as for an id that does not exist: nothing leaks.
        raise ActionRefused("not_found", f"{field}: {reason}")


@transaction.atomic
def do_place_order(
    *,
    acting_user: User | None,
    customer: Customer,
    kind: str,
    product: Product | None = None,
    licence: Licence | None = None,
    entitlement: Entitlement | None = None,
    quantity: int = 1,
    offer: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Place an order priced by the rules on its date (policy time zone).

    ``voucher``, ``incident_pack`` and ``contract`` sell the vendor's offer
    of that kind (``offer``: its code, needed where several are sold): the
    size must be one the offer sells, the price is the offer's price of that
    size in the customer's currency that day, and fulfilment makes exactly
    what the offer says (``entitlements.actions.sales.do_sell_offer``).

    - ``renewal``: of ``entitlement`` (a support period), at the renewal
      quote (DESIGN 3.4) from the product's list price that day;
    - ``voucher``: ``quantity`` hours, at the package price for that size or
      else hours × the remote hourly rate of the service price list;
    - ``incident_pack``: a pack of ``quantity`` incidents, at its package price;
    - ``contract``: a year of maintenance for ``product``, at its package
      price, from the day after the current contract ends (or today).

    Refuses a licence or entitlement of another customer as if it did not exist.
    A support period has one open renewal: renewing it again while its
    renewal is placed or paid returns that order.
    """  # noqa: RUF002
    at = now or clock.now()
    if kind not in OrderKind.values:
        raise ActionRefused(
            "invalid", "kind: " + _("unknown order kind '%(kind)s'.") % {"kind": kind}
        )
    if quantity < 1:
        raise ActionRefused("invalid", "quantity: " + _("must be at least 1."))
    _owned(customer, licence, "licence", _("no such licence for this customer."))
    _owned(customer, entitlement, "entitlement", _("no such entitlement for this customer."))
    if licence is not None and product is None:
        product = licence.product
    if entitlement is not None and entitlement.licence is not None and product is None:
        product = entitlement.licence.product
    if kind == OrderKind.RENEWAL and entitlement is not None:
        # Locked, so a simultaneous renewal of the same period waits here and
        # then finds this one (one per period, a database constraint too).
        Entitlement.objects.select_for_update().filter(pk=entitlement.pk).first()
        existing = find_renewal_order(entitlement)
        if existing is not None:
            return existing
    today = local_date(at, get_vendor_policy().timezone)
    quote = get_order_quote(
        customer=customer,
        kind=kind,
        product=product,
        entitlement=entitlement,
        quantity=quantity,
        on=today,
        offer_code=offer,
    )
    sold = None
    if quote.terms.get("offer"):
        sold = CatalogOffer.objects.get(code=quote.terms["offer"], version=quote.terms["version"])
    order = Order.objects.create(
        offer=sold,
        customer=customer,
        kind=kind,
        product=product,
        licence=licence or (entitlement.licence if entitlement is not None else None),
        entitlement=entitlement,
        quantity=quantity,
        ordered_on=today,
        amount=quote.amount,
        currency=quote.currency,
        explanation=list(quote.explanation),
        terms=quote.terms,
        placed_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=at,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.PLACE_ORDER,
        obj=order,
        at=at,
        detail={"kind": kind, "amount": str(order.amount), "currency": order.currency},
    )
    return order


@transaction.atomic
def do_sell_offer_now(
    *,
    acting_user: User | None,
    customer: Customer,
    offer: str,
    starts: date | None = None,
    size: int | None = None,
    products: Iterable[Product] = (),
    licence: Licence | None = None,
    now: datetime | None = None,
) -> Entitlement:
    """Sell the current version of offer ``offer`` (its code) without an
    order: the console's and the API's sale, and the demo's. Priced like an
    order on the sale day (policy time zone) in the customer's currency;
    ``size`` in the offer's own unit (minutes of prepaid hours, incidents).
    A one-off offer's price is its fee, billed once by the next billing run;
    a recurring offer's is the fee of each month or year, every one billed
    by the run. ``starts`` defaults to the sale day."""
    at = now or clock.now()
    today = local_date(at, get_vendor_policy().timezone)
    _owned(customer, licence, "licence", _("no such licence for this customer."))
    quote = get_offer_sale_quote(
        customer=customer, offer_code=offer, size=size, starts=starts, on=today
    )
    return do_sell_offer(
        acting_user=acting_user,
        customer=customer,
        offer=quote.offer,
        starts=quote.starts,
        size=quote.size,
        products=products,
        licence=licence,
        fee=quote.amount,
        currency=quote.currency,
        now=at,
    )


@transaction.atomic
def do_cancel_order(
    *, acting_user: User | None, order: Order, now: datetime | None = None
) -> Order:
    """Cancel an order not yet paid. A draft invoice carrying it is cancelled
    with it; if it is on an issued invoice, credit that first."""
    at = now or clock.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    check_transition(
        ORDER_TRANSITIONS,
        order.status,
        OrderStatus.CANCELLED,
        states=OrderStatus,
        sentence=_("The order is %(current)s; it cannot become %(to)s."),
    )
    if InvoiceLine.objects.filter(
        order=order, active=True, invoice__status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID]
    ).exists():
        raise ActionRefused("invoiced", _("The order is on an issued invoice; credit it instead."))
    # A draft's totals include the order: the whole draft is cancelled (it has
    # no number yet), and what else it billed is billed again by the next run.
    drafts = Invoice.objects.filter(
        lines__order=order, lines__active=True, status=InvoiceStatus.DRAFT
    ).distinct()
    for draft in drafts.order_by("pk"):
        do_cancel_invoice(acting_user=acting_user, invoice=draft, now=at)
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status"])
    write_audit(acting_user=acting_user, action=AuditAction.CANCEL_ORDER, obj=order, at=at)
    return order


@transaction.atomic
def do_order_renewal(
    *, acting_user: User | None, customer: Customer, licence: Licence, now: datetime | None = None
) -> tuple[Order, Invoice]:
    """A customer renews ``licence``'s support from the portal: the order of
    the support period a renewal renews (``get_support_period_to_renew``), at
    today's quote, invoiced and issued at once; support is extended once the
    invoice is paid. All or nothing."""
    period = get_support_period_to_renew(licence)
    if period is None:
        raise ActionRefused(
            "no_support_period", "licence: " + _("the licence has no support period to renew.")
        )
    order = do_place_order(
        acting_user=acting_user,
        customer=customer,
        kind=OrderKind.RENEWAL,
        licence=licence,
        entitlement=period,
        now=now,
    )
    # A repeated renewal (a second click, two tabs) gets the one open
    # renewal order of the period back, and the invoice that already bills it.
    invoice = get_invoice_of_order(order) or do_invoice_order(
        acting_user=acting_user, order=order, now=now
    )
    return order, invoice


@transaction.atomic
def do_invoice_order(
    *, acting_user: User | None, order: Order, now: datetime | None = None
) -> Invoice:
    """Invoice one placed order at once (a purchase in the portal), issued."""
    at = now or clock.now()
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=order.pk)
    )
    if order.status != OrderStatus.PLACED:
        raise ActionRefused(
            "invalid",
            _("Order %(reference)s is %(status)s.")
            % {"reference": order.reference, "status": OrderStatus(order.status).label},
        )
    if InvoiceLine.objects.filter(order=order, active=True).exists():
        raise ActionRefused(
            "invoiced",
            _("Order %(reference)s is already invoiced.") % {"reference": order.reference},
        )
    customer = order.customer
    invoice = _new_invoice(
        customer,
        [order_line(order, language=customer.language)],
        currency=order.currency,
        at=at,
        period=None,
    )
    _issue(invoice, at=at, timezone=get_vendor_policy().timezone)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.INVOICE_ORDER,
        obj=invoice,
        at=at,
        detail={"order": order.reference, "number": invoice.number},
    )
    return invoice


def _pay_and_fulfil_order(order: Order, *, acting_user: User | None, at: datetime) -> None:
    """placed -> paid -> fulfilled, granting or extending the entitlement."""
    order = Order.objects.select_for_update(of=("self",)).select_related("product").get(pk=order.pk)
    if order.status != OrderStatus.PLACED:
        return
    check_transition(
        ORDER_TRANSITIONS,
        order.status,
        OrderStatus.PAID,
        states=OrderStatus,
        sentence=_("The order is %(current)s; it cannot become %(to)s."),
    )
    order.status, order.paid_at = OrderStatus.PAID, at
    terms = order.terms or {}
    starts = date.fromisoformat(terms["starts"])
    ends = date.fromisoformat(terms["ends"])
    products = [order.product] if order.product is not None else []
    customer = order.customer
    if order.offer is not None:
        fee = terms.get("fee")
        granted = do_sell_offer(
            acting_user=acting_user,
            customer=customer,
            offer=order.offer,
            starts=starts,
            size=int(terms.get("size", 0)),
            products=products,
            fee=Decimal(fee) if fee is not None else None,
            currency=order.currency if fee is not None else "",
            fees_from=date.fromisoformat(terms["fees_from"]) if terms.get("fees_from") else None,
            now=at,
        )
    elif order.kind == OrderKind.VOUCHER:
        granted = do_sell_voucher(
            acting_user=acting_user,
            customer=customer,
            minutes=order.quantity * 60,
            starts=starts,
            ends=ends,
            products=products,
            now=at,
        )
    else:
        # A renewal adds a support period on the same licence; eligibility
        # reads the latest end, so the releases of a lapse unlock. A standard
        # renewal runs its term from the day it takes effect (paid), not from
        # the order date (seed S3); a grace renewal extends the old end.
        assert order.entitlement is not None
        if terms.get("kind") == "standard":
            activated_on = local_date(at, get_vendor_policy().timezone)
            starts, ends = standard_term(renewal_policy(), max(activated_on, starts))
        granted = do_extend_support_period(
            acting_user=acting_user,
            entitlement=order.entitlement,
            starts=starts,
            new_ends=ends,
            now=at,
        )
    order.granted = granted
    check_transition(
        ORDER_TRANSITIONS,
        OrderStatus.PAID,
        OrderStatus.FULFILLED,
        states=OrderStatus,
        sentence=_("The order is %(current)s; it cannot become %(to)s."),
    )
    order.status, order.fulfilled_at = OrderStatus.FULFILLED, at
    order.save(update_fields=["status", "paid_at", "granted", "fulfilled_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.FULFIL_ORDER,
        obj=order,
        at=at,
        detail={"granted": granted.reference},
    )


# --- Holds and reminders --------------------------------------------------


def do_hold_overdue_customers(
    *, acting_user: User | None, now: datetime | None = None
) -> list[Customer]:
    """Put on hold every customer with an invoice unpaid ``hold_after_days``
    past its due date (when the settings ask for it), and tell them by mail."""
    at = now or clock.now()
    settings = get_billing_settings()
    if not settings.hold_when_overdue:
        return []
    today = local_date(at, get_vendor_policy().timezone)
    held = []
    overdue = list_overdue_invoices(today=today - timedelta(days=settings.hold_after_days))
    for invoice in overdue.filter(customer__on_hold=False).order_by("customer_id", "due_on"):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=invoice.customer_id)
            if customer.on_hold:
                continue
            do_put_customer_on_hold(
                acting_user=acting_user,
                customer=customer,
                invoice=invoice,
                now=at,
            )
            SentReminder.objects.get_or_create(
                customer=customer,
                stage=ReminderStage.OVERDUE,
                key=invoice.number or "",
                defaults={"invoice": invoice, "sent_at": at},
            )
            mail.queue_on_hold_notice(customer, invoice, at=at)
            held.append(customer)
    return held


def do_send_renewal_reminders(*, acting_user: User | None, now: datetime | None = None) -> int:
    """Send each renewal reminder due today once: ``reminder_days_before``
    days before a support period, contract or incident pack ends, and on the
    first day of the grace month, with the price of renewing that day."""
    at = now or clock.now()
    today = local_date(at, get_vendor_policy().timezone)
    sent = 0
    for due in list_renewal_reminders_due(today=today):
        with transaction.atomic():
            _, created = SentReminder.objects.get_or_create(
                customer=due.entitlement.customer,
                stage=due.stage,
                key=due.key,
                defaults={"entitlement": due.entitlement, "sent_at": at},
            )
            if not created:
                continue
            mail.queue_renewal_reminder(due, at=at)
            write_audit(
                acting_user=acting_user,
                action=AuditAction.SEND_RENEWAL_REMINDER,
                obj=due.entitlement,
                at=at,
                detail={"stage": due.stage, "price": str(due.price), "key": due.key},
            )
            sent += 1
    return sent
