"""Named reads of billing, and the order price quotes (rules applied to rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from supportledger.billing.convert import Period
from supportledger.billing.explain import kind_label
from supportledger.billing.models import (
    BillingRun,
    BillingSettings,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderKind,
    OrderStatus,
    ReminderStage,
)
from supportledger.catalog.models import Offer, OfferBilling, Product
from supportledger.catalog.queries import (
    check_offer_size,
    get_offer_price_on,
    get_product_price_on,
    get_sold_offer,
    offer_validity,
)
from supportledger.catalog.queries import (
    get_current_offer as get_current_offer_version,
)
from supportledger.core.convert import renewal_policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Customer
from supportledger.entitlements.models import Entitlement, Kind, Licence
from supportledger.rules.calendar import add_months
from supportledger.rules.money import round_money
from supportledger.rules.renewal import grace_ends, quote_renewal
from supportledger.rules.types import RenewalPolicy, RenewalQuote, RulesError
from supportledger.rules.vat import STANDARD_RATES


def get_billing_settings() -> BillingSettings:
    """The one settings row, created with defaults on first use."""
    settings, _ = BillingSettings.objects.get_or_create(pk=1)
    return settings


SELLER_REQUIRED_FIELDS = (
    "legal_name",
    "address",
    "postcode",
    "city",
    "country",
    "registration_number",
    "vat_id",
    "bank_account",
)
"""What an invoice must say about the seller (Directive 2006/112/EC
Art. 226(5): full name and address, (3): VAT id; national laws add the
company register number and the bank account to pay into)."""


def missing_seller_fields(settings: BillingSettings | None = None) -> list[str]:
    """Names of the seller's billing fields still empty, in form order."""
    settings = settings or get_billing_settings()
    missing = [name for name in SELLER_REQUIRED_FIELDS if not str(getattr(settings, name)).strip()]
    # The built-in rates cover the five preset countries (and DE); a seller
    # anywhere else enters its own.
    country = settings.country.upper()
    if country and not any(
        rate.country == country for rate in (*STANDARD_RATES, *settings.vat_rate_list())
    ):
        missing.append("vat_rates")
    return missing


def refuse_unless_seller_complete(settings: BillingSettings | None = None) -> None:
    """Refuse with the list of what is missing, the fields named as in the
    settings form and the ``seller`` command."""
    missing = missing_seller_fields(settings)
    if missing:
        raise ActionRefused(
            "seller_incomplete",
            _("The seller's billing identity is incomplete; fill in: %(fields)s.")
            % {"fields": ", ".join(missing)},
        )


CUSTOMER_ADDRESS_FIELDS = ("street", "postcode", "city", "country")


def missing_customer_billing_fields(
    customer: Customer, decision_missing: tuple[str, ...]
) -> list[str]:
    """What an invoice to ``customer`` lacks: its postal address (Art.
    226(5)) and whatever its VAT treatment needs (``decision_missing``)."""
    missing = [name for name in CUSTOMER_ADDRESS_FIELDS if not getattr(customer, name).strip()]
    return missing + [name for name in decision_missing if name not in missing]


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


EXPORT_SELECTIONS = ("issue", "supply")
"""How an export picks invoices of a period: by issue date (the VAT return
of most countries) or by date of supply (revenue of the period)."""


def list_invoices_for_period(start: date, end: date, *, by: str = "issue") -> QuerySet[Invoice]:
    """Issued, paid and cancelled invoices and credit notes, by number:
    ``by="issue"`` those issued in ``start``..``end`` (inclusive);
    ``by="supply"`` those with a line supplied in it (a line's date of supply,
    or the last day of a supplied fee period)."""
    rows = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    if by == "supply":
        supplied = InvoiceLine.objects.filter(
            invoice_id=OuterRef("pk"), supplied_on__gte=start, supplied_on__lte=end
        )
        rows = rows.filter(Exists(supplied))
    else:
        rows = rows.filter(issued_on__gte=start, issued_on__lte=end)
    return rows.select_related("customer").order_by("series", "year", "sequence")


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
            Q(billing_period=period.label)
            | Q(issued_on__gte=period.start, issued_on__lte=period.end)
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


ORDER_OFFER_KIND = {
    OrderKind.VOUCHER: Kind.PREPAID_HOURS,
    OrderKind.INCIDENT_PACK: Kind.INCIDENT_PACK,
    OrderKind.CONTRACT: Kind.CONTRACT,
}
"""The entitlement kind of the offer an order of each kind sells."""


