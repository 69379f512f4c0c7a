"""Orders (placed through billing, priced by the rules) and invoices with their PDF."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from supportledger.api.endpoints.common import acting_user, caller, write
from supportledger.api.errors import ApiError, ErrorOut
from supportledger.api.idempotency import IdempotencyKey
from supportledger.api.pagination import ListParams, Page, filter_list, page_of
from supportledger.api.responses import READ_ERRORS, responses
from supportledger.api.schemas import InvoiceDetailOut, InvoiceOut, OfferOut, OrderIn, OrderOut
from supportledger.api.scope import get_scoped, require_staff, scoped
from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_cancel_order, do_place_order
from supportledger.billing.einvoice.queries import get_electronic_document
from supportledger.billing.models import Invoice, InvoiceLine, InvoiceStatus, Order, OrderKind
from supportledger.billing.pdf import render_invoice_pdf
from supportledger.billing.queries import find_renewal_order
from supportledger.catalog.models import Product
from supportledger.catalog.queries import list_current_offers, list_offer_prices
from supportledger.core import clock
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import Entitlement, Licence

router = Router(tags=["orders and invoices"])


# --- offers ---------------------------------------------------------------------


@router.get("/offers", response=responses(list[OfferOut]))
def list_offers(request: HttpRequest):  # type: ignore[no-untyped-def]
    """What the vendor sells and grants (the current version of each offer),
    with the prices in force today, in every currency priced."""
    caller(request)
    today = local_date(clock.now(), get_vendor_policy().timezone)
    rows = []
    for offer in list_current_offers():
        prices = []
        for price in list_offer_prices(offer.code).filter(effective_from__lte=today):
            if not any((p.size, p.currency) == (price.size, price.currency) for p in prices):
                prices.append(price)  # the newest per size and currency
        fields = {f: getattr(offer, f) for f in OfferOut.model_fields if f != "prices"}
        rows.append({**fields, "prices": prices})
    return rows


# --- orders ---------------------------------------------------------------------


@router.get("/orders", response=responses(Page[OrderOut]))
def list_orders(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = scoped(Order.objects.all(), caller(request), "customer_id")
    queryset = filter_list(queryset, params, customer_field="customer_id", date_field="ordered_on")
    return page_of(queryset, params)


@router.get("/orders/{order_id}", response=responses(OrderOut))
def get_order(request: HttpRequest, order_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Order.objects.all(), caller(request), "customer_id", order_id, "order")


@router.post("/orders", response={200: OrderOut, **responses(OrderOut, status=201, write=True)})
@write
def place_order(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: OrderIn, idempotency_key: IdempotencyKey
):
    """Place an order, priced on today's date; a customer's own token may order for it.

    A licence or entitlement named must be the customer's (else 404, as if it
    did not exist); billing invoices the order and fulfils it once paid.
    Answers 201 with the new order; a renewal of a support period that
    already has an open (placed or paid) renewal answers 200 with that order
    and writes nothing.
    """
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    licence = None
    if body.licence is not None:
        licence = get_scoped(
            Licence.objects.filter(customer=customer),
            who,
            "customer_id",
            body.licence,
            "licence",
            "licence",
        )
    entitlement = None
    if body.entitlement is not None:
        entitlement = get_scoped(
            Entitlement.objects.filter(customer=customer).select_related("licence"),
            who,
            "customer_id",
            body.entitlement,
            "entitlement",
            "entitlement",
        )
    product = None
    if body.product is not None:
        product = get_scoped(Product.objects.all(), who, None, body.product, "product", "product")
    if body.kind == OrderKind.RENEWAL and entitlement is not None:
        existing = find_renewal_order(entitlement)
        if existing is not None:
            return Status(200, existing)
    order = do_place_order(
        acting_user=acting_user(request),
        customer=customer,
        kind=body.kind,
        product=product,
        licence=licence,
        entitlement=entitlement,
        quantity=body.quantity,
        offer=body.offer,
    )
    return Status(201, order)


@router.post("/orders/{order_id}/cancel", response=responses(OrderOut, write=True))
@write
def cancel_order(  # type: ignore[no-untyped-def]
    request: HttpRequest, order_id: int, idempotency_key: IdempotencyKey
):
    """Cancel an order not yet paid; a customer's own token may cancel its own.

    An order on a draft invoice leaves it; one on an issued invoice is refused
    (422 ``invoiced``): credit the invoice instead.
    """
    order = get_scoped(Order.objects.all(), caller(request), "customer_id", order_id, "order")
    return do_cancel_order(acting_user=acting_user(request), order=order)


# --- invoices -------------------------------------------------------------------


def _invoices(request: HttpRequest) -> QuerySet[Invoice]:
    """The invoices the caller may see: a customer never sees a draft."""
    who = caller(request)
    queryset = scoped(Invoice.objects.all(), who, "customer_id")
    if not who.is_staff:
        queryset = queryset.exclude(status=InvoiceStatus.DRAFT)
    return queryset


@router.get("/invoices", response=responses(Page[InvoiceOut]))
def list_invoices(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = filter_list(
        _invoices(request), params, customer_field="customer_id", date_field="issued_on"
    )
    return page_of(queryset, params)


@router.get("/invoices/{invoice_id}", response=responses(InvoiceDetailOut))
def get_invoice(request: HttpRequest, invoice_id: int):  # type: ignore[no-untyped-def]
    """The invoice or credit note with its lines, as printed."""
    queryset = _invoices(request).prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position"))
    )
    return get_scoped(queryset, caller(request), None, invoice_id, "invoice")


@router.post("/invoices/{invoice_id}/paid", response=responses(InvoiceOut, write=True))
@write
def mark_invoice_paid(  # type: ignore[no-untyped-def]
    request: HttpRequest, invoice_id: int, idempotency_key: IdempotencyKey
):
    """Record an issued invoice as paid in full (vendor tokens: the accounting system).

    The orders it bills are paid and fulfilled (a renewal extends the support
    period) and a hold for overdue invoices is lifted when nothing else is
    overdue. A draft, a credit note or an invoice already paid or cancelled
    is refused with 422.
    """
    who = caller(request)
    invoice = get_scoped(_invoices(request), who, None, invoice_id, "invoice")
    require_staff(who)
    return do_mark_invoice_paid(acting_user=acting_user(request), invoice=invoice)


PDF_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The invoice as a PDF document (an attachment).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/invoices/{invoice_id}/pdf",
    response=dict.fromkeys(READ_ERRORS, ErrorOut),
    openapi_extra=PDF_RESPONSE,
)
def get_invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The issued invoice or credit note as a PDF, in its language; a draft has none."""
    invoice = get_scoped(_invoices(request), caller(request), None, invoice_id, "invoice")
    if invoice.status == InvoiceStatus.DRAFT:
        raise ApiError(
            422, "invoice_not_issued", f"Invoice {invoice.pk} is a draft; it has no PDF yet."
        )
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    name = invoice.number or f"invoice-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(name)}.pdf"'
    return response


XML_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The electronic invoice as XML (an attachment).",
            "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/invoices/{invoice_id}/xml/{kind}",
    response=dict.fromkeys(READ_ERRORS, ErrorOut),
    openapi_extra=XML_RESPONSE,
)
def get_invoice_xml(
    request: HttpRequest, invoice_id: int, kind: Literal["en16931", "national"]
) -> HttpResponse:
    """The issued invoice or credit note as an electronic document: ``en16931``
    (UN/CEFACT CII, the XML inside the Factur-X PDF) or ``national`` (KSeF
    FA(3), NAV Online Számla 3.0 or myDATA, for sellers in PL, HU, GR)."""
    invoice = get_scoped(_invoices(request), caller(request), None, invoice_id, "invoice")
    document = get_electronic_document(invoice, kind)
    if document is None:
        raise ApiError(
            404,
            "not_found",
            f"Invoice {invoice.pk} has no {kind} document"
            + (" (it is a draft)." if not invoice.number else "."),
        )
    response = HttpResponse(document.content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
