"""Named reads of billing, and the order price quotes (rules applied to rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from supportledger.billing.convert import Period
from supportledger.billing.locale_format import format_date
from supportledger.billing.models import (
    BillingRun,
    BillingSettings,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Order,
    OrderKind,
    PackagePrice,
    ReminderStage,
)
from supportledger.catalog.models import Product
from supportledger.catalog.queries import get_product_price_on, get_service_price_on
from supportledger.core.convert import renewal_policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.entitlements.models import Entitlement, Kind, Licence
from supportledger.rules.calendar import add_months
from supportledger.rules.money import round_money
from supportledger.rules.renewal import grace_ends, quote_renewal
from supportledger.rules.types import RenewalPolicy, RenewalQuote, RulesError


def get_billing_settings() -> BillingSettings:
    """The one settings row, created with defaults on first use."""
    settings, _ = BillingSettings.objects.get_or_create(pk=1)
    return settings


def get_invoice_for_customer(customer: Customer, invoice_id: int) -> Invoice | None:
    """An invoice of ``customer`` (drafts are not shown to customers); None otherwise."""
    return (
        Invoice.objects.filter(customer=customer, pk=invoice_id)
        .exclude(status=InvoiceStatus.DRAFT)
        .first()
    )


def list_invoices_for_customer(customer: Customer) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(customer=customer)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("-issued_on", "-id")
    )


def list_invoices_for_period(start: date, end: date) -> QuerySet[Invoice]:
    """Issued, paid and cancelled invoices and credit notes issued in
    ``start``..``end`` (inclusive), by number."""
    return (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(issued_on__gte=start, issued_on__lte=end)
        .select_related("customer")
        .order_by("series", "year", "sequence")
    )


def list_invoices_for_console(
    *, status: str | None = None, period: Period | None = None, customer: int | None = None
) -> QuerySet[Invoice]:
    """Every invoice and credit note, drafts included, newest first, with the
    customer in the same query. ``period``: billed for that month or issued
    in it (policy time zone dates)."""
    rows = Invoice.objects.select_related("customer").order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if period is not None:
        rows = rows.filter(
            Q(period_start=period.start) | Q(issued_on__gte=period.start, issued_on__lte=period.end)
        )
    if customer:
        rows = rows.filter(customer_id=customer)
    return rows


def list_orders_for_console() -> QuerySet[Order]:
    """Every order, newest first, with its customer and product."""
    return Order.objects.select_related("customer", "product").order_by("-created_at", "-id")


def list_overdue_invoices(*, today: date, customer: Customer | None = None) -> QuerySet[Invoice]:
    """Issued invoices whose due date (inclusive) is before ``today``."""
    invoices = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, due_on__lt=today
    )
    if customer is not None:
        invoices = invoices.filter(customer=customer)
    return invoices


@dataclass(frozen=True)
class HoldStatus:
    """What the portal and the desk show about a hold."""

    on_hold: bool
    reason: str
    overdue: tuple[Invoice, ...]


def describe_hold_reason(customer: Customer, language: str | None = None) -> str:
    """Why ``customer`` is on hold, in ``language`` (default: the active
    one): a hold billing placed for an overdue invoice is written from the
    invoice, with the date the reader's way; a reason staff typed is shown
    as they typed it. Needs ``on_hold_invoice`` (one query if not selected)."""
    invoice = customer.on_hold_invoice
    if invoice is None or invoice.due_on is None:
        return customer.on_hold_reason
    language = language or get_language() or "en"
    with override(language):
        return _("Overdue invoice %(number)s, due %(due)s") % {
            "number": invoice.number,
            "due": format_date(invoice.due_on, language),
        }


def get_hold_status(customer: Customer, *, today: date) -> HoldStatus:
    """The hold and the overdue invoices; the reason in the active language."""
    return HoldStatus(
        on_hold=customer.on_hold,
        reason=describe_hold_reason(customer) if customer.on_hold else "",
        overdue=tuple(list_overdue_invoices(today=today, customer=customer).order_by("due_on")),
    )


# --- Prices of orders ------------------------------------------------------


@dataclass(frozen=True)
class OrderQuote:
    """What an order costs (``amount``, rounded by ``round_money``) and what
    it grants (``terms``); a renewal's carries the rules' quote whole."""

    amount: Decimal
    currency: str
    explanation: tuple[str, ...]
    terms: dict[str, Any] = field(default_factory=dict)
    renewal: RenewalQuote | None = None


def renewal_policy() -> RenewalPolicy:
    """The vendor's renewal terms (DESIGN 3.4)."""
    return renewal_policy_from_row(get_vendor_policy())


