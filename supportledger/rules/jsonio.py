"""JSON cases in, JSON-ready results out (the formats of ``supportledger rate``,
``renewal-quote``, ``claim-window`` and ``due``).

Parsing takes the dict ``json.loads`` made (floats, if any, parsed as
``Decimal``) and returns the rules' values, or raises ``MalformedInput`` naming
the offending field by its path (``work.mode``, ``entitlements[1].balance_minutes``).
Unknown fields are refused, so a misspelt field is never silently ignored.

Results: amounts are decimal strings carrying the currency's minor unit (a
renewal price carries its ``round_to`` step), dates are ``YYYY-MM-DD`` and
instants are ISO 8601 with the local offset of the policy time zone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from babel.numbers import is_currency

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.presets import PRESET_NAMES, get_preset
from supportledger.rules.types import (
    CATEGORIES,
    DEFAULT_KIND_DEFAULTS,
    KINDS,
    MODES,
    WEEKDAYS,
    ClaimPolicy,
    ClaimWindow,
    Entitlement,
    EntitlementKind,
    KindDefaults,
    Policy,
    Rating,
    RenewalPolicy,
    RenewalQuote,
    RequestRef,
    RulesError,
    Work,
)

__all__ = [
    "ClaimCase",
    "DueCase",
    "MalformedInput",
    "RateCase",
    "RenewalCase",
    "claim_window_to_json",
    "due_to_json",
    "error_to_json",
    "parse_claim_case",
    "parse_due_case",
    "parse_entitlement",
    "parse_policy",
    "parse_rate_case",
    "parse_renewal_case",
    "parse_work",
    "rating_to_json",
    "renewal_quote_to_json",
]

T = TypeVar("T")
Name = TypeVar("Name", bound=str)
JsonObject = Mapping[str, Any]


class MalformedInput(ValueError):
    """A case that cannot be read. ``field`` is the path of the bad field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RateCase:
    policy: Policy
    entitlements: tuple[Entitlement, ...]
    work: Work


@dataclass(frozen=True, slots=True)
class RenewalCase:
    renewal: RenewalPolicy
    currency: str
    price: Decimal
    support_ends: date
    on: date


@dataclass(frozen=True, slots=True)
class ClaimCase:
    calendar: BusinessCalendar
    claims: ClaimPolicy
    confirmed_at: datetime
    next_service_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueCase:
    calendar: BusinessCalendar
    start: datetime
    business_minutes: int


# ---------------------------------------------------------------- field readers

_MISSING: Any = object()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise MalformedInput(path or "input", "must be a JSON object")
    return value


def _check_fields(obj: JsonObject, path: str, allowed: Sequence[str], what: str) -> None:
    for key in obj:
        if key not in allowed:
            raise MalformedInput(_child(path, str(key)), f"not a field of {what}")


def _get(obj: JsonObject, key: str, path: str, default: Any = _MISSING) -> Any:
    if key in obj:
        return obj[key]
    if default is _MISSING:
        raise MalformedInput(_child(path, key), "missing")
    return default


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedInput(path, "must be a non-empty string")
    return value


