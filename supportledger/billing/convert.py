"""Rows -> invoice line values, and billing periods.

Line texts are written here, once, in the invoice's language, and frozen on
the line: an issued invoice reads the same forever, whatever the
translations become later. Amounts are taken as rated (already rounded to the
currency's minor unit by the rules) or rounded here once per line through
``supportledger.rules.money``.
"""

from __future__ import annotations

import calendar
import functools
import json
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
from supportledger.desk.models import Mode, mode_label
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


@dataclass(slots=True)
class LineTexts:
    """The words of the run's lines in one language, translated once per run
    (``line_texts``) instead of once per line: the head and parts of a work
    line, the mode labels, what each entitlement is called (by reference
    prefix), the earlier-period prefix, and the dates already written."""

    language: str
    head: str
    from_source: str
    billable: str
    after_hours: str
    travel_included: str
    earlier: str
    modes: dict[str, str]
    sources: dict[str, str]
    other_source: str
    days: dict[date, str] = field(default_factory=dict)
    drawn: dict[str, list[str]] = field(default_factory=dict)

    def day(self, day: date) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = format_date(day, self.language)
        return text

    def drawn_from(self, allocations_json: str) -> list[str]:
        """The parts saying what a rating's allocations (as stored) drew
        from, e.g. "60 min from the prepaid hours package"; each list
        written once and kept while the run meets it again (a batch's
        customers draw on the same few entitlements, line after line)."""
        parts = self.drawn.get(allocations_json)
        if parts is None:
            if len(self.drawn) >= _DRAWN_KEPT:
                self.drawn.clear()
            allocations = json.loads(allocations_json) if allocations_json != "[]" else []
            parts = self.drawn[allocations_json] = [
                self.from_source
                % {
                    "minutes": a["minutes"],
                    "source": self.sources.get(
                        a["entitlement"].partition("-")[0], self.other_source
                    ),
                }
                for a in allocations
                if a.get("minutes")
            ]
        return parts


# How many allocation lists ``LineTexts.drawn_from`` keeps written.
_DRAWN_KEPT = 10_000


def line_texts(language: str) -> LineTexts:
    """``LineTexts`` of ``language``, from the same messages a line has
    always been written with."""
    with override(language):
        return LineTexts(
            language=language,
            head=_(
                "%(mode)s %(day)s, request %(request)s «%(subject)s»: "
                "%(duration)s min → %(counted)s min counted"
            ),
            from_source=_("%(minutes)s min from the %(source)s"),
            billable=_("%(minutes)s min billable"),
            after_hours=_("after hours"),
            travel_included=_("travel included"),
            earlier=_("Supplied in an earlier period, not billed before"),
            modes={mode: mode_label(mode) for mode in Mode.values},
            sources={
                prefix: entitlement_name(kind, language)
                for kind, prefix in REFERENCE_PREFIX.items()
            },
            other_source=entitlement_name("contract", language),
        )


class JsonText(str):
    """A value already encoded as JSON, written into a JSON column as it is
    (``run._insert_lines``)."""

    __slots__ = ()


# ``json.dumps`` of a str, in C: the encoder ``json.dumps`` itself uses with
# its defaults (``ensure_ascii``).
_json_string = json.encoder.encode_basestring_ascii


_EARLIER_JSON = ', "earlier_period": true'


def _json_list(text: str | None) -> str:
    """A rating's JSON list as stored, ``[]`` where it holds none."""
    return "[]" if text is None or text == "null" else text


WORK_LINE_FIELDS = (
    "kind",
    "description",
    "supplied_from",
    "supplied_on",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "detail",
    "work_id",
    "work_rating_id",
    "entitlement_id",
    "fee_period_start",
    "order_id",
    "credits_line_id",
    "travel_charge_id",
)
"""The order of a line row's values (``line_row``, ``work_line_row``)."""

LineRow = tuple[Any, ...]


def line_row(line: LineValues) -> LineRow:
    """``line`` as a row of ``WORK_LINE_FIELDS``."""
    return (
        str(line.kind),
        line.description,
        line.supplied_from,
        line.supplied_on,
        line.quantity,
        line.unit,
        line.unit_price,
        line.amount,
        line.detail,
        line.work_id,
        line.work_rating_id,
        line.entitlement_id,
        line.fee_period_start,
        line.order_id,
        line.detail.get("credits_line"),
        line.travel_charge_id,
    )