def get_package_price(
    kind: str, size: int, product: Product | None, on: date
) -> PackagePrice | None:
    """The package price in force on ``on``: for the product first, else any product."""
    prices = PackagePrice.objects.filter(kind=kind, size=size, effective_from__lte=on)
    for scope in (prices.filter(product=product) if product else None, prices.filter(product=None)):
        if scope is None:
            continue
        price = scope.order_by("-effective_from").first()
        if price is not None:
            return price
    return None


def _renewal_quote(
    entitlement: Entitlement | None, product: Product | None, on: date
) -> OrderQuote:
    if entitlement is None or entitlement.kind != Kind.SUPPORT_PERIOD:
        raise ActionRefused("invalid", "entitlement: " + _("a renewal renews a support period."))
    if product is None:
        raise ActionRefused("invalid", "product: " + _("the support period names no product."))
    latest = entitlement
    if entitlement.licence_id is not None:
        periods = list_support_periods_to_renew(
            entitlement.customer_id, licence_id=entitlement.licence_id
        )
        latest = periods.get(entitlement.licence_id, entitlement)
    list_price = get_product_price_on(product, on)
    if list_price is None:
        raise ActionRefused(
            "no_price",
            "product: "
            + _("%(product)s has no price on %(day)s.")
            % {"product": product.code, "day": format_date(on, get_language() or "en")},
        )
    quote = quote_renewal(
        renewal_policy(), list_price.currency, Decimal(list_price.amount), latest.ends, on
    )
    if isinstance(quote, RulesError):
        raise ActionRefused(quote.code, _rules_refusal(quote))
    starts = latest.ends + timedelta(days=1) if quote.kind == "grace" else on
    return OrderQuote(
        amount=round_money(quote.price, quote.currency),
        currency=quote.currency,
        explanation=quote.explanation,
        terms={
            "kind": quote.kind,
            "starts": starts.isoformat(),
            "ends": quote.new_support_ends.isoformat(),
            "renews_ends": latest.ends.isoformat(),
        },
        renewal=quote,
    )


def _rules_refusal(error: RulesError) -> str:
    """The rules' refusal of a renewal quote in the active language; the
    rules speak English only, so a known code is written anew here."""
    if error.code == "invalid_price":
        return _("The list price of the product is negative; the renewal cannot be priced.")
    return error.message


def _no_package_price(kind: str, size: int, on: date) -> str:
    """Why an incident pack or a contract has no price: one whole sentence
    per kind, in the active language."""
    values = {"size": size, "day": format_date(on, get_language() or "en")}
    if kind == OrderKind.CONTRACT:
        return _("no price for a year of maintenance contract on %(day)s.") % values
    return _("no price for an incident pack of size %(size)s on %(day)s.") % values


def list_support_periods_to_renew(
    customer_id: int, *, licence_id: int | None = None
) -> dict[int, Entitlement]:
    """What a renewal renews, per licence id (of one licence when
    ``licence_id`` is given): the customer's support period of that licence
    that ends last (on a tie, the newest row). Renewing an old period renews
    from this one. One query."""
    periods = Entitlement.objects.filter(
        customer_id=customer_id, kind=Kind.SUPPORT_PERIOD, licence__isnull=False
    )
    if licence_id is not None:
        periods = periods.filter(licence_id=licence_id)
    latest: dict[int, Entitlement] = {}
    for period in periods.order_by("licence_id", "-ends", "-id"):
        latest.setdefault(period.licence_id, period)  # type: ignore[arg-type]
    return latest


def get_support_period_to_renew(licence: Licence) -> Entitlement | None:
    """The support period renewing ``licence`` renews, if it has one."""
    return list_support_periods_to_renew(licence.customer_id, licence_id=licence.pk).get(licence.pk)


