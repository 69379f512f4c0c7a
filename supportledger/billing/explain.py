"""A rating's explanation in the reader's language.

The rules record each rating's reasons as steps (``supportledger.rules.
explanation``); this module renders each step code through its own translated
template, with minutes, amounts, dates and weekdays written the way the
language writes them (babel, ``core.locale_format``). Amounts arrive
rounded and are never rounded again here. A rating stored before steps were
kept has none and is shown with its stored English lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import get_day_names
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.core.locale_format import (
    babel_locale,
    format_date,
    format_money,
    format_number,
)
from supportledger.desk.models import category_label, mode_label
from supportledger.rules.explanation import STEP_CODES, Step, steps_from_json

__all__ = ["explain_passed_over", "explain_rating", "explain_steps", "kind_label"]


def kind_label(kind: str) -> str:
    """An entitlement kind in the active language, e.g. ``prepaid hours``."""
    labels = {
        "warranty": _("warranty"),
        "support_period": _("support period"),
        "contract": _("contract"),
        "prepaid_hours": _("prepaid hours"),
        "incident_pack": _("incident pack"),
        "service_warranty": _("service warranty"),
    }
    return labels.get(kind, kind)


class _Values:
    """A step's arguments written in one language, by the name a template uses."""

    def __init__(self, args: Mapping[str, str | int], language: str) -> None:
        self.args = args
        self.language = language

    def number(self, name: str) -> str:
        return format_number(Decimal(self.args[name]), self.language)

    def money(self, name: str, currency_name: str = "currency") -> str:
        return format_money(Decimal(self.args[name]), str(self.args[currency_name]), self.language)

    def day(self, name: str) -> str:
        return format_date(date.fromisoformat(str(self.args[name])), self.language)

    def text(self, name: str) -> str:
        return str(self.args[name])


def _work(v: _Values) -> str:
    end = v.text("end")
    if v.args["end_day"]:
        end = f"{v.day('end_day')} {end}"
    return _("%(mode)s, %(category)s: %(day)s %(start)s–%(end)s (%(zone)s), %(minutes)s min") % {  # noqa: RUF001
        "mode": mode_label(v.text("mode")),
        "category": category_label(v.text("category")),
        "day": v.day("day"),
        "start": v.text("start"),
        "end": end,
        "zone": v.text("zone"),
        "minutes": v.number("minutes"),
    }


def _increment_sla(v: _Values) -> str:
    return _(
        "SLA contract %(contract)s in force: increment %(increment)s min → %(counted)s min counted"
    ) % {
        "contract": v.text("contract"),
        "increment": v.number("increment"),
        "counted": v.number("counted"),
    }


def _increment_no_sla(v: _Values) -> str:
    return _("No SLA contract in force: increment %(increment)s min → %(counted)s min counted") % {
        "increment": v.number("increment"),
        "counted": v.number("counted"),
    }


def _outside_business_hours(v: _Values) -> str:
    weekday = int(v.args["weekday"])
    return _(
        "%(mode)s work is offered only in business hours and starts outside them "
        "(%(weekday)s %(time)s): no entitlement covers it"
    ) % {
        "mode": mode_label(v.text("mode")),
        "weekday": get_day_names("wide", locale=babel_locale(v.language))[weekday],
        "time": v.text("time"),
    }


def _free_cover(v: _Values) -> str:
    return _(
        "%(minutes)s min free, covered by %(entitlement)s (%(kind)s) for %(product)s: "
        "%(category)s, %(mode)s"
    ) % {
        "minutes": v.number("minutes"),
        "entitlement": v.text("entitlement"),
        "kind": kind_label(v.text("kind")),
        "product": v.text("product"),
        "category": category_label(v.text("category")),
        "mode": mode_label(v.text("mode")),
    }


