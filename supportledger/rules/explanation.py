"""Why a rating came out as it did, as structured steps and as English text.

``rate_work`` records one ``Step`` per rule it applied, in order. A step is a
code from ``STEP_CODES`` plus the plain values that rule used (minutes as
``int``; identifiers, dates, clock times and amounts as ``str``). This module
renders steps as the English lines the command line prints; the apps render
the same steps in the reader's language.

The closed set of codes and their arguments (minutes are whole minutes;
``day``/``end_day`` ISO dates and ``start``/``end``/``time`` ``HH:MM`` clock
times in the policy time zone; amounts, rates and the multiplier are decimal
strings, amounts rounded to the currency's minor unit):

``work``
    mode, category, day, start, end, end_day ("" when the work ends on
    ``day``), zone (IANA name), minutes (real elapsed, started minute whole).
``outside_business_hours``
    mode, weekday (0 = Monday), time (start): the mode is offered only in
    business hours and the work starts outside them, so no entitlement
    covers it (the policy bills it from the price list).
``increment_sla``
    contract (the SLA contract in force), increment, counted.
``increment_no_sla``
    increment, counted.
``free_cover``
    kind, entitlement, category, mode, product, minutes.
``incident_already_charged``
    request, entitlement, minutes.
``incident``
    entitlement, mode, minutes, request, before, after (incidents left).
``onsite_minimum``
    minimum, before, after (counted minutes).
``onsite_minimum_limited``
    minimum, available, before, after (counted minutes).
``from_allowance``
    minutes, entitlement, left, after (allowance minutes left this month).
``from_prepaid_hours``
    minutes, entitlement, left, after (minutes left on the voucher).
``billable``
    minutes, rate (per hour), currency, amount.
``billable_after_hours``
    minutes, rate (per hour), currency, multiplier, weekday (0 = Monday),
    time (start), amount.
``travel``
    amount, currency.
``amount``
    amount, currency (the total billed for the work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

__all__ = [
    "STEP_CODES",
    "Step",
    "english_line",
    "explain_in_english",
    "steps_from_json",
    "steps_to_json",
]

STEP_CODES: Final = (
    "work",
    "outside_business_hours",
    "increment_sla",
    "increment_no_sla",
    "free_cover",
    "incident_already_charged",
    "incident",
    "onsite_minimum",
    "onsite_minimum_limited",
    "from_allowance",
    "from_prepaid_hours",
    "billable",
    "billable_after_hours",
    "travel",
    "amount",
)
"""Every code a ``Step`` may carry; the module docstring lists each one's arguments."""


class Step(NamedTuple):
    """One line of a rating's explanation: which rule applied, with its values.

    A named tuple rather than a frozen dataclass: a rating makes several, and
    a tuple is made in a fraction of the time (``make bench``)."""

    code: str
    args: Mapping[str, str | int]


_MODE_LABELS: Final = {
    "remote": "Remote",
    "onsite": "On-site",
    "phone": "Phone",
    "email": "E-mail",
    "chat": "Chat",
    "portal": "Portal",
    "inhouse": "In-house",
}
_KIND_LABELS: Final = {
    "warranty": "Warranty",
    "support_period": "Support period",
    "contract": "Contract",
    "prepaid_hours": "Prepaid hours",
    "incident_pack": "Incident pack",
    "service_warranty": "Service warranty",
}
_WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def _work(a: Mapping[str, Any]) -> str:
    end = f"{a['end_day']} {a['end']}" if a["end_day"] else a["end"]
    return (
        f"{_MODE_LABELS[a['mode']]} {a['category']} {a['day']} {a['start']}–{end} "  # noqa: RUF001
        f"{a['zone']}: {a['minutes']} min"
    )


def _free_cover(a: Mapping[str, Any]) -> str:
    return (
        f"{_KIND_LABELS[a['kind']]} {a['entitlement']} covers {a['category']} by {a['mode']} "
        f"for {a['product']}: {a['minutes']} min free"
    )


def _billable_after_hours(a: Mapping[str, Any]) -> str:
    return (
        f"Billable {a['minutes']} min × {a['rate']} {a['currency']}/h × {a['multiplier']} "  # noqa: RUF001
        f"(starts outside business hours, {_WEEKDAY_NAMES[a['weekday']]} {a['time']}) "
        f"= {a['amount']} {a['currency']}"
    )


def _template(text: str) -> Callable[[Mapping[str, Any]], str]:
    return text.format_map


def _outside_business_hours(a: Mapping[str, Any]) -> str:
    return (
        f"{_MODE_LABELS[a['mode']]} work is offered only in business hours and starts "
        f"outside them ({_WEEKDAY_NAMES[a['weekday']]} {a['time']}): no entitlement covers it"
    )


_ENGLISH: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "work": _work,
    "outside_business_hours": _outside_business_hours,
    "increment_sla": _template(
        "SLA contract {contract} in force: increment {increment} min → {counted} min counted"
    ),
    "increment_no_sla": _template(
        "No SLA contract in force: increment {increment} min → {counted} min counted"
    ),
    "free_cover": _free_cover,
    "incident_already_charged": _template(
        "Request {request} already charged an incident to {entitlement}: "
        "{minutes} min covered, no new incident"
    ),
    "incident": _template(
        "Incident pack {entitlement} covers {mode} work: {minutes} min, "
        "1 incident for request {request} ({before} → {after} left)"
    ),
    "onsite_minimum": _template(
        "On-site work drawn from hour sources counts at least {minimum} min: "
        "{before} → {after} min counted"
    ),
    "onsite_minimum_limited": _template(
        "On-site work drawn from hour sources counts at least {minimum} min, "
        "limited to the {available} min left: {before} → {after} min counted"
    ),
    "from_allowance": _template(
        "{minutes} min from {entitlement} (monthly allowance, {left} min left → {after})"
    ),
    "from_prepaid_hours": _template(
        "{minutes} min from {entitlement} (prepaid hours, {left} min left → {after})"
    ),
    "billable": _template(
        "Billable {minutes} min × {rate} {currency}/h = {amount} {currency}"  # noqa: RUF001
    ),
    "billable_after_hours": _billable_after_hours,
    "travel": _template("Travel {amount} {currency}"),
    "amount": _template("Amount {amount} {currency}"),
}
assert tuple(_ENGLISH) == STEP_CODES


def english_line(step: Step) -> str:
    """The English line the command line prints for ``step``."""
    return _ENGLISH[step.code](step.args)


def explain_in_english(steps: Iterable[Step]) -> tuple[str, ...]:
    """One English line per step, in order."""
    return tuple(_ENGLISH[step.code](step.args) for step in steps)


def steps_to_json(steps: Iterable[Step]) -> list[dict[str, Any]]:
    """Steps as JSON values: ``[{"code": ..., "args": {...}}, ...]``."""
    return [{"code": step.code, "args": dict(step.args)} for step in steps]


def steps_from_json(data: object) -> tuple[Step, ...]:
    """Steps back from ``steps_to_json``'s shape.

    Raises ``ValueError`` naming the position when an item is not a step of a
    known code with string or integer arguments.
    """
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise ValueError("steps: must be a list")
    steps = []
    for index, item in enumerate(data):
        if not isinstance(item, Mapping) or item.get("code") not in STEP_CODES:
            raise ValueError(f"steps[{index}]: not a step of a known code")
        args = item.get("args")
        if not isinstance(args, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str | int) and not isinstance(value, bool)
            for key, value in args.items()
        ):
            raise ValueError(f"steps[{index}].args: must map names to strings or integers")
        steps.append(Step(item["code"], dict(args)))
    return tuple(steps)