def order_size(kind: str, quantity: int) -> int:
    """The offer size an order's ``quantity`` asks for: a voucher's hours in
    minutes, a pack's incidents, 0 for a contract (one size)."""
    if kind == OrderKind.VOUCHER:
        return quantity * 60
    if kind == OrderKind.INCIDENT_PACK:
        return quantity
    return 0


def _offer_quote(
    *,
    customer: Customer,
    kind: str,
    offer_code: str | None,
    quantity: int,
    on: date,
) -> OrderQuote:
    """The price and terms of an order for an offer: the size checked
    against the offer's sizes, the price of that size in the customer's
    currency on ``on``. A recurring offer's order bills its first fee period
    (the month, or year, it starts in); the contract's fee bills the rest."""
    offer = get_sold_offer(ORDER_OFFER_KIND[OrderKind(kind)], offer_code)
    if kind == OrderKind.CONTRACT and quantity != 1:
        raise ActionRefused(
            "size_not_offered", "quantity: " + _("a contract is sold one at a time.")
        )
    size = check_offer_size(offer, order_size(kind, quantity), field="quantity")
    currency = customer.currency or get_vendor_policy().currency
    price = get_offer_price_on(offer, size=size, currency=currency, day=on)
    if price is None:
        raise ActionRefused(
            "no_price",
            "quantity: "
            + _("%(offer)s has no price in %(currency)s on %(day)s.")
            % {
                "offer": offer.name_in(get_language() or "en"),
                "currency": currency,
                "day": format_date(on, get_language() or "en"),
            },
        )
    starts = on
    if kind == OrderKind.CONTRACT:
        current = [
            e
            for e in Entitlement.objects.filter(
                customer=customer, kind=Kind.CONTRACT, ends__gte=on
            ).order_by("-ends")
            if (e.terms or {}).get("offer") in (None, offer.code)
        ]
        if current:
            starts = current[0].ends + timedelta(days=1)  # renews back to back
    ends = offer_validity(offer, starts)
    amount = round_money(Decimal(price.amount), price.currency)
    terms: dict[str, Any] = {
        "offer": offer.code,
        "version": offer.version,
        "size": size,
        "starts": starts.isoformat(),
        "ends": ends.isoformat(),
        "billing": offer.billing,
    }
    what = f"{offer.code} v{offer.version}" + (f", size {size}" if size else "")
    explanation = [f"{what}: price {price.amount} {price.currency} from {price.effective_from}"]
    if offer.billing == OfferBilling.MONTH:
        first_month = date(starts.year, starts.month, 1)
        terms["fee"] = str(amount)
        terms["fees_from"] = add_months(first_month, 1).isoformat()
        explanation.append(
            f"monthly fee: this order bills the month of {starts.isoformat()}; "
            f"the contract's fee bills each month from {terms['fees_from']}"
        )
    elif offer.billing == OfferBilling.YEAR:
        terms["fee"] = str(amount)
        terms["fees_from"] = add_months(starts, 12).isoformat()
        explanation.append(
            f"yearly fee: this order bills the first year; the fee bills from {terms['fees_from']}"
        )
    return OrderQuote(amount, price.currency, tuple(explanation), terms)


@dataclass(frozen=True)
class OfferSaleQuote:
    """What selling ``offer`` now (without an order) costs and makes: the
    fee in ``currency`` (once, or each month or year by ``offer.billing``),
    the sale's first and last day, and why, line by line (active language)."""

    offer: Any
    size: int
    amount: Decimal
    currency: str
    starts: date
    ends: date
    explanation: tuple[str, ...]