def _incident_already_charged(v: _Values) -> str:
    return _(
        "Request %(request)s already used an incident of %(entitlement)s: "
        "%(minutes)s min covered, no new incident"
    ) % {
        "request": v.text("request"),
        "entitlement": v.text("entitlement"),
        "minutes": v.number("minutes"),
    }


def _incident(v: _Values) -> str:
    return _(
        "Incident pack %(entitlement)s (%(mode)s): %(minutes)s min, one incident for "
        "request %(request)s (%(before)s → %(after)s left)"
    ) % {
        "entitlement": v.text("entitlement"),
        "mode": mode_label(v.text("mode")),
        "minutes": v.number("minutes"),
        "request": v.text("request"),
        "before": v.number("before"),
        "after": v.number("after"),
    }


def _onsite_minimum(v: _Values) -> str:
    return _(
        "On-site work drawn from hour sources counts at least %(minimum)s min: "
        "%(before)s → %(after)s min counted"
    ) % {
        "minimum": v.number("minimum"),
        "before": v.number("before"),
        "after": v.number("after"),
    }


def _onsite_minimum_limited(v: _Values) -> str:
    return _(
        "On-site work drawn from hour sources counts at least %(minimum)s min, limited to "
        "the %(available)s min left: %(before)s → %(after)s min counted"
    ) % {
        "minimum": v.number("minimum"),
        "available": v.number("available"),
        "before": v.number("before"),
        "after": v.number("after"),
    }


def _from_allowance(v: _Values) -> str:
    return _(
        "%(minutes)s min from %(entitlement)s (monthly allowance, %(left)s min left → %(after)s)"
    ) % {
        "minutes": v.number("minutes"),
        "entitlement": v.text("entitlement"),
        "left": v.number("left"),
        "after": v.number("after"),
    }


def _from_prepaid_hours(v: _Values) -> str:
    return _(
        "%(minutes)s min from %(entitlement)s (prepaid hours, %(left)s min left → %(after)s)"
    ) % {
        "minutes": v.number("minutes"),
        "entitlement": v.text("entitlement"),
        "left": v.number("left"),
        "after": v.number("after"),
    }


def _billable(v: _Values) -> str:
    return _("Billable %(minutes)s min × %(rate)s per hour = %(amount)s") % {  # noqa: RUF001
        "minutes": v.number("minutes"),
        "rate": v.money("rate"),
        "amount": v.money("amount"),
    }


def _billable_after_hours(v: _Values) -> str:
    weekday = int(v.args["weekday"])
    return _(
        "Billable %(minutes)s min × %(rate)s per hour × %(multiplier)s (starts outside "  # noqa: RUF001
        "business hours, %(weekday)s %(time)s) = %(amount)s"
    ) % {
        "minutes": v.number("minutes"),
        "rate": v.money("rate"),
        "multiplier": v.number("multiplier"),
        "weekday": get_day_names("wide", locale=babel_locale(v.language))[weekday],
        "time": v.text("time"),
        "amount": v.money("amount"),
    }


def _travel(v: _Values) -> str:
    return _("Travel %(amount)s") % {"amount": v.money("amount")}


def _amount(v: _Values) -> str:
    return _("Amount %(amount)s") % {"amount": v.money("amount")}


_RENDERERS: dict[str, Callable[[_Values], str]] = {
    "work": _work,
    "outside_business_hours": _outside_business_hours,
    "increment_sla": _increment_sla,
    "increment_no_sla": _increment_no_sla,
    "free_cover": _free_cover,
    "incident_already_charged": _incident_already_charged,
    "incident": _incident,
    "onsite_minimum": _onsite_minimum,
    "onsite_minimum_limited": _onsite_minimum_limited,
    "from_allowance": _from_allowance,
    "from_prepaid_hours": _from_prepaid_hours,
    "billable": _billable,
    "billable_after_hours": _billable_after_hours,
    "travel": _travel,
    "amount": _amount,
}
assert tuple(_RENDERERS) == STEP_CODES


