"""Orders: placing, selling an offer at once, cancelling, renewal orders and
invoicing an order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.billing.actions.invoices import do_cancel_invoice, issue, new_invoice
from supportledger.billing.convert import (
    order_line,
)
from supportledger.billing.models import (
    ORDER_TRANSITIONS,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderKind,
    OrderStatus,
)
from supportledger.billing.queries import (
    find_renewal_order,
    get_invoice_of_order,
    get_offer_sale_quote,
    get_order_quote,
    get_support_period_to_renew,
)
from supportledger.catalog.models import Offer as CatalogOffer
from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.models import Customer
from supportledger.entitlements.actions.sales import (
    do_sell_offer,
)
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import Entitlement, Licence

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
    invoice = new_invoice(
        customer,
        [order_line(order, language=customer.language)],
        currency=order.currency,
        at=at,
        period=None,
    )
    issue(invoice, at=at, timezone=get_vendor_policy().timezone)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.INVOICE_ORDER,
        obj=invoice,
        at=at,
        detail={"order": order.reference, "number": invoice.number},
    )
    return invoice