def _int(value: Any, path: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(path, "must be a whole number")
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise MalformedInput(path, "must not be negative")
        raise MalformedInput(path, f"must be at least {minimum}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedInput(path, "must be true or false")
    return value


def _decimal(value: Any, path: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise MalformedInput(path, 'must be a decimal string such as "40.00"')
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise MalformedInput(path, f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise MalformedInput(path, "must be a finite number")
    if positive and number <= 0:
        raise MalformedInput(path, "must be positive")
    if number < 0:
        raise MalformedInput(path, "must not be negative")
    return number


def _date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise MalformedInput(path, "not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedInput(path, f"not a valid date: {value!r}") from None


def _instant(value: Any, path: str) -> datetime:
    if not isinstance(value, str) or len(value) < 16 or not _DATE.match(value):
        raise MalformedInput(path, "not an ISO 8601 timestamp with offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedInput(path, "not an ISO 8601 timestamp with offset") from None
    if parsed.utcoffset() is None:
        raise MalformedInput(path, "not an ISO 8601 timestamp with offset (offset missing)")
    return parsed


def _clock(value: Any, path: str) -> time:
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise MalformedInput(path, "not a time HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24 and minute == 0:
        return time.max  # "24:00": open until midnight
    if hour > 23 or minute > 59:
        raise MalformedInput(path, f"not a valid time: {value!r}")
    return time(hour, minute)


def _list(value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
    if not isinstance(value, list):
        raise MalformedInput(path, "must be a list")
    return [item(element, _child(path, index)) for index, element in enumerate(value)]


def _member(choices: Sequence[Name], what: str) -> Callable[[Any, str], Name]:
    def read(value: Any, path: str) -> Name:
        if not isinstance(value, str):
            raise MalformedInput(path, f"must be a {what} name")
        for choice in choices:
            if value == choice:
                return choice
        raise MalformedInput(path, f"unknown {what} {value!r}")

    return read


_mode = _member(MODES, "mode")
_category = _member(CATEGORIES, "category")
_kind = _member(KINDS, "kind")


def _timezone(value: Any, path: str) -> str:
    name = _str(value, path)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MalformedInput(path, f"unknown time zone {name!r}") from None
    return name


def _holiday_country(value: Any, path: str) -> str | None:
    if value is None:
        return None
    code = _str(value, path)
    if code not in holidays_lib.list_supported_countries():
        raise MalformedInput(path, f"no public holidays known for country {code!r}")
    return code


def _currency(value: Any, path: str) -> str:
    code = _str(value, path)
    if not re.fullmatch(r"[A-Z]{3}", code) or not is_currency(code):
        raise MalformedInput(path, f"unknown currency {code!r}")
    return code


def _business_hours(value: Any, path: str) -> dict[str, tuple[time, time]]:
    obj = _object(value, path)
    hours: dict[str, tuple[time, time]] = {}
    for key, span in obj.items():
        where = _child(path, str(key))
        if key not in WEEKDAYS:
            raise MalformedInput(where, f"unknown day; use one of {', '.join(WEEKDAYS)}")
        if not isinstance(span, list) or len(span) != 2:
            raise MalformedInput(where, 'must be ["HH:MM", "HH:MM"]')
        opens, closes = _clock(span[0], _child(where, 0)), _clock(span[1], _child(where, 1))
        if not opens < closes:
            raise MalformedInput(where, "must open before it closes")
        hours[key] = (opens, closes)
    return hours


def _calendar_fields(obj: JsonObject, path: str) -> BusinessCalendar:
    return BusinessCalendar(
        _timezone(_get(obj, "timezone", path), _child(path, "timezone")),
        _business_hours(_get(obj, "business_hours", path), _child(path, "business_hours")),
        _holiday_country(_get(obj, "holidays", path, None), _child(path, "holidays")),
        _list(_get(obj, "closures", path, []), _child(path, "closures"), _date),
        _list(
            _get(obj, "extra_working_days", path, []),
            _child(path, "extra_working_days"),
            _date,
        ),
    )


# ---------------------------------------------------------------- rate

_POLICY_FIELDS = (
    "preset",
    "currency",
    "timezone",
    "holidays",
    "closures",
    "extra_working_days",
    "business_hours",
    "business_hours_only_modes",
    "outside_business_hours",
    "increment",
    "onsite_minimum_minutes",
    "service_area",
    "uncovered_work",
    "after_hours_multiplier",
    "rates",
    "kind_defaults",
)


def parse_policy(value: Any, path: str = "policy") -> Policy:
    """A rating policy. With ``"preset": NAME`` the preset's policy is the
    starting point and every other field given overrides it; without, the
    fields ``currency``, ``timezone``, ``business_hours``, ``increment`` and
    ``rates`` are required."""
    obj = _object(value, path)
    _check_fields(obj, path, _POLICY_FIELDS, "a policy")
    base: Policy | None = None
    if "preset" in obj:
        name = _str(obj["preset"], _child(path, "preset"))
        if name not in PRESET_NAMES:
            raise MalformedInput(
                _child(path, "preset"),
                f"unknown preset {name!r}; one of {', '.join(PRESET_NAMES)}",
            )
        base = get_preset(name).policy
    changes: dict[str, Any] = {}

    def field(key: str, read: Callable[[Any, str], Any]) -> None:
        if key in obj:
            changes[key] = read(obj[key], _child(path, key))
        elif base is None and key in ("currency", "timezone", "business_hours"):
            raise MalformedInput(_child(path, key), "missing")

    field("currency", _currency)
    field("timezone", _timezone)
    field("holidays", _holiday_country)
    field("closures", lambda v, p: frozenset(_list(v, p, _date)))
    field("extra_working_days", lambda v, p: frozenset(_list(v, p, _date)))
    field("business_hours_only_modes", lambda v, p: frozenset(_list(v, p, _mode)))
    field(
        "outside_business_hours",
        _member(("refuse", "bill"), "outside_business_hours setting"),
    )
    field("business_hours", _business_hours)
    if "increment" in obj:
        where = _child(path, "increment")
        increment = _object(obj["increment"], where)
        _check_fields(increment, where, ("contract", "no_contract"), "increment")
        for key, attribute in (
            ("contract", "increment_contract"),
            ("no_contract", "increment_no_contract"),
        ):
            if key in increment or base is None:
                changes[attribute] = _int(_get(increment, key, where), _child(where, key), 1)
    elif base is None:
        raise MalformedInput(_child(path, "increment"), "missing")
    field("onsite_minimum_minutes", lambda v, p: _int(v, p, 0))
    field("service_area", lambda v, p: tuple(_list(v, p, _str)))
    field("uncovered_work", _member(("bill", "refuse"), "uncovered_work setting"))
    field("after_hours_multiplier", lambda v, p: _decimal(v, p, positive=True))
    if "rates" in obj:
        where = _child(path, "rates")
        rates_obj = _object(obj["rates"], where)
        rates = dict(base.rates) if base is not None else {}
        for key, amount in rates_obj.items():
            if key != "travel" and key not in MODES:
                raise MalformedInput(_child(where, str(key)), f"unknown mode {key!r}")
            rates[key] = _decimal(amount, _child(where, key))
        changes["rates"] = rates
    elif base is None:
        raise MalformedInput(_child(path, "rates"), "missing")
    if "kind_defaults" in obj:
        changes["kind_defaults"] = _kind_defaults(
            obj["kind_defaults"], _child(path, "kind_defaults"), base
        )
    if base is not None:
        return dataclasses.replace(base, **changes)
    return Policy(**changes)


def _kind_defaults(
    value: Any, path: str, base: Policy | None
) -> dict[EntitlementKind, KindDefaults]:
    obj = _object(value, path)
    result = dict(base.kind_defaults) if base is not None else dict(DEFAULT_KIND_DEFAULTS)
    for key, entry in obj.items():
        where = _child(path, str(key))
        kind = _kind(key, where)
        entry_obj = _object(entry, where)
        _check_fields(entry_obj, where, ("covers", "modes", "downloads"), "kind defaults")
        current = result[kind]
        covers = current.covers
        modes = current.modes
        downloads = current.downloads
        if entry_obj.get("downloads") is not None:
            downloads = _bool(entry_obj["downloads"], _child(where, "downloads"))
        if "covers" in entry_obj:
            covers = frozenset(_list(entry_obj["covers"], _child(where, "covers"), _category))
        if "modes" in entry_obj:
            modes = frozenset(_list(entry_obj["modes"], _child(where, "modes"), _mode))
        result[kind] = KindDefaults(covers, modes, downloads)
    return result


_COMMON_FIELDS = (
    "id",
    "kind",
    "starts",
    "ends",
    "products",
    "covers",
    "modes",
    "grants_downloads",
)
_KIND_FIELDS: Mapping[str, tuple[str, ...]] = {
    "warranty": (),
    "support_period": (),
    "service_warranty": ("request",),
    "contract": (
        "sla",
        "minutes_per_month",
        "used_this_month",
        "rollover",
        "unused_last_month",
        "updates",
        "response_business_minutes",
    ),
    "prepaid_hours": ("balance_minutes",),
    "incident_pack": ("balance_incidents", "requires"),
}


def parse_entitlement(value: Any, path: str, policy: Policy) -> Entitlement:
    """One entitlement; ``covers`` and ``modes`` default to the kind's
    defaults of ``policy`` (DESIGN 3.3)."""
    obj = _object(value, path)
    kind = _kind(_get(obj, "kind", path), _child(path, "kind"))
    _check_fields(obj, path, _COMMON_FIELDS + _KIND_FIELDS[kind], f"a {kind} entitlement")
    starts = _date(_get(obj, "starts", path), _child(path, "starts"))
    ends = _date(_get(obj, "ends", path), _child(path, "ends"))
    if ends < starts:
        raise MalformedInput(_child(path, "ends"), "must not be before starts")
    defaults = policy.kind_defaults[kind]
    products = _get(obj, "products", path, None)
    covers = _get(obj, "covers", path, None)
    modes = _get(obj, "modes", path, None)
    fields: dict[str, Any] = {
        "id": _str(_get(obj, "id", path), _child(path, "id")),
        "kind": kind,
        "starts": starts,
        "ends": ends,
        "products": None
        if products is None
        else frozenset(_list(products, _child(path, "products"), _str)),
        "covers": defaults.covers
        if covers is None
        else frozenset(_list(covers, _child(path, "covers"), _category)),
        "modes": defaults.modes
        if modes is None
        else frozenset(_list(modes, _child(path, "modes"), _mode)),
    }
    for key in ("sla", "rollover", "updates"):
        if key in obj:
            fields[key] = _bool(obj[key], _child(path, key))
    for key in (
        "minutes_per_month",
        "used_this_month",
        "unused_last_month",
        "balance_minutes",
        "balance_incidents",
    ):
        if key in obj:
            fields[key] = _int(obj[key], _child(path, key), 0)
    if obj.get("response_business_minutes") is not None:
        fields["response_business_minutes"] = _int(
            obj["response_business_minutes"], _child(path, "response_business_minutes"), 1
        )
    if obj.get("requires") is not None:
        fields["requires"] = _kind(obj["requires"], _child(path, "requires"))
    if obj.get("request") is not None:
        fields["request"] = _str(obj["request"], _child(path, "request"))
    grants = obj.get("grants_downloads")
    if grants is not None:
        fields["grants_downloads"] = _bool(grants, _child(path, "grants_downloads"))
    else:
        fields["grants_downloads"] = defaults.downloads
    return Entitlement(**fields)


def parse_work(value: Any, path: str = "work") -> Work:
    """One piece of work; instants must carry an offset."""
    obj = _object(value, path)
    _check_fields(
        obj,
        path,
        ("id", "product", "category", "mode", "started_at", "ended_at", "city", "request"),
        "work",
    )
    request_path = _child(path, "request")
    request = _object(_get(obj, "request", path), request_path)
    _check_fields(request, request_path, ("id", "opened_via", "incident_from"), "a request")
    incident_from = _get(request, "incident_from", request_path, None)
    city = _get(obj, "city", path, None)
    return Work(
        id=_str(_get(obj, "id", path), _child(path, "id")),
        product=_str(_get(obj, "product", path), _child(path, "product")),
        category=_category(_get(obj, "category", path), _child(path, "category")),
        mode=_mode(_get(obj, "mode", path), _child(path, "mode")),
        started_at=_instant(_get(obj, "started_at", path), _child(path, "started_at")),
        ended_at=_instant(_get(obj, "ended_at", path), _child(path, "ended_at")),
        city=None if city is None else _str(city, _child(path, "city")),
        request=RequestRef(
            id=_str(_get(request, "id", request_path), _child(request_path, "id")),
            opened_via=_str(
                _get(request, "opened_via", request_path), _child(request_path, "opened_via")
            ),
            incident_from=None
            if incident_from is None
            else _str(incident_from, _child(request_path, "incident_from")),
        ),
    )


def parse_rate_case(value: Any) -> RateCase:
    """``{"policy", "entitlements", "work"}``; entitlement ids must be unique."""
    obj = _object(value, "")
    _check_fields(obj, "", ("policy", "entitlements", "work"), "a rate case")
    policy = parse_policy(_get(obj, "policy", ""))
    raw = _get(obj, "entitlements", "")
    if not isinstance(raw, list):
        raise MalformedInput("entitlements", "must be a list")
    entitlements: list[Entitlement] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        entitlement = parse_entitlement(item, _child("entitlements", index), policy)
        if entitlement.id in seen:
            raise MalformedInput(
                _child(_child("entitlements", index), "id"), f"duplicate id {entitlement.id!r}"
            )
        seen.add(entitlement.id)
        entitlements.append(entitlement)
    return RateCase(policy, tuple(entitlements), parse_work(_get(obj, "work", "")))


# ---------------------------------------------------------------- renewal, claims, due


def parse_renewal_case(value: Any) -> RenewalCase:
    """``{"policy": {currency, grace_months, grace_rate, standard_rate,
    term_months, round_to}, "price", "support_ends", "on"}``."""
    obj = _object(value, "")
    _check_fields(obj, "", ("policy", "price", "support_ends", "on"), "a renewal case")
    path = "policy"
    policy = _object(_get(obj, "policy", ""), path)
    _check_fields(
        policy,
        path,
        ("currency", "grace_months", "grace_rate", "standard_rate", "term_months", "round_to"),
        "a renewal policy",
    )
    defaults = RenewalPolicy()
    renewal = RenewalPolicy(
        grace_months=_int(
            _get(policy, "grace_months", path, defaults.grace_months),
            "policy.grace_months",
            0,
        ),
        grace_rate=_decimal(
            _get(policy, "grace_rate", path, defaults.grace_rate), "policy.grace_rate"
        ),
        standard_rate=_decimal(
            _get(policy, "standard_rate", path, defaults.standard_rate), "policy.standard_rate"
        ),
        term_months=_int(
            _get(policy, "term_months", path, defaults.term_months), "policy.term_months", 1
        ),
        round_to=_decimal(
            _get(policy, "round_to", path, defaults.round_to), "policy.round_to", positive=True
        ),
    )
    return RenewalCase(
        renewal=renewal,
        currency=_currency(_get(policy, "currency", path), "policy.currency"),
        price=_decimal(_get(obj, "price", ""), "price"),
        support_ends=_date(_get(obj, "support_ends", ""), "support_ends"),
        on=_date(_get(obj, "on", ""), "on"),
    )


_CALENDAR_FIELDS = ("timezone", "holidays", "closures", "extra_working_days", "business_hours")


def parse_claim_case(value: Any) -> ClaimCase:
    """``{"policy": {timezone, holidays, closures, business_hours,
    complaint_business_days, service_warranty_days}, "confirmed_at",
    "next_service_at"}``."""
    obj = _object(value, "")
    _check_fields(obj, "", ("policy", "confirmed_at", "next_service_at"), "a claim case")
    policy = _object(_get(obj, "policy", ""), "policy")
    _check_fields(
        policy,
        "policy",
        (
            *_CALENDAR_FIELDS,
            "complaint_business_days",
            "service_warranty_days",
            "auto_confirm_days",
        ),
        "a claim policy",
    )
    defaults = ClaimPolicy()
    claims = ClaimPolicy(
        complaint_business_days=_int(
            _get(policy, "complaint_business_days", "policy"),
            "policy.complaint_business_days",
            0,
        ),
        service_warranty_days=_int(
            _get(policy, "service_warranty_days", "policy"), "policy.service_warranty_days", 0
        ),
        auto_confirm_days=_int(
            _get(policy, "auto_confirm_days", "policy", defaults.auto_confirm_days),
            "policy.auto_confirm_days",
            0,
        ),
    )
    next_service = _get(obj, "next_service_at", "", None)
    return ClaimCase(
        calendar=_calendar_fields(policy, "policy"),
        claims=claims,
        confirmed_at=_instant(_get(obj, "confirmed_at", ""), "confirmed_at"),
        next_service_at=None if next_service is None else _instant(next_service, "next_service_at"),
    )


def parse_due_case(value: Any) -> DueCase:
    """``{"policy": {timezone, holidays, closures, business_hours}, "from",
    "business_minutes"}``."""
    obj = _object(value, "")
    _check_fields(obj, "", ("policy", "from", "business_minutes"), "a due case")
    policy = _object(_get(obj, "policy", ""), "policy")
    _check_fields(policy, "policy", _CALENDAR_FIELDS, "a calendar policy")
    return DueCase(
        calendar=_calendar_fields(policy, "policy"),
        start=_instant(_get(obj, "from", ""), "from"),
        business_minutes=_int(_get(obj, "business_minutes", ""), "business_minutes", 0),
    )


# ---------------------------------------------------------------- results


def _amount(value: Decimal) -> str:
    return format(value, "f")


def error_to_json(error: RulesError) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message}}


def rating_to_json(rating: Rating) -> dict[str, Any]:
    """A rating as the ``rate`` command prints it."""
    return {
        "duration_minutes": rating.duration_minutes,
        "increment_minutes": rating.increment_minutes,
        "counted_minutes": rating.counted_minutes,
        "allocations": [
            {"entitlement": a.entitlement, "kind": a.kind, "minutes": a.minutes}
            for a in rating.allocations
        ],
        "incidents": [{"entitlement": i.entitlement, "count": i.count} for i in rating.incidents],
        "billable_minutes": rating.billable_minutes,
        "amount": _amount(rating.amount),
        "currency": rating.currency,
        "after_hours": rating.after_hours,
        "travel_billed": rating.travel_billed,
        "explanation": list(rating.explanation),
        "passed_over": [
            {"entitlement": p.entitlement, "kind": p.kind, "reason": p.reason, **dict(p.args)}
            for p in rating.passed_over
        ],
    }


def renewal_quote_to_json(quote: RenewalQuote) -> dict[str, Any]:
    """A renewal quote as the ``renewal-quote`` command prints it."""
    return {
        "kind": quote.kind,
        "rate": _amount(quote.rate),
        "list_price": _amount(quote.list_price),
        "price": _amount(quote.price),
        "currency": quote.currency,
        "support_ends": quote.support_ends.isoformat(),
        "grace_ends": quote.grace_ends.isoformat(),
        "new_support_ends": quote.new_support_ends.isoformat(),
        "releases_up_to": quote.releases_up_to.isoformat(),
        "explanation": list(quote.explanation),
    }


def claim_window_to_json(window: ClaimWindow, calendar: BusinessCalendar) -> dict[str, Any]:
    """A claim window as the ``claim-window`` command prints it (local offsets)."""
    return {
        "confirmed_on": window.confirmed_on.isoformat(),
        "complaint_deadline": calendar.local(window.complaint_deadline).isoformat(),
        "deadline_reason": window.deadline_reason,
        "service_warranty_ends": window.service_warranty_ends.isoformat(),
    }


def due_to_json(due: datetime, calendar: BusinessCalendar) -> dict[str, Any]:
    """A first-response deadline as the ``due`` command prints it (local offset)."""
    return {"due": calendar.local(due).isoformat(), "timezone": calendar.timezone}
