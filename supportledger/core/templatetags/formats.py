"""Dates, numbers and money in the reader's language (babel), for every template:
``{% load formats %}``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import translation

register = template.Library()


def _locale() -> str:
    return (translation.get_language() or "en").replace("-", "_")


@register.filter
def money(amount: Any, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(amount), currency, locale=_locale())


@register.filter
def day(value: date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="medium", locale=_locale())


@register.filter
def moment(value: datetime | None, timezone: str = "UTC") -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=timezone, locale=_locale())


@register.filter
def month_label(value: date) -> str:
    return format_date(value, format="LLL yy", locale=_locale())


@register.filter
def number(value: Any) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())


@register.filter
def hours(minutes: int | None) -> str:
    """Whole minutes as hours with one decimal, in the reader's notation."""
    if minutes is None:
        return ""
    return format_decimal((Decimal(minutes) / 60).quantize(Decimal("0.1")), locale=_locale())


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)
