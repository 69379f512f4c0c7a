"""Rows -> invoice line values, and billing periods.

Line texts are written here, once, in the invoice's language, and frozen on
the line: an issued invoice reads the same forever, whatever the
translations become later. Amounts are taken as rated (already rounded to the
currency's minor unit by the rules) or rounded here once per line through
``supportledger.rules.money``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.billing.locale_format import format_date, format_day_month
from supportledger.billing.models import LineKind, OrderKind
from supportledger.desk.models import mode_label
from supportledger.rules.calendar import add_months
from supportledger.rules.money import UNIT_PRICE_DIGITS, round_money


@dataclass(frozen=True, slots=True)
class Period:
    """A billing period: whole calendar months, dates in the policy time zone."""

    start: date
    end: date

    @classmethod
    def month(cls, text: str) -> Period:
        """``"2026-03"`` -> 1..31 March 2026. Raises ValueError on anything else."""
        year_text, _sep, month_text = text.partition("-")
        if len(year_text) != 4 or len(month_text) != 2:
            raise ValueError(f"period must look like 2026-03, got {text!r}")
        year, month = int(year_text), int(month_text)
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    def end_instant(self, timezone: str) -> datetime:
        """The first instant after the period (local midnight), in UTC."""
        local = datetime.combine(self.end + timedelta(days=1), time(0), ZoneInfo(timezone))
        return local.astimezone(UTC)


@dataclass
class LineValues:
    """One line to be written; exactly one reference field is set."""

    kind: str
    description: str
    amount: Decimal
    currency: str
    quantity: Decimal = Decimal(1)
    unit: str = ""
    unit_price: Decimal = Decimal(0)
    detail: dict[str, Any] = field(default_factory=dict)
    work_id: int | None = None
    work_rating_id: int | None = None
    entitlement_id: int | None = None
    fee_period_start: date | None = None
    order_id: int | None = None
    travel_charge_id: int | None = None


def work_line(rating: dict[str, Any], *, language: str, timezone: str) -> LineValues:
    """The line billing one rated piece of work.

    ``rating`` holds the current WorkRating's fields plus ``work__started_at``
    and ``work__mode``. Reads e.g. "Remote support 4 Mar, 65 min → 90 min
    counted: 60 min from SUB-12, 30 min billable".
    """
    day = rating["work__started_at"].astimezone(ZoneInfo(timezone)).date()
    with override(language):
        head = _("%(mode)s %(day)s, %(duration)s min → %(counted)s min counted") % {
            "mode": mode_label(rating["work__mode"]),
            "day": format_day_month(day, language),
            "duration": rating["duration_minutes"],
            "counted": rating["counted_minutes"],
        }
        parts = [
            _("%(minutes)s min from %(source)s")
            % {"minutes": a["minutes"], "source": a["entitlement"]}
            for a in rating["allocations"] or []
            if a.get("minutes")
        ]
        parts.append(_("%(minutes)s min billable") % {"minutes": rating["billable_minutes"]})
        if rating["after_hours"]:
            parts.append(_("after hours"))
        if rating["travel_billed"]:
            parts.append(_("travel included"))
    amount = round_money(Decimal(rating["amount"]), rating["currency"])
    minutes = rating["billable_minutes"]
    return LineValues(
        kind=LineKind.WORK,
        description=f"{head}: {', '.join(parts)}",
        amount=amount,
        currency=rating["currency"],
        quantity=Decimal(minutes),
        unit="min",
        unit_price=(
            round_money(amount / minutes, rating["currency"], digits=UNIT_PRICE_DIGITS)
            if minutes
            else amount
        ),
        detail={
            "work": rating["work__work_id"],
            "day": day.isoformat(),
            "duration_minutes": rating["duration_minutes"],
            "counted_minutes": rating["counted_minutes"],
            "billable_minutes": minutes,
            "allocations": rating["allocations"] or [],
            "explanation": rating["explanation"] or [],
        },
        work_id=rating["work_id"],
        work_rating_id=rating["id"],
    )


def fee_periods(
    *, starts: date, ends: date, billing_period: str, period: Period
) -> list[tuple[date, date]]:
    """The fee periods of a contract that fall due in ``period``, as (first,
    last) days. Monthly: the month, if the contract is valid on any of its
    days. Quarterly and yearly: periods counted from ``starts`` whose first
    day lies in ``period``. Once: the whole validity, due in the month it
    starts or, if not billed yet, any later month."""
    if billing_period == "month":
        if starts <= period.end and ends >= period.start:
            return [(period.start, period.end)]
        return []
    if billing_period == "once":
        return [(starts, ends)] if starts <= period.end else []
    step = {"quarter": 3, "year": 12}.get(billing_period)
    if step is None:
        return []
    due = []
    index = 0
    while True:
        first = add_months(starts, index * step)
        if first > period.end or first > ends:
            break
        if first >= period.start:
            due.append((first, min(add_months(starts, (index + 1) * step) - timedelta(1), ends)))
        index += 1
    return due


def fee_line(
    entitlement: Any, first: date, last: date, *, language: str, currency: str
) -> LineValues:
    with override(language):
        description = _("%(contract)s fee, %(first)s – %(last)s") % {  # noqa: RUF001
            "contract": entitlement.reference,
            "first": format_date(first, language),
            "last": format_date(last, language),
        }
    return LineValues(
        kind=LineKind.CONTRACT_FEE,
        description=description,
        amount=round_money(Decimal(entitlement.fee), currency),
        currency=currency,
        unit_price=Decimal(entitlement.fee),
        detail={"contract": entitlement.reference, "from": str(first), "to": str(last)},
        entitlement_id=entitlement.pk,
        fee_period_start=first,
    )


def order_description(order: Any, language: str) -> str:
    terms = order.terms or {}
    with override(language):
        if order.kind == OrderKind.VOUCHER:
            return _("Prepaid hours voucher, %(hours)s h") % {"hours": order.quantity}
        if order.kind == OrderKind.INCIDENT_PACK:
            return _("Incident pack, %(count)s incidents") % {"count": order.quantity}
        ends = date.fromisoformat(terms["ends"]) if terms.get("ends") else None
        product = order.product.name if order.product_id else ""
        if order.kind == OrderKind.RENEWAL:
            return _("Support renewal %(product)s until %(ends)s") % {
                "product": product,
                "ends": format_date(ends, language) if ends else "",
            }
        starts = date.fromisoformat(terms["starts"]) if terms.get("starts") else None
        return _("Maintenance contract %(product)s, %(starts)s – %(ends)s") % {  # noqa: RUF001
            "product": product,
            "starts": format_date(starts, language) if starts else "",
            "ends": format_date(ends, language) if ends else "",
        }


def order_line(order: Any, *, language: str) -> LineValues:
    return LineValues(
        kind=LineKind.ORDER,
        description=f"{order.reference} {order_description(order, language)}",
        amount=round_money(Decimal(order.amount), order.currency),
        currency=order.currency,
        quantity=Decimal(order.quantity),
        unit="h" if order.kind == OrderKind.VOUCHER else "",
        unit_price=round_money(
            Decimal(order.amount) / order.quantity, order.currency, digits=UNIT_PRICE_DIGITS
        ),
        detail={"order": order.reference, "explanation": order.explanation},
        order_id=order.pk,
    )


def travel_line(charge: Any, *, language: str) -> LineValues:
    """Travel billed for a claim rejected after an on-site visit (DESIGN 3.6),
    at ``rate.travel`` of the price list in force when it was rejected."""
    with override(language):
        description = _("Travel: claim #%(claim)s rejected on %(day)s") % {
            "claim": charge.claim_id,
            "day": format_date(charge.charged_on, language),
        }
    amount = round_money(Decimal(charge.amount), charge.currency)
    return LineValues(
        kind=LineKind.TRAVEL,
        description=description,
        amount=amount,
        currency=charge.currency,
        unit_price=amount,
        detail={"claim": charge.claim_id, "charged_on": str(charge.charged_on)},
        travel_charge_id=charge.pk,
    )
