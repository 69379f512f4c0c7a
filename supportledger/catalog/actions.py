"""Writes of the catalog: products, releases, prices, offers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from supportledger.catalog.models import (
    LicenceModel,
    Offer,
    OfferBilling,
    OfferPrice,
    Product,
    ProductPrice,
    ServicePrice,
)
from supportledger.catalog.queries import OFFER_TERM_FIELDS
from supportledger.core import clock
from supportledger.core.actions import refuse_invalid, write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy, validate_categories, validate_modes
from supportledger.core.queries import get_vendor_policy
from supportledger.rules.types import KINDS


def default_grants_downloads(
    kind: str, *, updates: bool, kind_defaults: Mapping[str, Any] | None = None
) -> bool:
    """Whether an offer of ``kind`` lets its holder download new releases
    when its terms do not say: the policy's ``downloads`` for the kind
    (``kind_defaults``, the stored policy's or a preset's), else the kind's
    rule (a support period does, a contract does with ``updates``)."""
    default = (kind_defaults or {}).get(kind)
    stored = (
        default.get("downloads")
        if isinstance(default, Mapping)
        else getattr(default, "downloads", None)
    )
    if stored is not None:
        return bool(stored)
    return kind == "support_period" or (kind == "contract" and updates)


def offer_values_from_preset(
    spec: Any, kind_defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The stored fields of a preset's ``Offer`` (``kind_defaults``: the
    preset policy's, for the downloads an offer grants when it does not say)."""
    grants = spec.grants_downloads
    if grants is None:
        grants = default_grants_downloads(
            spec.kind, updates=spec.updates, kind_defaults=kind_defaults
        )
    return {
        "kind": spec.kind,
        "names": {"en": spec.name, **dict(spec.names)},
        "sizes": list(spec.sizes),
        "term_months": spec.term_months,
        "calendar_year": spec.calendar_year,
        "minutes_per_month": spec.minutes_per_month,
        "rollover": spec.rollover,
        "sla": spec.sla,
        "response_business_minutes": spec.response_business_minutes,
        "covers": None if spec.covers is None else sorted(spec.covers),
        "modes": None if spec.modes is None else sorted(spec.modes),
        "requires": spec.requires or "",
        "updates": spec.updates,
        "grants_downloads": grants,
        "billing": spec.billing,
        "renewable": spec.renewable,
        "sold": spec.sold,
    }


OFFER_FIELDS = (*OFFER_TERM_FIELDS, "names", "sold")
"""What a manager sets on an offer: the terms an entitlement copies, its
names, and whether it is sold at all."""
_SIZED_KINDS = ("prepaid_hours", "incident_pack")


def _refuse(field: str, reason: str) -> None:
    raise ActionRefused("invalid", f"{field}: {reason}")


def _has_policy() -> bool:
    return VendorPolicy.objects.filter(pk=1).exists()


