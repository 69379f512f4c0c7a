"""``{% if request.user|can:"bill" %}``: the role matrix in console templates,
so a page's links show only what the reader's role may open."""

from __future__ import annotations

from typing import Any

from django import template

from supportledger.customers.permissions import role_can, staff_role_of

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    return role_can(staff_role_of(user), capability)