def get_order_quote(
    *,
    customer: Customer,
    kind: str,
    product: Product | None,
    entitlement: Entitlement | None,
    quantity: int,
    on: date,
) -> OrderQuote:
    """What an order costs on ``on`` and what it will grant (``terms``)."""
    if kind == OrderKind.RENEWAL:
        return _renewal_quote(entitlement, product, on)
    year_end = add_months(on, 12) - timedelta(days=1)
    if kind == OrderKind.VOUCHER:
        package = get_package_price(kind, quantity, product, on)
        voucher_terms = {"starts": on.isoformat(), "ends": year_end.isoformat()}
        if package is not None:
            return OrderQuote(
                round_money(Decimal(package.amount), package.currency),
                package.currency,
                (
                    f"Voucher of {quantity} h: package price {package.amount} {package.currency} "
                    f"from {package.effective_from}",
                ),
                voucher_terms,
            )
        prices = get_service_price_on(on)
        if prices is None:
            raise ActionRefused(
                "no_price",
                _("No service price list is in force on %(day)s.")
                % {"day": format_date(on, get_language() or "en")},
            )
        amount = round_money(Decimal(prices.remote) * quantity, prices.currency)
        return OrderQuote(
            amount,
            prices.currency,
            (
                f"{quantity} h × remote rate {prices.remote} {prices.currency} "  # noqa: RUF001
                f"(price list from {prices.effective_from}) = {amount} {prices.currency}",
            ),
            voucher_terms,
        )
    if kind in (OrderKind.INCIDENT_PACK, OrderKind.CONTRACT):
        size = quantity if kind == OrderKind.INCIDENT_PACK else 12
        package = get_package_price(kind, size, product, on)
        if package is None:
            raise ActionRefused("no_price", "quantity: " + _no_package_price(kind, size, on))
        starts = on
        if kind == OrderKind.CONTRACT:
            current = (
                Entitlement.objects.filter(customer=customer, kind=Kind.CONTRACT, ends__gte=on)
                .order_by("-ends")
                .first()
            )
            if current is not None:
                starts = current.ends + timedelta(days=1)  # renews yearly, back to back
        ends = add_months(starts, 12) - timedelta(days=1)
        terms: dict[str, Any] = {"starts": starts.isoformat(), "ends": ends.isoformat()}
        if kind == OrderKind.INCIDENT_PACK:
            policy = get_vendor_policy()
            if policy.preset == "annual_maintenance_gr":  # S2: Premium extends Professional
                terms["requires"] = Kind.CONTRACT
        return OrderQuote(
            round_money(Decimal(package.amount), package.currency),
            package.currency,
            (
                f"{kind.replace('_', ' ')} of {size}: package price {package.amount} "
                f"{package.currency} from {package.effective_from}",
            ),
            terms,
        )
    raise ActionRefused("invalid", "kind: " + _("unknown order kind '%(kind)s'.") % {"kind": kind})


# --- Renewal reminders -------------------------------------------------------


@dataclass(frozen=True)
class ReminderDue:
    entitlement: Entitlement
    stage: str
    key: str
    price: Decimal
    currency: str
    renew_until: date | None
    grace_ends: date | None = None
    """Set on the last reminder of the grace: the last day of the grace rate."""


LAST_GRACE_REMINDER_DAYS = 7
"""The last reminder of a support period goes this many days before its
grace (the month after it ends, renewable at the grace rate) runs out."""


def _reminder_price(entitlement: Entitlement, on: date) -> tuple[Decimal, str, date | None] | None:
    product = entitlement.licence.product if entitlement.licence else None
    try:
        if entitlement.kind == Kind.SUPPORT_PERIOD:
            quote = _renewal_quote(entitlement, product, on)
        else:
            kind = (
                OrderKind.CONTRACT if entitlement.kind == Kind.CONTRACT else OrderKind.INCIDENT_PACK
            )
            quote = get_order_quote(
                customer=entitlement.customer,
                kind=kind,
                product=product,
                entitlement=entitlement,
                quantity=max(entitlement.incidents_granted, 1),
                on=on,
            )
    except ActionRefused:
        return None
    ends = quote.terms.get("ends")
    return quote.amount, quote.currency, date.fromisoformat(ends) if ends else None