def validate_offer_values(values: dict[str, Any]) -> dict[str, Any]:
    """The offer's fields checked and normalised; ``ActionRefused`` naming the
    first bad field otherwise."""
    unknown = sorted(set(values) - set(OFFER_FIELDS) - {"products"})
    if unknown:
        _refuse(unknown[0], "not a field of an offer.")
    clean = dict(values)
    if clean.get("kind") not in KINDS:
        _refuse("kind", f"one of {', '.join(KINDS)}.")
    names = clean.get("names") or {}
    if not isinstance(names, dict) or not any(str(v).strip() for v in names.values()):
        _refuse("names", "at least one name is needed.")
    clean["names"] = {str(k): str(v).strip() for k, v in names.items() if str(v).strip()}
    sizes = clean.get("sizes") or []
    if not isinstance(sizes, list | tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes
    ):
        _refuse("sizes", "whole numbers above zero.")
    if len(set(sizes)) != len(sizes):
        _refuse("sizes", "a size is listed twice.")
    clean["sizes"] = sorted(sizes)
    if clean["kind"] in _SIZED_KINDS and clean.get("sold", True) and not sizes:
        _refuse("sizes", "prepaid hours and incident packs are sold in sizes.")
    if clean["kind"] not in _SIZED_KINDS and sizes:
        _refuse("sizes", "only prepaid hours and incident packs have sizes.")
    term = clean.get("term_months")
    if term is not None and (not isinstance(term, int) or term < 1 or term > 120):
        _refuse("term_months", "between 1 and 120 months, or empty.")
    for name in ("minutes_per_month", "response_business_minutes"):
        number = clean.get(name)
        if number is not None and (not isinstance(number, int) or number < 0):
            _refuse(name, "a whole number of minutes, zero or more.")
    if clean.get("minutes_per_month") and clean["kind"] != "contract":
        _refuse("minutes_per_month", "only a contract includes minutes a month.")
    if clean.get("rollover") and not clean.get("minutes_per_month"):
        _refuse("rollover", "needs included minutes a month.")
    if clean.get("sla") and clean["kind"] != "contract":
        _refuse("sla", "only a contract has an SLA.")
    for name, check in (("covers", validate_categories), ("modes", validate_modes)):
        if clean.get(name) is not None:
            try:
                clean[name] = sorted(set(clean[name]))
                check(clean[name])
            except (TypeError, ValidationError) as exc:
                reason = "; ".join(getattr(exc, "messages", [str(exc)]))
                _refuse(name, reason)
    requires = clean.get("requires") or ""
    if requires and (requires not in KINDS or requires == clean["kind"]):
        _refuse("requires", "another kind of entitlement, or empty.")
    clean["requires"] = requires
    if "grants_downloads" not in clean:
        clean["grants_downloads"] = default_grants_downloads(
            clean["kind"],
            updates=bool(clean.get("updates")),
            kind_defaults=get_vendor_policy().kind_defaults if _has_policy() else None,
        )
    clean["grants_downloads"] = bool(clean["grants_downloads"])
    if clean.get("billing", OfferBilling.ONCE) not in OfferBilling.values:
        _refuse("billing", f"one of {', '.join(OfferBilling.values)}.")
    if clean.get("billing") in (OfferBilling.MONTH, OfferBilling.YEAR) and (
        clean["kind"] != "contract"
    ):
        _refuse("billing", "only a contract has a recurring fee.")
    return clean


@transaction.atomic
def do_create_offer(
    *,
    acting_user: User | None,
    code: str,
    values: dict[str, Any],
    now: datetime | None = None,
) -> Offer:
    """A new offer, version 1. ``values``: the fields of ``OFFER_FIELDS``,
    plus ``products`` (Products; none = all)."""
    at = now or clock.now()
    if not code or Offer.objects.filter(code=code).exists():
        _refuse("code", "empty or already used by another offer.")
    clean = validate_offer_values(values)
    products = clean.pop("products", None) or []
    offer = Offer(code=code, version=1, current=True, created_at=at, **clean)
    refuse_invalid(offer)
    offer.save()
    offer.products.set(products)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CREATE_OFFER,
        obj=offer,
        at=at,
        detail={"code": code, "version": 1},
    )
    return offer


@transaction.atomic
def do_change_offer(
    *,
    acting_user: User | None,
    offer: Offer,
    values: dict[str, Any],
    now: datetime | None = None,
) -> Offer:
    """New terms for ``offer``: a new version becomes current and the old one
    is kept, so entitlements sold on it keep their terms and only new sales
    get the new ones. ``values`` missing a field keep the old value. No
    change, no new version."""
    at = now or clock.now()
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if not offer.current:
        _refuse("offer", "an older version cannot be changed; change the current one.")
    merged = {name: getattr(offer, name) for name in OFFER_FIELDS}
    merged["products"] = list(offer.products.all())
    merged.update(values)
    clean = validate_offer_values(merged)
    products = clean.pop("products", None) or []
    old = {name: getattr(offer, name) for name in OFFER_FIELDS}
    if old == clean and {p.pk for p in products} == {p.pk for p in offer.products.all()}:
        return offer
    Offer.objects.filter(pk=offer.pk).update(current=False)
    new = Offer(code=offer.code, version=offer.version + 1, current=True, created_at=at, **clean)
    refuse_invalid(new)
    new.save()
    new.products.set(products)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CHANGE_OFFER,
        obj=new,
        at=at,
        detail={
            "code": new.code,
            "version": new.version,
            "changed": sorted(n for n in OFFER_FIELDS if old[n] != clean[n]),
        },
    )
    return new


