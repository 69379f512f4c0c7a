"""Named reads of the catalog."""

from __future__ import annotations

from datetime import date

from supportledger.catalog.models import Product, ProductPrice, ServicePrice
from supportledger.core import policy_cache


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
    return policy_cache.get_service_price_on(day)
