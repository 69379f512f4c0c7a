"""Setting a vendor up from a policy preset: its policy (core), the first
service price list and its offers with their prices (catalog), and its
remote-help consent terms (service). It sits above the apps it writes to,
so none of them has to reach up into another."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from supportledger.catalog.actions import (
    do_change_offer,
    do_create_offer,
    do_set_offer_price,
    do_set_service_prices,
    offer_values_from_preset,
)
from supportledger.catalog.models import Offer
from supportledger.core import clock
from supportledger.core.actions import refuse_invalid, write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import policy_fields_from_preset
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.rules.presets import PRESET_NAMES, get_preset
from supportledger.service.actions.consent import do_set_consent_terms

SETUP_PRICE_LIST_FROM = date(2000, 1, 1)
"""The preset's rates become a price list in force for all past work."""


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
    at = now or clock.now()
    if preset_name not in PRESET_NAMES:
        raise ActionRefused(
            "unknown_preset", f"Unknown preset {preset_name!r}; one of: {', '.join(PRESET_NAMES)}."
        )
    if VendorPolicy.objects.filter(pk=1).exists() and not replace:
        raise ActionRefused("already_set_up", "A vendor policy exists already (use --replace).")
    preset = get_preset(preset_name)
    policy = VendorPolicy(pk=1, preset=preset_name, **policy_fields_from_preset(preset))
    refuse_invalid(policy, validate_unique=False)
    policy.save()
    do_set_service_prices(
        acting_user=acting_user,
        effective_from=price_list_from,
        currency=preset.policy.currency,
        rates=preset.policy.rates,
        now=at,
    )
    _seed_offers(preset, acting_user=acting_user, price_list_from=price_list_from, at=at)
    for language, text in preset.consent_terms.items():
        do_set_consent_terms(acting_user=acting_user, language=language, text=text, now=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_UP_VENDOR,
        obj=policy,
        at=at,
        detail={"preset": preset_name},
    )
    return policy


def _seed_offers(
    preset: Any, *, acting_user: User | None, price_list_from: date, at: datetime
) -> None:
    """The preset's offers as the vendor's offers, each with its prices from
    ``price_list_from``. With ``--replace`` an offer of the same code gets a
    new version only when its terms differ."""
    for spec in preset.offers:
        values = offer_values_from_preset(spec, preset.policy.kind_defaults)
        existing = Offer.objects.filter(code=spec.code, current=True).first()
        if existing is None:
            do_create_offer(acting_user=acting_user, code=spec.code, values=values, now=at)
        else:
            do_change_offer(acting_user=acting_user, offer=existing, values=values, now=at)
        for currency, by_size in spec.prices.items():
            for size, amount in by_size.items():
                do_set_offer_price(
                    acting_user=acting_user,
                    code=spec.code,
                    size=size,
                    currency=currency,
                    amount=amount,
                    effective_from=price_list_from,
                    now=at,
                )
