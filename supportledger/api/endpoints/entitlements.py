"""Licences, their activations, entitlements with balances, sales, renewal quotes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from supportledger.api.endpoints.common import acting_user, caller, write
from supportledger.api.errors import ApiError
from supportledger.api.idempotency import IdempotencyKey
from supportledger.api.pagination import ListParams, Page, filter_list, page_of
from supportledger.api.responses import responses
from supportledger.api.schemas import (
    ActivationOut,
    ContractIn,
    EntitlementOut,
    IncidentPackIn,
    LicenceIn,
    LicenceOut,
    OfferKindSaleIn,
    OfferSaleIn,
    RenewalQuoteOut,
    VoucherIn,
    WorkstationIn,
)
from supportledger.api.scope import get_scoped, require_staff, scoped
from supportledger.billing.actions.orders import do_sell_offer_now
from supportledger.billing.models import OrderKind
from supportledger.billing.queries import (
    get_offer_sale_price,
    get_order_quote,
    get_support_period_to_renew,
)
from supportledger.catalog.models import Product
from supportledger.catalog.queries import (
    check_offer_size,
    get_current_offer,
    get_offer_for_kind,
    offer_validity,
)
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.entitlements.actions.licences import do_activate_licence, do_deactivate_licence
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import Activation, Entitlement, Kind, Licence

router = Router(tags=["licences and entitlements"])


def _licences(request: HttpRequest):  # type: ignore[no-untyped-def]
    return scoped(Licence.objects.all(), caller(request), "customer_id")


@router.get("/licences", response=responses(Page[LicenceOut]))
def list_licences(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = filter_list(
        _licences(request), params, customer_field="customer_id", date_field="sold_on"
    )
    return page_of(queryset, params)


@router.get("/licences/{licence_id}", response=responses(LicenceOut))
def get_licence(request: HttpRequest, licence_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Licence.objects.all(), caller(request), "customer_id", licence_id, "licence")


@router.post("/licences", response=responses(LicenceOut, status=201, write=True))
@write
def sell_licence(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: LicenceIn, idempotency_key: IdempotencyKey
):
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    product = get_scoped(Product.objects.all(), who, None, body.product, "product", "product")
    require_staff(who)
    licence = do_sell_licence(
        acting_user=acting_user(request),
        customer=customer,
        product=product,
        sold_on=body.sold_on,
        seats=body.seats,
        licence_model=body.licence_model,
        expires=body.expires,
    )
    return Status(201, licence)


@router.get("/activations", response=responses(Page[ActivationOut]))
def list_activations(  # type: ignore[no-untyped-def]
    request: HttpRequest, params: Query[ListParams]
):
    queryset = scoped(Activation.objects.all(), caller(request), "licence__customer_id")
    queryset = filter_list(
        queryset, params, customer_field="licence__customer_id", date_field="activated_at"
    )
    return page_of(queryset, params)


@router.get("/activations/{activation_id}", response=responses(ActivationOut))
def get_activation(request: HttpRequest, activation_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(
        Activation.objects.all(),
        caller(request),
        "licence__customer_id",
        activation_id,
        "activation",
    )


@router.post(
    "/licences/{licence_id}/activate", response=responses(ActivationOut, status=201, write=True)
)
@write
def activate_licence(  # type: ignore[no-untyped-def]
    request: HttpRequest, licence_id: int, body: WorkstationIn, idempotency_key: IdempotencyKey
):
    """Activate the licence on a workstation (a customer's own token may do this)."""
    licence = get_scoped(
        Licence.objects.all(), caller(request), "customer_id", licence_id, "licence"
    )
    activation = do_activate_licence(
        acting_user=acting_user(request), licence=licence, workstation=body.workstation
    )
    return Status(201, activation)


@router.post("/licences/{licence_id}/deactivate", response=responses(ActivationOut, write=True))
@write
def deactivate_licence(  # type: ignore[no-untyped-def]
    request: HttpRequest, licence_id: int, body: WorkstationIn, idempotency_key: IdempotencyKey
):
    licence = get_scoped(
        Licence.objects.all(), caller(request), "customer_id", licence_id, "licence"
    )
    return do_deactivate_licence(
        acting_user=acting_user(request), licence=licence, workstation=body.workstation
    )


@router.get("/licences/{licence_id}/renewal-quote", response=responses(RenewalQuoteOut))
def get_renewal_quote(  # type: ignore[no-untyped-def]
    request: HttpRequest, licence_id: int, on: date
):
    """What renewing the licence's support period costs if bought on ``on``."""
    licence = get_scoped(
        Licence.objects.select_related("product", "customer"),
        caller(request),
        "customer_id",
        licence_id,
        "licence",
    )
    period = get_support_period_to_renew(licence)
    if period is None:
        raise ApiError(
            422, "no_support_period", f"{licence.reference} has no support period to renew."
        )
    try:
        priced = get_order_quote(
            customer=licence.customer,
            kind=OrderKind.RENEWAL,
            product=licence.product,
            entitlement=period,
            quantity=1,
            on=on,
        )
    except ActionRefused as refused:
        if refused.code == "no_price":
            raise ApiError(422, "no_price", refused.message, "on") from refused
        raise
    quote = priced.renewal
    assert quote is not None  # a renewal's quote always carries the rules' one
    return {
        "licence": licence.pk,
        "entitlement": period.pk,
        "on": on,
        "kind": quote.kind,
        "rate": quote.rate,
        "list_price": quote.list_price,
        "price": quote.price,
        "currency": quote.currency,
        "support_ends": quote.support_ends,
        "grace_ends": quote.grace_ends,
        "new_support_ends": quote.new_support_ends,
        "explanation": list(quote.explanation),
    }


@router.get("/entitlements", response=responses(Page[EntitlementOut]))
def list_entitlements(  # type: ignore[no-untyped-def]
    request: HttpRequest, params: Query[ListParams], kind: str | None = None
):
    queryset = scoped(Entitlement.objects.all(), caller(request), "customer_id")
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    queryset = filter_list(queryset, params, customer_field="customer_id", date_field=None)
    if params.since:
        queryset = queryset.filter(ends__gte=params.since)
    if params.until:
        queryset = queryset.filter(starts__lte=params.until)
    return page_of(queryset, params)


@router.get("/entitlements/{entitlement_id}", response=responses(EntitlementOut))
def get_entitlement(request: HttpRequest, entitlement_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(
        Entitlement.objects.all(), caller(request), "customer_id", entitlement_id, "entitlement"
    )


def _products(body: OfferKindSaleIn | OfferSaleIn) -> list[Product]:
    products = list(Product.objects.filter(pk__in=body.products))
    missing = sorted(set(body.products) - {p.pk for p in products})
    if missing:
        raise ApiError(404, "not_found", f"No such product: {missing[0]}.", "products")
    return products


@router.post("/sales", response=responses(EntitlementOut, status=201, write=True))
@write
def sell_offer(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: OfferSaleIn, idempotency_key: IdempotencyKey
):
    """Sell one of the vendor's offers at its price today: exactly the terms
    of its current version, a size it sells (422 ``size_not_offered``
    otherwise); the fee is billed by the billing run. The sale the console
    makes; ``/vouchers``, ``/contracts`` and ``/incident-packs`` are the same
    sale for one kind of offer."""
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    require_staff(who)
    products = _products(body)
    sold = do_sell_offer_now(
        acting_user=acting_user(request),
        customer=customer,
        offer=body.offer,
        size=body.size,
        starts=body.starts,
        products=products,
    )
    return Status(201, sold)


def _sell_kind(
    request: HttpRequest,
    body: OfferKindSaleIn,
    *,
    kind: str,
    size_field: str | None,
    size: int | None,
    terms: dict[str, Any],
) -> Entitlement:
    """Sell the vendor's offer of ``kind`` (or ``body.offer``) on its own
    terms: every term the body sends must be the offer's, else 422
    ``terms_not_offered`` naming the field."""
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    require_staff(who)
    products = _products(body)
    offer = get_offer_for_kind(kind, body.offer)
    if offer is None:
        known = get_current_offer(body.offer) if body.offer else None
        if known is not None and known.sold:
            raise ApiError(
                422,
                "not_offered",
                _("offer: %(offer)s is not an offer of this kind (%(kind)s).")
                % {"offer": known.code, "kind": kind},
                "offer",
            )
        raise ApiError(
            422,
            "not_offered",
            _("offer: the vendor sells no %(what)s.") % {"what": body.offer or kind},
            "offer",
        )
    if size_field is not None:
        try:
            check_offer_size(offer, size, field=size_field)
        except ActionRefused as refused:
            raise ApiError(422, refused.code, refused.message, size_field) from refused
    policy = get_vendor_policy()
    today = local_date(clock.now(), policy.timezone)
    starts = body.starts or today
    offered: dict[str, Any] = {
        name: offer.billing if name == "billing_period" else getattr(offer, name) for name in terms
    }
    offered["ends"] = offer_validity(offer, starts)
    price = get_offer_sale_price(customer, offer, size=size or 0, day=today)
    offered["fee"], offered["currency"] = price or (None, customer.currency or policy.currency)
    offer_products = {p.pk for p in offer.products.all()}
    asked = {
        **terms,
        "ends": body.ends,
        "currency": body.currency.upper() if body.currency else None,
        "fee": body.fee,
    }
    for field_name, value in asked.items():
        if value is not None and value != offered[field_name]:
            raise ApiError(
                422,
                "terms_not_offered",
                _(
                    "%(field)s: %(offer)s is sold with %(offered)s, not %(asked)s; "
                    "only the offer's own terms are sold."
                )
                % {
                    "field": field_name,
                    "offer": offer.code,
                    "offered": "—" if offered[field_name] is None else offered[field_name],
                    "asked": value,
                },
                field_name,
            )
    if offer_products and body.products and {p.pk for p in products} != offer_products:
        raise ApiError(
            422,
            "terms_not_offered",
            _("products: %(offer)s applies to its own products only.") % {"offer": offer.code},
            "products",
        )
    return do_sell_offer_now(
        acting_user=acting_user(request),
        customer=customer,
        offer=offer.code,
        size=size,
        starts=starts,
        products=products,
    )


@router.post("/vouchers", response=responses(EntitlementOut, status=201, write=True))
@write
def sell_voucher(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: VoucherIn, idempotency_key: IdempotencyKey
):
    """Sell the vendor's prepaid hours offer (or ``offer``) in one of its
    sizes (``minutes``), at its price today: the same sale as ``POST
    /sales``. Terms the offer does not have are refused (422
    ``terms_not_offered``, naming the field)."""
    voucher = _sell_kind(
        request, body, kind=Kind.PREPAID_HOURS, size_field="minutes", size=body.minutes, terms={}
    )
    return Status(201, voucher)


@router.post("/contracts", response=responses(EntitlementOut, status=201, write=True))
@write
def sell_contract(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: ContractIn, idempotency_key: IdempotencyKey
):
    """Sell the vendor's contract offer (or ``offer``) on its terms, at its
    price today: the same sale as ``POST /sales``. ``sla``,
    ``minutes_per_month``... may be sent only with the offer's values."""
    terms = {
        "sla": body.sla,
        "minutes_per_month": body.minutes_per_month,
        "rollover": body.rollover,
        "updates": body.updates,
        "response_business_minutes": body.response_business_minutes,
        "billing_period": body.billing_period,
    }
    contract = _sell_kind(
        request, body, kind=Kind.CONTRACT, size_field=None, size=None, terms=terms
    )
    return Status(201, contract)


@router.post("/incident-packs", response=responses(EntitlementOut, status=201, write=True))
@write
def sell_incident_pack(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: IncidentPackIn, idempotency_key: IdempotencyKey
):
    """Sell the vendor's incident pack offer (or ``offer``) in one of its
    sizes (``incidents``), at its price today: the same sale as ``POST
    /sales``."""
    pack = _sell_kind(
        request,
        body,
        kind=Kind.INCIDENT_PACK,
        size_field="incidents",
        size=body.incidents,
        terms={"requires": body.requires},
    )
    return Status(201, pack)
