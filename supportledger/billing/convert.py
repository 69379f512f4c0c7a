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
from django.utils.translation import override, pgettext

from supportledger.billing.models import LineKind, OrderKind
from supportledger.core.locale_format import format_date
from supportledger.core.references import request_reference
from supportledger.desk.models import mode_label
from supportledger.entitlements.models import REFERENCE_PREFIX
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

    def has_ended(self, at: datetime, timezone: str) -> bool:
        """Whether the period's last day is over at ``at`` (policy time zone)."""
        return at >= self.end_instant(timezone)

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
    supplied_from: date | None = None
    supplied_on: date | None = None
    """Date of supply (or last day of a supplied period), policy time zone:
    the VAT rate in force that day applies (chargeable event, Directive
    2006/112/EC Art. 63)."""
    vat_category: str = ""
    vat_rate: Decimal | None = None
    """Set only on lines that copy another's VAT (a credit note's); else the
    invoice decides it from the seller, the customer and ``supplied_on``."""


def entitlement_name(kind: str, language: str) -> str:
    """What the customer bought, in its language: "prepaid hours package",
    not the internal reference (``PKG-70``)."""
    with override(language):
        names = {
            "warranty": pgettext("entitlement", "product warranty"),
            "support_period": pgettext("entitlement", "support period"),
            "contract": pgettext("entitlement", "support contract"),
            "prepaid_hours": pgettext("entitlement", "prepaid hours package"),
            "incident_pack": pgettext("entitlement", "incident pack"),
            "service_warranty": pgettext("entitlement", "warranty on the work done"),
        }
        return names.get(kind, pgettext("entitlement", "support contract"))


def kind_of_reference(reference: str) -> str:
    """The entitlement kind of a reference such as ``PKG-70``."""
    prefix = reference.partition("-")[0]
    return {value: key for key, value in REFERENCE_PREFIX.items()}.get(prefix, "contract")


def work_line(rating: dict[str, Any], *, language: str, timezone: str) -> LineValues:
    """The line billing one rated piece of work.

    ``rating`` holds the current WorkRating's fields plus ``work__started_at``,
    ``work__mode``, ``work__request_id`` and ``work__request__subject``.
    Reads e.g. "Remote support 4 Mar 2026, request REQ-3 «Printer»: 65 min →
    90 min counted: 60 min from the support contract, 30 min billable".
    """
    day = rating["work__started_at"].astimezone(ZoneInfo(timezone)).date()
    with override(language):
        head = _(
            "%(mode)s %(day)s, request %(request)s «%(subject)s»: "
            "%(duration)s min → %(counted)s min counted"
        ) % {
            "mode": mode_label(rating["work__mode"]),
            "day": format_date(day, language),
            "request": request_reference(rating["work__request_id"]),
            "subject": rating["work__request__subject"],
            "duration": rating["duration_minutes"],
            "counted": rating["counted_minutes"],
        }
        parts = [
            _("%(minutes)s min from the %(source)s")
            % {
                "minutes": a["minutes"],
                "source": entitlement_name(kind_of_reference(a["entitlement"]), language),
            }
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
            "passed_over": rating.get("passed_over") or [],
        },
        work_id=rating["work_id"],
        work_rating_id=rating["id"],
        supplied_from=day,
        supplied_on=day,
    )


def mark_if_earlier(line: LineValues, period: Period, *, language: str) -> None:
    """Say on a line supplied before ``period`` that it is earlier work never
    billed (work recorded late, a draft cancelled), so the invoice does not
    pass it off as the period's."""
    if line.supplied_on is None or line.supplied_on >= period.start:
        return
    with override(language):
        prefix = _("Supplied in an earlier period, not billed before")
    line.description = f"{prefix}: {line.description}"
    line.detail = {**line.detail, "earlier_period": True}


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
        description = _("Fee for the %(contract)s, %(first)s – %(last)s") % {  # noqa: RUF001
            "contract": entitlement_name(entitlement.kind, language),
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
        supplied_from=first,
        supplied_on=last,
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
        description=order_description(order, language),
        amount=round_money(Decimal(order.amount), order.currency),
        currency=order.currency,
        quantity=Decimal(order.quantity),
        unit="h" if order.kind == OrderKind.VOUCHER else "",
        unit_price=round_money(
            Decimal(order.amount) / order.quantity, order.currency, digits=UNIT_PRICE_DIGITS
        ),
        detail={"order": order.reference, "explanation": order.explanation},
        order_id=order.pk,
        supplied_from=order.ordered_on,
        supplied_on=order.ordered_on,
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
        supplied_from=charge.charged_on,
        supplied_on=charge.charged_on,
    )
