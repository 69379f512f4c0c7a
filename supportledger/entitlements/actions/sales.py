"""Selling: licences, vouchers, contracts, incident packs and offers, the
service warranty a claim grants and goodwill support extensions. Each sale
creates its entitlement (with its opening ledger entry where it carries
minutes or incidents) and announces the grant after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from supportledger.catalog.models import LicenceModel, Offer, OfferBilling, Product
from supportledger.catalog.queries import check_offer_size, offer_terms, offer_validity
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.models import validate_categories, validate_modes
from supportledger.customers.models import Customer
from supportledger.entitlements.actions.ledger import post_entry
from supportledger.entitlements.models import (
    BillingPeriod,
    Entitlement,
    Kind,
    Licence,
    Reason,
)
from supportledger.entitlements.signals import entitlements_granted
from supportledger.rules.calendar import add_months


def _new_entitlement(
    *,
    customer: Customer,
    kind: str,
    starts: date,
    ends: date,
    at: datetime,
    products: Iterable[Product] = (),
    licence: Licence | None = None,
    **fields: Any,
) -> Entitlement:
    if ends < starts:
        raise ActionRefused("invalid", f"An entitlement cannot end ({ends}) before it starts.")
    if licence is not None and licence.customer_id != customer.pk:
        raise ActionRefused("wrong_customer", "The licence belongs to another customer.")
    try:
        for name, check in (("covers", validate_categories), ("modes", validate_modes)):
            if fields.get(name) is not None:
                fields[name] = sorted(fields[name])
                check(fields[name])
    except ValidationError as exc:
        raise ActionRefused("invalid", "; ".join(exc.messages)) from exc
    entitlement = Entitlement.objects.create(
        customer=customer,
        kind=kind,
        starts=starts,
        ends=ends,
        licence=licence,
        created_at=at,
        **fields,
    )
    products = list(products)
    if products:
        entitlement.products.set(products)
    return entitlement


def _announce_grant(
    customer_id: int,
    since: date,
    *,
    acting_user: User | None,
    at: datetime,
    request_id: int | None = None,
) -> None:
    """Tell the desk, inside this transaction, that entitlements valid from
    ``since`` were added, so recorded work from that day on is re-rated
    (only the work of ``request_id`` when the grant is limited to it)."""
    entitlements_granted.send(
        sender=Entitlement,
        customer_id=customer_id,
        since=since,
        acting_user=acting_user,
        at=at,
        request_id=request_id,
    )


@transaction.atomic
def do_sell_licence(
    *,
    acting_user: User | None,
    customer: Customer,
    product: Product,
    sold_on: date,
    seats: int = 1,
    licence_model: str | None = None,
    expires: date | None = None,
    now: datetime | None = None,
) -> Licence:
    """A licence, with the warranty and support period the product carries
    (``warranty_months`` / ``support_period_months`` from ``sold_on``; what they
    cover is the policy's default for the kind). A subscription licence
    without ``expires`` runs one month or one year."""
    at = now or clock.now()
    model = licence_model or product.licence_model
    if model not in LicenceModel.values:
        raise ActionRefused("invalid", f"Unknown licence model {model!r}.")
    if seats < 1:
        raise ActionRefused("invalid", "A licence has at least one seat.")
    if model == LicenceModel.PERPETUAL:
        expires = None
    elif expires is None:
        months = 1 if model == LicenceModel.MONTHLY else 12
        expires = add_months(sold_on, months) - timedelta(days=1)
    licence = Licence.objects.create(
        customer=customer,
        product=product,
        sold_on=sold_on,
        seats=seats,
        licence_model=model,
        expires=expires,
        created_at=at,
    )
    granted = []
    for kind, months in (
        (Kind.WARRANTY, product.warranty_months),
        (Kind.SUPPORT_PERIOD, product.support_period_months),
    ):
        if months:
            ends = add_months(sold_on, months) - timedelta(days=1)
            # The vendor's offer of the kind, if any, gives the terms copied;
            # the product's months give the length.
            offer = _granted_offer(kind)
            granted.append(
                _new_entitlement(
                    customer=customer,
                    kind=kind,
                    starts=sold_on,
                    ends=ends,
                    at=at,
                    licence=licence,
                    updates=kind == Kind.SUPPORT_PERIOD or bool(offer and offer.updates),
                    offer=offer,
                    terms=offer_terms(offer) if offer else {},
                ).reference
            )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SELL_LICENCE,
        obj=licence,
        at=at,
        detail={"product": product.code, "seats": seats, "granted": granted},
    )
    if granted:
        _announce_grant(customer.pk, sold_on, acting_user=acting_user, at=at)
    return licence


@transaction.atomic
def do_sell_voucher(
    *,
    acting_user: User | None,
    customer: Customer,
    minutes: int,
    starts: date,
    ends: date,
    products: Iterable[Product] = (),
    fee: Decimal | None = None,
    currency: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Entitlement:
    """A prepaid-hours package: ``minutes`` granted on the ledger (``note``
    on the grant entry, e.g. where an opening balance came from)."""
    at = now or clock.now()
    if minutes <= 0:
        raise ActionRefused("invalid", "A voucher grants a positive number of minutes.")
    voucher = _new_entitlement(
        customer=customer,
        kind=Kind.PREPAID_HOURS,
        starts=starts,
        ends=ends,
        at=at,
        products=products,
        fee=fee,
        currency=currency,
        billing_period=BillingPeriod.ONCE,
    )
    post_entry(
        voucher, reason=Reason.GRANT, minutes=minutes, acting_user=acting_user, at=at, note=note
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SELL_VOUCHER,
        obj=voucher,
        at=at,
        detail={"minutes": minutes},
    )
    _announce_grant(customer.pk, starts, acting_user=acting_user, at=at)
    return voucher


@transaction.atomic
def do_sell_contract(
    *,
    acting_user: User | None,
    customer: Customer,
    starts: date,
    ends: date,
    sla: bool = False,
    minutes_per_month: int = 0,
    rollover: bool = False,
    updates: bool = False,
    response_business_minutes: int | None = None,
    covers: Iterable[str] | None = None,
    modes: Iterable[str] | None = None,
    products: Iterable[Product] = (),
    licence: Licence | None = None,
    fee: Decimal | None = None,
    currency: str = "",
    billing_period: str = BillingPeriod.MONTH,
    now: datetime | None = None,
) -> Entitlement:
    """Any support contract (S0 subscription, S1 follow-up, S2 maintenance,
    S4 SLA); the monthly allowance needs no grant entry: it is
    ``minutes_per_month`` each calendar month, its use cached per month.
    With ``licence`` (the customer's own; another's is refused with
    ``wrong_customer``) it covers only that licence's product."""
    at = now or clock.now()
    if billing_period not in BillingPeriod.values:
        raise ActionRefused("invalid", f"Unknown billing period {billing_period!r}.")
    contract = _new_entitlement(
        customer=customer,
        kind=Kind.CONTRACT,
        starts=starts,
        ends=ends,
        at=at,
        products=products,
        licence=licence,
        sla=sla,
        minutes_per_month=minutes_per_month,
        rollover=rollover,
        updates=updates,
        response_business_minutes=response_business_minutes,
        covers=None if covers is None else list(covers),
        modes=None if modes is None else list(modes),
        fee=fee,
        currency=currency,
        billing_period=billing_period,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SELL_CONTRACT,
        obj=contract,
        at=at,
        detail={"sla": sla, "minutes_per_month": minutes_per_month},
    )
    _announce_grant(customer.pk, starts, acting_user=acting_user, at=at)
    return contract


@transaction.atomic
def do_sell_incident_pack(
    *,
    acting_user: User | None,
    customer: Customer,
    incidents: int,
    starts: date,
    ends: date,
    requires: str = "",
    modes: Iterable[str] | None = None,
    products: Iterable[Product] = (),
    fee: Decimal | None = None,
    currency: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Entitlement:
    """An incident pack (S2 Premium: 2, 4, 10 or 25 incidents, ``requires``
    ``contract``): ``incidents`` granted on the ledger (``note`` on the grant
    entry)."""
    at = now or clock.now()
    if incidents <= 0:
        raise ActionRefused("invalid", "An incident pack grants at least one incident.")
    if requires and requires not in Kind.values:
        raise ActionRefused("invalid", f"Unknown kind {requires!r} to require.")
    pack = _new_entitlement(
        customer=customer,
        kind=Kind.INCIDENT_PACK,
        starts=starts,
        ends=ends,
        at=at,
        products=products,
        requires=requires,
        modes=None if modes is None else list(modes),
        fee=fee,
        currency=currency,
        billing_period=BillingPeriod.YEAR,
    )
    post_entry(
        pack, reason=Reason.GRANT, incidents=incidents, acting_user=acting_user, at=at, note=note
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SELL_INCIDENT_PACK,
        obj=pack,
        at=at,
        detail={"incidents": incidents},
    )
    _announce_grant(customer.pk, starts, acting_user=acting_user, at=at)
    return pack


def _granted_offer(kind: str) -> Offer | None:
    return Offer.objects.filter(current=True, kind=kind).order_by("code").first()


_CADENCE_PERIOD = {
    OfferBilling.ONCE: BillingPeriod.ONCE,
    OfferBilling.MONTH: BillingPeriod.MONTH,
    OfferBilling.YEAR: BillingPeriod.YEAR,
}


def granted_offer(kind: str) -> Offer | None:
    """The offer whose terms a licence's ``warranty`` / ``support_period``
    copies (the vendor's current offer of the kind, first by code)."""
    return _granted_offer(kind)


def offer_sale_fields(
    offer: Offer,
    *,
    fee: Decimal | None,
    currency: str,
    fees_from: date | None = None,
    terms: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of an entitlement sold on ``offer``: exactly its terms and
    a copy of them (``terms``: ``offer_terms(offer)``, passed when already
    read), the fee and its cadence. What :func:`do_sell_offer` writes, and
    the bulk demo writes in batches."""
    return {
        "covers": None if offer.covers is None else sorted(offer.covers),
        "modes": None if offer.modes is None else sorted(offer.modes),
        "requires": offer.requires,
        "sla": offer.sla,
        "minutes_per_month": offer.minutes_per_month,
        "rollover": offer.rollover,
        "updates": offer.updates,
        "response_business_minutes": offer.response_business_minutes,
        "fee": fee,
        "currency": currency if fee is not None else "",
        "billing_period": _CADENCE_PERIOD[OfferBilling(offer.billing)],
        "fees_from": fees_from,
        "offer": offer,
        "terms": terms if terms is not None else offer_terms(offer),
    }


@transaction.atomic
def do_sell_offer(
    *,
    acting_user: User | None,
    customer: Customer,
    offer: Offer,
    starts: date,
    size: int | None = None,
    products: Iterable[Product] = (),
    licence: Licence | None = None,
    fee: Decimal | None = None,
    currency: str = "",
    fees_from: date | None = None,
    now: datetime | None = None,
) -> Entitlement:
    """Sell ``offer`` (the version given) from ``starts``: one entitlement
    with exactly the offer's terms, a copy of which it keeps (``terms``).

    ``size``: minutes of prepaid hours or incidents of a pack, one of the
    offer's sizes (refused with ``size_not_offered`` otherwise). It ends as
    ``offer_validity`` says (31 December for a calendar-year offer). A
    recurring offer (billing ``month`` / ``year``) carries ``fee`` in
    ``currency`` per period, billed from ``fees_from`` (default: ``starts``);
    a ``once`` offer carries ``fee`` as the price of the sale, billed by the
    order that sold it or, without an order, by the next billing run.
    Products: the offer's, else ``products``, else all.
    """
    at = now or clock.now()
    if not offer.sold:
        raise ActionRefused("invalid", f"offer: {offer.code} is granted, not sold.")
    chosen = check_offer_size(offer, size)
    ends = offer_validity(offer, starts)
    offer_products = list(offer.products.all())
    fields = offer_sale_fields(offer, fee=fee, currency=currency, fees_from=fees_from)
    entitlement = _new_entitlement(
        customer=customer,
        kind=offer.kind,
        starts=starts,
        ends=ends,
        at=at,
        products=offer_products or list(products),
        licence=licence,
        **fields,
    )
    if offer.kind == Kind.PREPAID_HOURS:
        post_entry(entitlement, reason=Reason.GRANT, minutes=chosen, acting_user=acting_user, at=at)
    elif offer.kind == Kind.INCIDENT_PACK:
        post_entry(
            entitlement, reason=Reason.GRANT, incidents=chosen, acting_user=acting_user, at=at
        )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SELL_OFFER,
        obj=entitlement,
        at=at,
        detail={
            "offer": offer.code,
            "version": offer.version,
            "size": chosen,
            "starts": str(starts),
            "ends": str(ends),
            "fee": None if fee is None else str(fee),
            "currency": currency,
        },
    )
    _announce_grant(customer.pk, starts, acting_user=acting_user, at=at)
    return entitlement


@transaction.atomic
def do_grant_service_warranty(
    *,
    acting_user: User | None,
    customer: Customer,
    starts: date,
    ends: date,
    products: Iterable[Product] = (),
    request: Any = None,
    covers: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Entitlement:
    """Free rework under an accepted claim (DESIGN 3.6): of ``products``, in
    the categories ``covers`` (``None``: the kind's default, all), limited to
    the work of ``request`` (a ``desk.Request``; ``None``: any request).
    Only the work it may cover is re-rated: that request's, when given."""
    at = now or clock.now()
    if request is not None and request.customer_id != customer.pk:
        raise ActionRefused("wrong_customer", "The request belongs to another customer.")
    grant = _new_entitlement(
        customer=customer,
        kind=Kind.SERVICE_WARRANTY,
        starts=starts,
        ends=ends,
        at=at,
        products=products,
        request=request,
        covers=None if covers is None else list(covers),
    )
    write_audit(
        acting_user=acting_user, action=AuditAction.GRANT_SERVICE_WARRANTY, obj=grant, at=at
    )
    _announce_grant(
        customer.pk,
        starts,
        acting_user=acting_user,
        at=at,
        request_id=request.pk if request is not None else None,
    )
    return grant


@transaction.atomic
def do_extend_support_period(
    *,
    acting_user: User | None,
    entitlement: Entitlement,
    new_ends: date,
    starts: date | None = None,
    now: datetime | None = None,
) -> Entitlement:
    """Extend a support period (a renewal, DESIGN 3.4) to ``new_ends``.

    Adds a new ``support_period`` entitlement on the same licence, products,
    covers and modes, from ``starts`` (default: the day after
    ``entitlement`` ends; a standard renewal passes its activation day) to
    ``new_ends``, both inclusive, policy time zone. Nothing is updated in
    place; update eligibility reads the latest end, so releases of a lapse
    unlock. Refused for another kind or a ``new_ends`` that extends nothing.
    """
    at = now or clock.now()
    renewed = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if renewed.kind != Kind.SUPPORT_PERIOD:
        raise ActionRefused(
            "invalid",
            f"entitlement: {renewed.reference} is a {renewed.kind}, not a support period.",
        )
    if new_ends <= renewed.ends:
        raise ActionRefused(
            "invalid", f"new_ends: {new_ends} does not extend beyond {renewed.ends}."
        )
    first = starts if starts is not None else renewed.ends + timedelta(days=1)
    extension = _new_entitlement(
        customer=renewed.customer,
        kind=Kind.SUPPORT_PERIOD,
        starts=first,
        ends=new_ends,
        at=at,
        products=list(renewed.products.all()),
        licence=renewed.licence,
        covers=renewed.covers,
        modes=renewed.modes,
        updates=renewed.updates,
        offer=renewed.offer,
        terms=renewed.terms,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.EXTEND_SUPPORT_PERIOD,
        obj=extension,
        at=at,
        detail={"extends": renewed.reference, "starts": str(first), "ends": str(new_ends)},
    )
    _announce_grant(renewed.customer_id, first, acting_user=acting_user, at=at)
    return extension
