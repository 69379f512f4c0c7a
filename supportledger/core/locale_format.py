"""Money, dates and minutes written the way the customer's language writes them.

Formatting only: amounts arrive already rounded (``supportledger.rules.money``)
and are never rounded again here. Locale data comes from CLDR through babel.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date as _babel_format_date
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("en", "bg", "hu", "el", "ru", "pl")


def babel_locale(language: str) -> str:
    """The babel locale for one of our language codes; unknown codes read as English."""
    code = (language or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """``amount`` with its currency, e.g. ``1 234,50 €`` in Bulgarian, ``€1,234.50`` in English.

    The number of decimals is the currency's (CLDR), so an amount already
    rounded to the minor unit prints exactly as stored.
    """
    return format_currency(amount, currency, locale=babel_locale(language))


def format_number(value: Decimal | int, language: str) -> str:
    """A plain number with the language's separators."""
    return format_decimal(value, locale=babel_locale(language))


def format_date(day: date, language: str, style: str = "medium") -> str:
    """A calendar date (already local: the policy's time zone), e.g. ``4 мар. 2026 г.``."""  # noqa: RUF002
    return _babel_format_date(day, style, locale=babel_locale(language))


@lru_cache(maxsize=4096)
def format_day_month(day: date, language: str) -> str:
    """Day and abbreviated month, e.g. ``4 Mar`` / ``4 март``, for line explanations."""
    return _babel_format_date(day, "d MMM", locale=babel_locale(language))