def get_offer_sale_quote(
    *, customer: Customer, offer_code: str, size: int | None, starts: date | None, on: date
) -> OfferSaleQuote:
    """The price of a sale of the current version of ``offer_code`` on ``on``
    in the customer's currency (the vendor's when it has none), rounded by
    ``round_money``: what ``billing.actions.orders.do_sell_offer_now`` charges.
    ``starts`` defaults to ``on``. Refused (``not_offered``,
    ``size_not_offered``, ``no_price``) naming the field at fault."""
    offer = get_current_offer_version(offer_code)
    if offer is None or not offer.sold:
        raise ActionRefused(
            "not_offered", "offer: " + _("the vendor sells no %(what)s.") % {"what": offer_code}
        )
    size = check_offer_size(offer, size)
    currency = customer.currency or get_vendor_policy().currency
    price = get_offer_price_on(offer, size=size, currency=currency, day=on)
    if price is None:
        raise ActionRefused(
            "no_price",
            "size: "
            + _("%(offer)s has no price in %(currency)s on %(day)s.")
            % {"offer": offer.code, "currency": currency, "day": on.isoformat()},
        )
    first = starts or on
    ends = offer_validity(offer, first)
    amount = round_money(Decimal(price.amount), price.currency)
    language = get_language() or "en"
    lines = [
        _("%(offer)s, version %(version)s: the price list of %(day)s.")
        % {
            "offer": offer.name_in(language),
            "version": offer.version,
            "day": format_date(price.effective_from, language),
        },
        _("Valid from %(starts)s to %(ends)s.")
        % {"starts": format_date(first, language), "ends": format_date(ends, language)},
    ]
    if offer.billing == OfferBilling.MONTH:
        lines.append(_("A monthly fee: each month is billed by the billing run."))
    elif offer.billing == OfferBilling.YEAR:
        lines.append(_("A yearly fee: each year is billed by the billing run."))
    else:
        lines.append(_("Billed once, by the next billing run."))
    if offer.requires:
        needed = {"kind": kind_label(offer.requires)}
        lines.append(_("It pays only while the customer also holds a valid %(kind)s.") % needed)
        held = Entitlement.objects.filter(
            customer=customer, kind=offer.requires, starts__lte=first, ends__gte=first
        )
        if not held.exists():
            day = format_date(first, language)
            lines.append(
                _("No %(kind)s of the customer is valid on %(day)s: it pays nothing till then.")
                % {**needed, "day": day}
            )
    return OfferSaleQuote(offer, size, amount, price.currency, first, ends, tuple(lines))


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
    offer_code: str | None = None,
) -> OrderQuote:
    """What an order costs on ``on`` and what it will grant (``terms``):
    a renewal by the renewal quote (DESIGN 3.4), anything else by the offer
    (``offer_code``, else the vendor's offer of the order's kind)."""
    if kind == OrderKind.RENEWAL:
        return _renewal_quote(entitlement, product, on)
    if kind in ORDER_OFFER_KIND:
        return _offer_quote(
            customer=customer, kind=kind, offer_code=offer_code, quantity=quantity, on=on
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
                offer_code=(entitlement.terms or {}).get("offer"),
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


def find_renewal_order(entitlement: Entitlement) -> Order | None:
    """The open (placed or paid) renewal order of the support period
    ``entitlement``, if any; there is at most one."""
    return (
        Order.objects.filter(
            kind=OrderKind.RENEWAL,
            entitlement=entitlement,
            status__in=[OrderStatus.PLACED, OrderStatus.PAID],
        )
        .order_by("pk")
        .first()
    )


def get_invoice_of_order(order: Order) -> Invoice | None:
    """The issued (or paid) invoice that bills ``order``, if any."""
    return (
        Invoice.objects.filter(
            lines__order=order,
            lines__active=True,
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID],
        )
        .order_by("pk")
        .first()
    )


def list_open_orders() -> QuerySet[Order]:
    return Order.objects.filter(status__in=[OrderStatus.PLACED, OrderStatus.PAID])


__all__ = [
    "CUSTOMER_ADDRESS_FIELDS",
    "EXPORT_SELECTIONS",
    "SELLER_REQUIRED_FIELDS",
    "HoldStatus",
    "OrderQuote",
    "ReminderDue",
    "find_renewal_order",
    "get_billing_settings",
    "get_hold_status",
    "get_invoice_for_customer",
    "get_invoice_of_order",
    "get_order_quote",
    "get_support_period_to_renew",
    "list_invoices_for_customer",
    "list_invoices_for_period",
    "list_overdue_invoices",
    "list_renewal_reminders_due",
    "list_support_periods_to_renew",
    "missing_customer_billing_fields",
    "missing_seller_fields",
    "refuse_unless_seller_complete",
]


def list_billing_runs() -> QuerySet[BillingRun]:
    """Billing runs asked for from the console, newest first."""
    return BillingRun.objects.select_related("requested_by").order_by("-requested_at", "-id")


def count_drafts_of_period(start: date, end: date) -> int:
    """Draft invoices (not credit notes) the run of the month ``start``..``end``
    wrote, waiting to be issued."""
    return Invoice.objects.filter(
        status=InvoiceStatus.DRAFT, kind="invoice", billing_period=f"{start:%Y-%m}"
    ).count()


def get_offer_sale_price(
    customer: Customer, offer: Offer, *, size: int, day: date
) -> tuple[Decimal, str] | None:
    """What selling ``size`` of ``offer`` (0 for an offer without sizes) to
    ``customer`` costs on ``day``: the amount, rounded for its currency, in
    the customer's currency (else the vendor's); None without a price."""
    currency = customer.currency or get_vendor_policy().currency
    price = get_offer_price_on(offer, size=size, currency=currency, day=day)
    if price is None:
        return None
    return round_money(Decimal(price.amount), price.currency), price.currency
