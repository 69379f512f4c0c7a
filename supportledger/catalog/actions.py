"""Writes of the catalog, and setting up the vendor (policy + first price list)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from supportledger.catalog.models import LicenceModel, Product, ProductPrice, Release, ServicePrice
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import policy_fields_from_preset
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.core.queries import get_vendor_policy

SETUP_PRICE_LIST_FROM = date(2000, 1, 1)
"""The preset's rates become a price list in force for all past work."""


def _refuse_invalid(obj: Any, *, validate_unique: bool = True) -> None:
    try:
        obj.full_clean(validate_unique=validate_unique)
    except ValidationError as exc:
        raise ActionRefused("invalid", "; ".join(exc.messages)) from exc


@transaction.atomic
def do_set_up_vendor(
    *,
    acting_user: User | None,
    preset_name: str,
    price_list_from: date = SETUP_PRICE_LIST_FROM,
    replace: bool = False,
    now: datetime | None = None,
) -> VendorPolicy:
    """Create the vendor's policy from a preset, and the first service price
    list (the preset's rates) effective ``price_list_from``. Refuses when a
    policy exists unless ``replace``."""
    from supportledger.rules.presets import PRESET_NAMES, get_preset

    at = now or clock.now()
    if preset_name not in PRESET_NAMES:
        raise ActionRefused(
            "unknown_preset", f"Unknown preset {preset_name!r}; one of: {', '.join(PRESET_NAMES)}."
        )
    if VendorPolicy.objects.filter(pk=1).exists() and not replace:
        raise ActionRefused("already_set_up", "A vendor policy exists already (use --replace).")
    preset = get_preset(preset_name)
    policy = VendorPolicy(pk=1, preset=preset_name, **policy_fields_from_preset(preset))
    _refuse_invalid(policy, validate_unique=False)
    policy.save()
    do_set_service_prices(
        acting_user=acting_user,
        effective_from=price_list_from,
        currency=preset.policy.currency,
        rates=preset.policy.rates,
        now=at,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_UP_VENDOR,
        obj=policy,
        at=at,
        detail={"preset": preset_name},
    )
    return policy


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
    _refuse_invalid(product)
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


@transaction.atomic
def do_publish_release(
    *,
    acting_user: User | None,
    product: Product,
    version: str,
    released_on: date,
    kind: str,
    notes: str = "",
    file: Any = None,
    now: datetime | None = None,
) -> Release:
    """A release; ``file`` (a Django File) is stored under the private media root."""
    release = Release(
        product=product, version=version, released_on=released_on, kind=kind, notes=notes
    )
    _refuse_invalid(release)
    if file is not None:
        release.file.save(file.name, file, save=False)
    release.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.PUBLISH_RELEASE,
        obj=release,
        at=now or clock.now(),
    )
    return release
