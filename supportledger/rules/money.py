"""Money: the one place amounts are rounded.

Amounts are ``Decimal`` next to an ISO 4217 currency code, never ``float``.
Every rounding is ROUND_HALF_UP: to the currency's minor unit (``round_money``)
or to a price step such as ``1`` or ``0.05`` (``round_to_step``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

__all__ = [
    "UNIT_PRICE_DIGITS",
    "minor_unit",
    "minor_unit_digits",
    "round_money",
    "round_to_step",
]


@lru_cache(maxsize=256)
def minor_unit_digits(currency: str) -> int:
    """Digits after the decimal point of ``currency``'s minor unit (CLDR data via babel).

    EUR, PLN, HUF and RUB have 2; JPY has 0. An unknown code gets 2.
    """
    return int(get_currency_precision(currency))


@lru_cache(maxsize=256)
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` as a quantum: ``Decimal('0.01')`` for EUR."""
    return Decimal(1).scaleb(-minor_unit_digits(currency))


UNIT_PRICE_DIGITS = 4
"""Digits an invoice line's unit price keeps (a price per minute needs more
than the currency's minor unit)."""


def round_money(amount: Decimal, currency: str, *, digits: int | None = None) -> Decimal:
    """``amount`` rounded half up to ``currency``'s minor unit, or to
    ``digits`` decimal places when given (unit prices: ``UNIT_PRICE_DIGITS``).

    The result always carries that exponent: ``round_money(Decimal(140),
    "EUR") == Decimal("140.00")`` and prints as ``140.00``.
    """
    quantum = minor_unit(currency) if digits is None else Decimal(1).scaleb(-digits)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def round_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """``amount`` rounded half up to a whole multiple of ``step`` (> 0).

    The result carries ``step``'s exponent: step ``1`` gives ``1998``, step
    ``0.01`` gives ``1997.50``, step ``5`` gives ``2000``.
    """
    if step <= 0:
        raise ValueError("step must be positive")
    steps = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    exponent = step.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite step has an integer exponent
    return (steps * step).quantize(Decimal(1).scaleb(min(exponent, 0)))
