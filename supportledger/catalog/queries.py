"""Named reads of the catalog."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from supportledger.catalog.models import Offer, OfferPrice, Product, ProductPrice, ServicePrice
from supportledger.core import policy_cache
from supportledger.core.errors import ActionRefused
from supportledger.rules.calendar import add_months


def get_product_price_on(product: Product, day: date) -> ProductPrice | None:
    """The price in force on ``day``: the row with the latest
    ``effective_from`` not after it; None before the first price."""
    return (
        ProductPrice.objects.filter(product=product, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


def get_service_price_on(day: date) -> ServicePrice | None:
    """The service price list in force on ``day``; None before the first one.
    From the process's cache checked against the policy version
    (``core.policy_cache``): shared, so read it and never change it."""
    return cast("ServicePrice | None", policy_cache.get_service_price_on(day))


# --- Offers -------------------------------------------------------------------

OFFER_TERM_FIELDS = (
    "kind",
    "sizes",
    "term_months",
    "calendar_year",
    "minutes_per_month",
    "rollover",
    "sla",
    "response_business_minutes",
    "covers",
    "modes",
    "requires",
    "updates",
    "grants_downloads",
    "billing",
    "renewable",
)
"""The fields an entitlement copies from the offer version it was sold on."""


def list_current_offers(*, sold_only: bool = False) -> QuerySet[Offer]:
    """The version of each offer sold from now on, by code."""
    offers = Offer.objects.filter(current=True).prefetch_related("products").order_by("code")
    return offers.filter(sold=True) if sold_only else offers


def get_current_offer(code: str) -> Offer | None:
    return Offer.objects.filter(code=code, current=True).first()


def get_offer_for_kind(kind: str, code: str | None = None) -> Offer | None:
    """The offer called ``code`` (current version) if given, else the first
    current, sold offer of ``kind`` by code; None when there is none."""
    offers = Offer.objects.filter(current=True, sold=True, kind=kind)
    if code:
        offers = offers.filter(code=code)
    return offers.order_by("code").first()


def list_offer_versions(code: str) -> QuerySet[Offer]:
    """Every version of the offer, newest first (the history of its terms)."""
    return Offer.objects.filter(code=code).order_by("-version")


def get_offer_price_on(offer: Offer, *, size: int, currency: str, day: date) -> OfferPrice | None:
    """The price of ``size`` (0 for an offer without sizes) in ``currency``
    in force on ``day``; None when there is none."""
    return (
        OfferPrice.objects.filter(
            offer_code=offer.code, size=size, currency=currency, effective_from__lte=day
        )
        .order_by("-effective_from")
        .first()
    )


def list_offer_prices(code: str) -> QuerySet[OfferPrice]:
    prices = OfferPrice.objects.filter(offer_code=code)
    return prices.order_by("size", "currency", "-effective_from")


def offer_terms(offer: Offer) -> dict[str, Any]:
    """The terms an entitlement sold on ``offer`` keeps, as plain JSON."""
    terms: dict[str, Any] = {name: getattr(offer, name) for name in OFFER_TERM_FIELDS}
    terms["offer"] = offer.code
    terms["version"] = offer.version
    terms["names"] = dict(offer.names)
    terms["products"] = sorted(p.code for p in offer.products.all())
    return terms


def offer_validity(offer: Offer, starts: date) -> date:
    """The last day (inclusive) of a sale of ``offer`` starting ``starts``:
    31 December of that year for a calendar-year offer, else ``term_months``
    later less a day; an offer without a term runs twelve months."""
    if offer.calendar_year:
        return date(starts.year, 12, 31)
    return add_months(starts, offer.term_months or 12) - timedelta(days=1)


def check_offer_size(offer: Offer, size: int | None, *, field: str = "size") -> int:
    """``size`` if ``offer`` sells it (0 for an offer without sizes);
    ``ActionRefused`` (``size_not_offered``) naming ``field`` otherwise."""
    if not offer.sizes:
        if size not in (None, 0):
            raise ActionRefused(
                "size_not_offered",
                f"{field}: " + _("%(offer)s is sold in one size only.") % {"offer": offer.code},
            )
        return 0
    if size not in offer.sizes:
        raise ActionRefused(
            "size_not_offered",
            f"{field}: "
            + _("%(offer)s is sold in sizes %(sizes)s, not %(size)s.")
            % {"offer": offer.code, "sizes": ", ".join(map(str, offer.sizes)), "size": size},
        )
    return size or 0


def get_sold_offer(kind: str, code: str | None = None) -> Offer:
    """The current offer to sell for ``kind`` (or the one called ``code``);
    ``ActionRefused`` naming the ``offer`` field when the vendor sells none."""
    offer = get_offer_for_kind(kind, code)
    if offer is None:
        raise ActionRefused(
            "not_offered", "offer: " + _("the vendor sells no %(what)s.") % {"what": code or kind}
        )
    return offer


def pick_products(text: str, limit: int = 10) -> list[Product]:
    """Up to ``limit`` + 1 products whose code or name contains ``text``, by
    code; one query."""
    rows = Product.objects.order_by("code", "id")
    text = text.strip()
    if text:
        rows = rows.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return list(rows[: limit + 1])
