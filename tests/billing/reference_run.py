"""The billing run as it was written before it became set-based: customer
after customer, one transaction per invoice, each line a model instance and
its texts translated line by line. Kept verbatim (only renamed) as the
reference the set-based ``do_run_billing`` must match byte for byte: see
``test_set_based_run.py``."""

# ruff: noqa: RUF002

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.billing import mail
from supportledger.billing.actions.invoices import (
    customer_billing_gaps,
    customer_record,
    decide_customer_vat,
    invoice_language,
    number_text,
    seller_record,
    series_key,
    vat_note,
)
from supportledger.billing.actions.run import (
    BillingRunResult,
    _fee_contracts,
    _unbilled_orders,
    _unbilled_travel,
    refuse_unless_period_ended,
)
from supportledger.billing.convert import (
    LineValues,
    Period,
    entitlement_name,
    fee_line,
    fee_periods,
    kind_of_reference,
    order_line,
    travel_line,
)
from supportledger.billing.einvoice.actions import keep_national_document
from supportledger.billing.models import (
    INVOICE_TRANSITIONS,
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)
from supportledger.billing.queries import (
    get_billing_settings,
    missing_customer_billing_fields,
    refuse_unless_seller_complete,
)
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.queries import get_vendor_policy
from supportledger.core.references import request_reference
from supportledger.core.transitions import check_transition
from supportledger.customers.models import Customer
from supportledger.desk.models import WorkRating, mode_label
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import BillingPeriod
from supportledger.rules.money import UNIT_PRICE_DIGITS, round_money
from supportledger.rules.vat import VatDecision
from supportledger.service.actions.claims import do_mark_travel_charge_billed
from supportledger.service.models import TravelCharge

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


def _unbilled_ratings(customer_ids: Sequence[int], until: datetime) -> Any:
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


def work_line(rating: dict[str, Any], *, language: str, timezone: str) -> LineValues:
    """The line billing one rated piece of work.

    ``rating`` holds the current WorkRating's fields plus ``work__started_at``,
    ``work__mode``, ``work__request_id`` and ``work__request__subject``.
    Reads e.g. "Remote support 4 Mar 2026, request REQ-3 «Printer»: 65 min →
    90 min counted: 60 min from the support contract, 30 min billable".
    """
    day = rating["work__started_at"].astimezone(ZoneInfo(timezone)).date()
    with override(language):
        head = _(
            "%(mode)s %(day)s, request %(request)s «%(subject)s»: "
            "%(duration)s min → %(counted)s min counted"
        ) % {
            "mode": mode_label(rating["work__mode"]),
            "day": format_date(day, language),
            "request": request_reference(rating["work__request_id"]),
            "subject": rating["work__request__subject"],
            "duration": rating["duration_minutes"],
            "counted": rating["counted_minutes"],
        }
        parts = [
            _("%(minutes)s min from the %(source)s")
            % {
                "minutes": a["minutes"],
                "source": entitlement_name(kind_of_reference(a["entitlement"]), language),
            }
            for a in rating["allocations"] or []
            if a.get("minutes")
        ]
        parts.append(_("%(minutes)s min billable") % {"minutes": rating["billable_minutes"]})
        if rating["after_hours"]:
            parts.append(_("after hours"))
        if rating["travel_billed"]:
            parts.append(_("travel included"))
    amount = round_money(Decimal(rating["amount"]), rating["currency"])
    minutes = rating["billable_minutes"]
    return LineValues(
        kind=LineKind.WORK,
        description=f"{head}: {', '.join(parts)}",
        amount=amount,
        currency=rating["currency"],
        quantity=Decimal(minutes),
        unit="min",
        unit_price=(
            round_money(amount / minutes, rating["currency"], digits=UNIT_PRICE_DIGITS)
            if minutes
            else amount
        ),
        detail={
            "work": rating["work__work_id"],
            "day": day.isoformat(),
            "duration_minutes": rating["duration_minutes"],
            "counted_minutes": rating["counted_minutes"],
            "billable_minutes": minutes,
            "allocations": rating["allocations"] or [],
            "explanation": rating["explanation"] or [],
            "passed_over": rating.get("passed_over") or [],
        },
        work_id=rating["work_id"],
        work_rating_id=rating["id"],
        supplied_from=day,
        supplied_on=day,
    )


