"""Template filters that write billing's stored values in the reader's language."""

from __future__ import annotations

from django import template

from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Customer

register = template.Library()


@register.filter
def hold_reason(customer: Customer) -> str:
    """Why ``customer`` is on hold, in the active language (see
    ``customers.holds.describe_hold_reason``)."""
    return describe_hold_reason(customer)