RATING_VALUES = (
    "id",
    "work_id",
    "work__work_id",
    "work__request__customer_id",
    "work__started_at",
    "work__mode",
    "work__request_id",
    "work__request__subject",
    "duration_minutes",
    "counted_minutes",
    "billable_minutes",
    "amount",
    "currency",
    "travel_billed",
    "after_hours",
    "allocations_json",
    "explanation_json",
    "passed_over_json",
)
"""The values of a rating to bill, in the order ``work_line_row`` takes
them: the current WorkRating's fields, its work's and request's, and its
JSON fields as stored (text)."""


def work_line_row(
    rating: tuple[Any, ...], texts: LineTexts, zone: ZoneInfo, period_start: date
) -> LineRow:
    """The line billing one rated piece of work, as a row of
    ``WORK_LINE_FIELDS``, in ``texts``' language.

    ``rating`` is a tuple of ``RATING_VALUES`` (a plain tuple: a million of
    them a run). ``detail`` is built as JSON text around its JSON fields,
    exactly what ``json.dumps`` writes of the same dict (the rating's
    explanation copied, not decoded and encoded again).
    Reads e.g. "Remote support 4 Mar 2026, request REQ-3 «Printer»: 65 min →
    90 min counted: 60 min from the support contract, 30 min billable",
    prefixed "Supplied in an earlier period, not billed before: " when the
    work was done before ``period_start`` (recorded late, a draft cancelled).
    """
    (
        rating_id,
        work_id,
        work_reference,
        _customer_id,
        started_at,
        mode,
        request_id,
        subject,
        duration,
        counted,
        minutes,
        rated_amount,
        currency,
        travel_billed,
        after_hours,
        allocations_json,
        explanation_json,
        passed_over_json,
    ) = rating
    day = started_at.astimezone(zone).date()
    head = texts.head % {
        "mode": texts.modes.get(mode, mode),
        "day": texts.day(day),
        "request": request_reference(request_id),
        "subject": subject,
        "duration": duration,
        "counted": counted,
    }
    allocations_json = _json_list(allocations_json)
    parts = [*texts.drawn_from(allocations_json), texts.billable % {"minutes": minutes}]
    if after_hours:
        parts.append(texts.after_hours)
    if travel_billed:
        parts.append(texts.travel_included)
    amount, unit_price = _work_prices(rated_amount, minutes, currency)
    description = f"{head}: {', '.join(parts)}"
    earlier = day < period_start
    if earlier:
        description = f"{texts.earlier}: {description}"
    detail = JsonText(
        f'{{"work": {_json_string(work_reference)}, "day": "{day.isoformat()}", '
        f'"duration_minutes": {duration}, '
        f'"counted_minutes": {counted}, "billable_minutes": {minutes}, '
        f'"allocations": {allocations_json}, '
        f'"explanation": {_json_list(explanation_json)}, '
        f'"passed_over": {_json_list(passed_over_json)}'
        f"{_EARLIER_JSON if earlier else ''}}}"
    )
    return (
        str(LineKind.WORK),
        description,
        day,
        day,
        Decimal(minutes),
        "min",
        unit_price,
        amount,
        detail,
        work_id,
        rating_id,
        None,
        None,
        None,
        None,
        None,
    )


@functools.lru_cache(maxsize=1024)
def _work_prices(rated: Decimal, minutes: int, currency: str) -> tuple[Decimal, Decimal]:
    """A work line's amount (the rating's, rounded to the currency) and unit
    price per billable minute; computed once for each amount, minutes and
    currency met (most work of a run is billed at a few of them)."""
    amount = round_money(Decimal(rated), currency)
    if not minutes:
        return amount, amount
    return amount, round_money(amount / minutes, currency, digits=UNIT_PRICE_DIGITS)


def mark_if_earlier(line: LineValues, period: Period, texts: LineTexts) -> None:
    """Say on a line supplied before ``period`` that it is earlier work never
    billed (work recorded late, a draft cancelled), so the invoice does not
    pass it off as the period's."""
    if line.supplied_on is None or line.supplied_on >= period.start:
        return
    line.description = f"{texts.earlier}: {line.description}"
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