def list_renewal_reminders_due(*, today: date) -> list[ReminderDue]:
    """Reminders due today: support periods, contracts and incident packs
    ending in one of ``reminder_days_before`` days, and those that ended
    yesterday (the first day of grace); and the last one, support periods
    whose grace ends in ``LAST_GRACE_REMINDER_DAYS`` days. None where a newer
    one of the same kind already follows. Each comes with the price of
    renewing today."""
    settings = get_billing_settings()
    days = [int(d) for d in (settings.reminder_days_before or [30, 7])]
    targets = {today + timedelta(days=d): (ReminderStage.BEFORE, d) for d in days}
    targets[today - timedelta(days=1)] = (ReminderStage.GRACE, 1)
    newer = Entitlement.objects.filter(
        customer_id=OuterRef("customer_id"),
        kind=OuterRef("kind"),
        licence_id=OuterRef("licence_id"),
        ends__gt=OuterRef("ends"),
    )
    candidates = (
        Entitlement.objects.filter(
            kind__in=[Kind.SUPPORT_PERIOD, Kind.CONTRACT, Kind.INCIDENT_PACK],
            ends__in=list(targets),
        )
        .filter(~Exists(newer))
        .exclude(customer__on_hold=True)
        .select_related("customer", "licence__product")
        .order_by("ends", "id")
    )
    due = []
    for entitlement in candidates:
        stage, days_before = targets[entitlement.ends]
        priced = _reminder_price(entitlement, today)
        if priced is None:
            continue
        price, currency, until = priced
        key = f"{entitlement.reference}:{entitlement.ends}:{stage}:{days_before}"
        due.append(ReminderDue(entitlement, stage, key, price, currency, until))
    return due + _last_grace_reminders_due(today, newer)


def _last_grace_reminders_due(today: date, newer: Any) -> list[ReminderDue]:
    """Support periods whose grace ends ``LAST_GRACE_REMINDER_DAYS`` after
    ``today``. Grace end = end + grace months, clamped to the month's end, so
    the end is looked for in a few days around the inverse and checked."""
    renewal = renewal_policy()
    if renewal.grace_months <= 0:
        return []  # no grace: the reminders before the end are the last
    last_day = today + timedelta(days=LAST_GRACE_REMINDER_DAYS)
    around = add_months(last_day, -renewal.grace_months)
    candidates = (
        Entitlement.objects.filter(
            kind=Kind.SUPPORT_PERIOD,
            ends__gte=around - timedelta(days=3),
            ends__lte=around + timedelta(days=3),
        )
        .filter(~Exists(newer))
        .exclude(customer__on_hold=True)
        .select_related("customer", "licence__product")
        .order_by("ends", "id")
    )
    due = []
    for entitlement in candidates:
        if grace_ends(renewal, entitlement.ends) != last_day:
            continue
        priced = _reminder_price(entitlement, today)
        if priced is None:
            continue
        price, currency, until = priced
        key = f"{entitlement.reference}:{entitlement.ends}:{ReminderStage.GRACE}:last"
        due.append(
            ReminderDue(
                entitlement, ReminderStage.GRACE, key, price, currency, until, grace_ends=last_day
            )
        )
    return due


def list_orders_for_customer(customer: Customer) -> QuerySet[Order]:
    """The customer's orders, newest first."""
    return Order.objects.filter(customer=customer).order_by("-created_at", "-id")


__all__ = [
    "HoldStatus",
    "OrderQuote",
    "ReminderDue",
    "get_billing_settings",
    "get_hold_status",
    "get_invoice_for_customer",
    "get_order_quote",
    "get_support_period_to_renew",
    "list_invoices_for_customer",
    "list_invoices_for_period",
    "list_overdue_invoices",
    "list_renewal_reminders_due",
    "list_support_periods_to_renew",
]


def list_billing_runs() -> QuerySet[BillingRun]:
    """Billing runs asked for from the console, newest first."""
    return BillingRun.objects.select_related("requested_by").order_by("-requested_at", "-id")


def count_drafts_of_period(start: date, end: date) -> int:
    """Draft invoices (not credit notes) of the period, waiting to be issued."""
    return Invoice.objects.filter(
        status=InvoiceStatus.DRAFT, kind="invoice", period_start=start, period_end=end
    ).count()
