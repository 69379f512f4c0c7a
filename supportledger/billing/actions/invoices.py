"""Invoices: numbers and series, issuing, building an invoice, paying
(and fulfilling the order it bills), cancelling and crediting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.billing import mail
from supportledger.billing.convert import (
    LineValues,
    Period,
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
)
from supportledger.billing.queries import (
    get_billing_settings,
    list_overdue_invoices,
    missing_customer_billing_fields,
    refuse_unless_seller_complete,
    renewal_policy,
)
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.actions import do_release_customer_hold
from supportledger.customers.models import Customer, CustomerType
from supportledger.entitlements.actions.sales import (
    do_extend_support_period,
    do_sell_offer,
    do_sell_voucher,
)
from supportledger.entitlements.convert import local_date
from supportledger.rules.money import round_money
from supportledger.rules.renewal import standard_term
from supportledger.rules.vat import VatDecision, decide_vat
from supportledger.service.actions.claims import do_mark_travel_charge_billed
from supportledger.service.models import TravelCharge

# --- Issuing --------------------------------------------------------------


def number_text(settings: BillingSettings, series: str, year: int, sequence: int) -> str:
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
    invoice.number = number_text(settings, series, issued_on.year, counter.last_number)


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


def issue(
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
    issue(invoice, at=at, timezone=get_vendor_policy().timezone, acting_user=acting_user)
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


def vat_note(decision: VatDecision, language: str, seller_country: str) -> str:
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


def new_invoice(
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
        vat_note(decision, language, settings.country)
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
    note = new_invoice(
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
    issue(note, at=at, timezone=get_vendor_policy().timezone)
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