def explain_steps(steps: Sequence[Step], language: str | None = None) -> list[str]:
    """One line per step in ``language`` (default: the active language)."""
    language = language or translation.get_language() or "en"
    with override(language):
        return [capfirst(_RENDERERS[s.code](_Values(s.args, language))) for s in steps]


def _passed_over_reason(reason: str, v: _Values) -> str:
    if reason == "expired":
        return _("it expired on %(day)s") % {"day": v.day("ends")}
    if reason == "not_yet_valid":
        return _("it is valid only from %(day)s") % {"day": v.day("starts")}
    if reason == "other_product":
        return _("it is for other products than %(product)s") % {"product": v.text("product")}
    if reason == "other_request":
        return _("it covers the rework of request %(request)s only") % {
            "request": v.text("request")
        }
    if reason == "outside_business_hours":
        return _("%(mode)s work outside business hours is not covered") % {
            "mode": mode_label(v.text("mode"))
        }
    if reason == "mode_not_covered":
        return _("its terms exclude %(mode)s") % {"mode": mode_label(v.text("mode")).lower()}
    if reason == "category_not_covered":
        return _("its terms do not cover %(category)s") % {
            "category": category_label(v.text("category"))
        }
    if reason == "requires":
        return _("it needs a valid %(kind)s as well, and there is none") % {
            "kind": kind_label(v.text("kind"))
        }
    if reason == "no_minutes_left":
        return _("no minutes are left on it")
    if reason == "drained_by_later_work":
        return _(
            "its last %(minutes)s min were used by work dated later that was recorded earlier"
        ) % {"minutes": v.number("minutes")}
    if reason == "allowance_used":
        return _("this month's %(minutes)s min are used up") % {
            "minutes": v.number("minutes_per_month")
        }
    if reason == "no_incidents_left":
        return _("no incidents are left on it")
    return _("not needed: the work was already covered")


def explain_passed_over(items: Sequence[Any], language: str | None = None) -> list[str]:
    """One line per entitlement held that did not pay, and why, in
    ``language``: ``items`` are rules ``PassedOver`` values or their stored
    form (``{"entitlement", "kind", "reason", "args"}``)."""
    language = language or translation.get_language() or "en"
    lines = []
    with override(language):
        for item in items:
            if isinstance(item, Mapping):
                reference, kind = str(item.get("entitlement", "")), str(item.get("kind", ""))
                reason, args = str(item.get("reason", "")), item.get("args") or {}
            else:
                reference, kind, reason, args = item.entitlement, item.kind, item.reason, item.args
            lines.append(
                _("%(entitlement)s (%(kind)s) did not pay: %(reason)s")
                % {
                    "entitlement": reference,
                    "kind": kind_label(kind),
                    "reason": _passed_over_reason(reason, _Values(args, language)),
                }
            )
    return lines


def explain_rating(rating: Any, language: str | None = None) -> list[str]:
    """The explanation of a rating (a ``WorkRating`` row or a rules ``Rating``)
    in ``language``: from its steps, else (a rating stored before steps were
    kept, or steps that no longer read) its stored English lines; then one
    line per entitlement held that did not pay, and why."""
    lines = _explain_steps_of(rating, language)
    passed = getattr(rating, "passed_over", None) or ()
    try:
        return lines + explain_passed_over(passed, language)
    except (KeyError, ValueError, TypeError, ArithmeticError, IndexError):
        return lines


def _explain_steps_of(rating: Any, language: str | None) -> list[str]:
    raw = getattr(rating, "steps", None) or ()
    if raw and isinstance(raw[0], Step):
        return explain_steps(raw, language)
    try:
        steps = steps_from_json(raw)
    except ValueError:
        steps = ()
    if not steps:
        return list(getattr(rating, "explanation", None) or [])
    try:
        return explain_steps(steps, language)
    except (KeyError, ValueError, TypeError, ArithmeticError, IndexError):
        return list(getattr(rating, "explanation", None) or [])