@transaction.atomic
def do_set_offer_price(
    *,
    acting_user: User | None,
    code: str,
    size: int,
    currency: str,
    amount: Decimal,
    effective_from: date,
    now: datetime | None = None,
) -> OfferPrice:
    """The price of ``size`` of offer ``code`` in ``currency`` from
    ``effective_from`` on (replacing one set for the same day). Earlier
    prices stay: an order is priced on its own date."""
    at = now or clock.now()
    offer = Offer.objects.filter(code=code, current=True).first()
    if offer is None:
        _refuse("offer", f"no offer {code!r}.")
    assert offer is not None
    if offer.sizes and size not in offer.sizes:
        _refuse("size", f"{size} is not a size of {code} ({', '.join(map(str, offer.sizes))}).")
    if not offer.sizes and size != 0:
        _refuse("size", f"{code} has no sizes; price it as size 0.")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        _refuse("currency", "a three-letter ISO 4217 code such as EUR.")
    if Decimal(amount) < 0:
        _refuse("amount", "a price cannot be negative.")
    price, _ = OfferPrice.objects.update_or_create(
        offer_code=code,
        size=size,
        currency=currency,
        effective_from=effective_from,
        defaults={"amount": Decimal(amount), "created_at": at},
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_OFFER_PRICE,
        obj=price,
        at=at,
        detail={
            "offer": code,
            "size": size,
            "currency": currency,
            "amount": str(amount),
            "from": effective_from.isoformat(),
        },
    )
    return price


@transaction.atomic
def do_set_service_prices(
    *,
    acting_user: User | None,
    effective_from: date,
    currency: str,
    rates: Mapping[str, Decimal],
    now: datetime | None = None,
) -> ServicePrice:
    """The service price list from ``effective_from`` (replacing one that
    starts the same day). ``rates``: every mode per hour plus ``travel``."""
    missing = [name for name in ServicePrice.RATE_FIELDS if name not in rates]
    if missing:
        raise ActionRefused("invalid", f"Rates missing for: {', '.join(missing)}.")
    negative = [name for name in ServicePrice.RATE_FIELDS if Decimal(rates[name]) < 0]
    if negative:
        raise ActionRefused("invalid", f"Negative rate for: {', '.join(negative)}.")
    price, _ = ServicePrice.objects.update_or_create(
        effective_from=effective_from,
        defaults={"currency": currency, **{n: Decimal(rates[n]) for n in ServicePrice.RATE_FIELDS}},
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_SERVICE_PRICES,
        obj=price,
        at=now or clock.now(),
        detail={n: str(rates[n]) for n in ServicePrice.RATE_FIELDS},
    )
    return price


@transaction.atomic
def do_create_product(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    licence_model: str = LicenceModel.PERPETUAL,
    support_period_months: int | None = None,
    warranty_months: int | None = None,
    now: datetime | None = None,
) -> Product:
    """A product; months left out take the policy's defaults."""
    policy = get_vendor_policy()
    product = Product(
        code=code,
        name=name,
        licence_model=licence_model,
        support_period_months=(
            policy.support_period_months if support_period_months is None else support_period_months
        ),
        warranty_months=policy.warranty_months if warranty_months is None else warranty_months,
    )
    refuse_invalid(product)
    product.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CREATE_PRODUCT,
        obj=product,
        at=now or clock.now(),
    )
    return product


@transaction.atomic
def do_set_product_price(
    *,
    acting_user: User | None,
    product: Product,
    effective_from: date,
    amount: Decimal,
    currency: str,
    now: datetime | None = None,
) -> ProductPrice:
    """The product's licence price from ``effective_from`` on."""
    if amount < 0:
        raise ActionRefused("invalid", "A price cannot be negative.")
    price, _ = ProductPrice.objects.update_or_create(
        product=product,
        effective_from=effective_from,
        defaults={"amount": amount, "currency": currency},
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_PRODUCT_PRICE,
        obj=price,
        at=now or clock.now(),
        detail={"amount": str(amount), "currency": currency},
    )
    return price