def mark_if_earlier(line: LineValues, period: Period, *, language: str) -> None:
    """Say on a line supplied before ``period`` that it is earlier work never
    billed (work recorded late, a draft cancelled), so the invoice does not
    pass it off as the period's."""
    if line.supplied_on is None or line.supplied_on >= period.start:
        return
    with override(language):
        prefix = _("Supplied in an earlier period, not billed before")
    line.description = f"{prefix}: {line.description}"
    line.detail = {**line.detail, "earlier_period": True}


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
    the last day of supply of the lines, whatever run wrote them."""
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


def _lines_for_customers(
    customers: Sequence[Customer], period: Period, timezone: str
) -> dict[int, list[LineValues]]:
    """Every line due in ``period`` for ``customers``, in a fixed order: fees,
    orders, travel of rejected claims, then work by start time. A few
    queries for the whole batch."""
    ids = [c.pk for c in customers]
    settings = get_billing_settings()
    language = {c.pk: invoice_language(c, settings) for c in customers}
    currency = {c.pk: c.currency for c in customers}
    lines: dict[int, list[LineValues]] = defaultdict(list)
    contracts = list(_fee_contracts(ids, period))
    billed_fees = set(
        InvoiceLine.objects.filter(
            entitlement_id__in=[c.pk for c in contracts], active=True
        ).values_list("entitlement_id", "fee_period_start")
    )
    for contract in contracts:
        due = fee_periods(
            starts=contract.starts,
            ends=contract.ends,
            billing_period=contract.billing_period,
            period=period,
        )
        for first, last in due:
            if contract.billing_period == BillingPeriod.ONCE and any(
                e == contract.pk for e, _start in billed_fees
            ):
                continue
            if (contract.pk, first) in billed_fees:
                continue
            if contract.fees_from is not None and first < contract.fees_from:
                continue
            lines[contract.customer_id].append(
                fee_line(
                    contract,
                    first,
                    last,
                    language=language[contract.customer_id],
                    currency=contract.currency or currency[contract.customer_id],
                )
            )
    for order in _unbilled_orders(ids, period):
        lines[order.customer_id].append(order_line(order, language=language[order.customer_id]))
    for charge in _unbilled_travel(ids, period):
        lines[charge.customer_id].append(travel_line(charge, language=language[charge.customer_id]))
    for rating in _unbilled_ratings(ids, period.end_instant(timezone)).iterator(chunk_size=2000):
        customer_id = rating["work__request__customer_id"]
        lines[customer_id].append(
            work_line(rating, language=language[customer_id], timezone=timezone)
        )
    for customer_id, customer_lines in lines.items():
        for line in customer_lines:
            mark_if_earlier(line, period, language=language[customer_id])
    return lines


def _bill_customer(
    customer: Customer,
    lines: list[LineValues],
    *,
    period: Period,
    at: datetime,
    timezone: str,
    acting_user: User | None,
    issue: bool,
) -> list[Invoice]:
    """One transaction per invoice (one per currency): draft, lines, and
    unless ``issue`` is false, its number."""
    by_currency: dict[str, list[LineValues]] = defaultdict(list)
    for line in lines:
        by_currency[line.currency].append(line)
    invoices = []
    for currency in sorted(by_currency):
        with transaction.atomic():
            invoice = _new_invoice(
                customer, by_currency[currency], currency=currency, at=at, period=period
            )
            if issue:
                # Same transaction as the lines: travel charges on them are
                # marked billed only with the invoice that bills them.
                _issue(invoice, at=at, timezone=timezone, acting_user=acting_user)
            write_audit(
                acting_user=acting_user,
                action=AuditAction.BILL_PERIOD,
                obj=invoice,
                at=at,
                detail={"period": period.label, "number": invoice.number, "issued": issue},
            )
        invoices.append(invoice)
    return invoices


def reference_run_billing(
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

    Idempotent: what is billed is on an active line, and the database refuses
    a second one, so a rerun (after a crash, or a second worker) bills only
    what is left. Customers are billed in id order, each invoice in its own
    transaction that also takes its number, so a run killed at any point
    leaves whole invoices and an unbroken sequence, and the rerun continues
    where it stopped. Customers on hold are billed too (holding stops work,
    not invoicing).
    """
    at = now or clock.now()
    timezone = get_vendor_policy().timezone
    refuse_unless_period_ended(period, at, timezone)
    settings = get_billing_settings()
    refuse_unless_seller_complete(settings)
    today = local_date(at, timezone)
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
        lines = _lines_for_customers(batch, period, timezone)
        for row in batch:
            if not lines.get(row.pk):
                continue
            gaps = customer_billing_gaps(row, settings, today)
            if gaps:
                # Checked before anything is written: the customer's lines
                # stay unbilled until its data is complete.
                result.refused[row.pk] = gaps
                continue
            try:
                invoices = _bill_customer(
                    row,
                    lines[row.pk],
                    period=period,
                    at=at,
                    timezone=timezone,
                    acting_user=acting_user,
                    issue=issue,
                )
            except IntegrityError:
                # Another run billed some of these meanwhile: bill what is left.
                fresh = _lines_for_customers([row], period, timezone).get(row.pk, [])
                invoices = (
                    _bill_customer(
                        row,
                        fresh,
                        period=period,
                        at=at,
                        timezone=timezone,
                        acting_user=acting_user,
                        issue=issue,
                    )
                    if fresh
                    else []
                )
            for invoice in invoices:
                result.invoices.append(invoice)
                if on_invoice is not None:
                    on_invoice(invoice)
    return result
