"""``{% if request.user|can:"bill" %}``: the role matrix in console templates,
so a page's links show only what the reader's role may open; and
``{% if "claims"|offered %}``: what the vendor's policy offers (its
features), so a page shows nothing the vendor has switched off."""

from __future__ import annotations

from typing import Any

from django import template

from supportledger.core.queries import get_vendor_policy
from supportledger.customers.permissions import role_can, staff_role_of

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    return role_can(staff_role_of(user), capability)


@register.filter
def offered(feature: str) -> bool:
    return feature in (get_vendor_policy().features or ())
