"""Template filters that write billing's stored values in the reader's language."""

from __future__ import annotations

from django import template

from supportledger.customers.holds import describe_hold_reason

register = template.Library()


@register.filter
def hold_reason(reason: str) -> str:
    """A customer's hold reason in the active language (see
    ``customers.holds.describe_hold_reason``)."""
    return describe_hold_reason(reason or "")
