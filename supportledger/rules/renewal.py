# ruff: noqa: RUF002  (a docstring quotes the Russian seed page)
"""Renewal quotes for support periods (DESIGN 3.4, seed S3).

Months are calendar months, clamped to the end of the month (31 January + 1
month = 28 February). All dates are calendar dates in the policy time zone,
inclusive. The price is the product's list price on the renewal date times
the rate, rounded half up to the policy's ``round_to`` step.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from supportledger.rules.calendar import add_months
from supportledger.rules.money import round_to_step
from supportledger.rules.types import RenewalPolicy, RenewalQuote, RulesError

__all__ = ["grace_ends", "quote_renewal", "standard_term"]


def grace_ends(renewal: RenewalPolicy, support_ends: date) -> date:
    """The last day (inclusive) on which a renewal is still a grace renewal."""
    return add_months(support_ends, renewal.grace_months)


def standard_term(renewal: RenewalPolicy, activated_on: date) -> tuple[date, date]:
    """First and last day (inclusive) of a standard renewal that takes effect
    on ``activated_on``: ``term_months`` from activation (seed S3: "продлевается
    с момента активации продления на один год"), i.e. to ``activated_on +
    term_months - 1 day``.
    A standard renewal ordered on one day and paid on a later one runs from
    the day it is paid."""
    return activated_on, add_months(activated_on, renewal.term_months) - timedelta(days=1)


def quote_renewal(
    renewal: RenewalPolicy,
    currency: str,
    price: Decimal,
    support_ends: date,
    on: date,
) -> RenewalQuote | RulesError:
    """Quote renewing support that ends (or ended) on ``support_ends``, bought on ``on``.

    Grace (``on <= support_ends + grace_months``, early renewals included):
    ``grace_rate * price``, support extended to ``support_ends + term_months``.
    Standard (later): ``standard_rate * price``, support for ``term_months``
    from ``on``, i.e. to ``on + term_months - 1 day``. ``price`` is the list
    price in ``currency`` on ``on``. Error code: ``invalid_price``.
    """
    if price < 0:
        return RulesError("invalid_price", f"A price cannot be negative: {price}.")
    last_grace_day = grace_ends(renewal, support_ends)
    if on <= last_grace_day:
        rate = renewal.grace_rate
        new_ends = add_months(support_ends, renewal.term_months)
        kind: str = "grace"
        why = (
            f"Renewed on {on.isoformat()}, within {renewal.grace_months} month(s) of the end "
            f"of support on {support_ends.isoformat()} (grace until {last_grace_day.isoformat()}): "
            f"grace rate {rate}"
        )
        term = (
            f"Support extended by {renewal.term_months} months from "
            f"{support_ends.isoformat()} to {new_ends.isoformat()}"
        )
    else:
        rate = renewal.standard_rate
        new_ends = standard_term(renewal, on)[1]
        kind = "standard"
        why = (
            f"Renewed on {on.isoformat()}, after the grace period ended on "
            f"{last_grace_day.isoformat()}: standard rate {rate}"
        )
        term = (
            f"Support for {renewal.term_months} months from {on.isoformat()} "
            f"to {new_ends.isoformat()}"
        )
    amount = round_to_step(price * rate, renewal.round_to)
    explanation = (
        why,
        f"{price} {currency} × {rate} = {price * rate} → {amount} {currency} "  # noqa: RUF001
        f"(rounded half up to {renewal.round_to})",
        term,
        f"Releases up to {new_ends.isoformat()} become available"
        + (", including those released while support had lapsed" if on > support_ends else ""),
    )
    return RenewalQuote(
        kind="grace" if kind == "grace" else "standard",
        rate=rate,
        list_price=price,
        price=amount,
        currency=currency,
        support_ends=support_ends,
        grace_ends=last_grace_day,
        new_support_ends=new_ends,
        explanation=explanation,
    )
