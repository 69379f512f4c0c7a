"""Dates, numbers and money in the reader's language (babel), for every template:
``{% load formats %}``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import timezone as dj_timezone
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
def moment(value: datetime | None, timezone: str = "") -> str:
    """An instant as the reader's language writes a date and a time of day,
    to the minute (no seconds), in ``timezone`` (default: the active one,
    the vendor's on staff pages)."""
    if value is None:
        return ""
    zone = ZoneInfo(timezone or dj_timezone.get_current_timezone_name())
    local = value.astimezone(zone)
    locale = _locale()
    pattern = get_datetime_format("medium", locale=locale)
    return pattern.replace("{1}", format_date(local.date(), "medium", locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale)
    )


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
