"""The customer page's "What this customer may get now" section: for each
mode, whether the customer may get the chosen kind of work on a product now
and what its first increment costs. The one answer of
``desk.queries.get_service_eligibility``, as the API and the portal give it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from supportledger.catalog.models import Product
from supportledger.customers.models import Customer
from supportledger.desk.models import Category
from supportledger.desk.queries import list_service_eligibility


def eligibility_context(
    request: HttpRequest, customer: Customer, products: list[Product], now: datetime
) -> dict[str, Any]:
    """The section's context: ``may_products`` (the customer's licensed
    products, else every product), the chosen ``may_product`` and
    ``may_category`` (query ``may_product`` / ``may_category``; default the
    first product, consultation), and ``may`` (mode, answer) pairs."""
    choices = list(dict.fromkeys(products)) or list(Product.objects.order_by("name")[:50])
    wanted = request.GET.get("may_product", "")
    product = next((p for p in choices if str(p.pk) == wanted), choices[0] if choices else None)
    category = request.GET.get("may_category", "consultation")
    if category not in Category.values:
        category = "consultation"
    answers = (
        list_service_eligibility(customer, category=category, product=product, at=now)
        if product is not None
        else []
    )
    return {
        "may": answers,
        "may_products": choices,
        "may_product": product,
        "may_category": category,
        "may_categories": Category.choices,
    }
