"""The plain values the rules work on.

Everything here is an immutable value: no I/O, no Django, no clock. The apps
build these from their rows (each app's ``convert.py``) and the command line
builds them from JSON (``supportledger.rules.jsonio``).

Units, once for the whole package:
- minutes are ``int`` (whole minutes);
- money is ``Decimal`` next to an ISO 4217 currency code, never ``float``;
- instants are aware ``datetime`` values; dates of validity (``starts``,
  ``ends``) are calendar dates in the policy time zone, both inclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal, get_args

from supportledger.rules.explanation import Step, explain_in_english

Mode = Literal["remote", "onsite", "phone", "email", "chat", "portal", "inhouse"]
"""How work is delivered (DESIGN 3.1)."""

Category = Literal[
    "consultation",
    "defect",
    "installation",
    "configuration",
    "training",
    "update",
    "transfer",
    "backup",
    "recovery",
    "development",
    "legal",
    "hardware",
]
"""What the work is (DESIGN 3.1)."""

EntitlementKind = Literal[
    "warranty",
    "support_period",
    "contract",
    "prepaid_hours",
    "incident_pack",
    "service_warranty",
]
"""Entitlement kinds (DESIGN 3.1)."""

MODES: Final[tuple[Mode, ...]] = get_args(Mode)
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
KINDS: Final[tuple[EntitlementKind, ...]] = get_args(EntitlementKind)


def as_mode(value: str) -> Mode:
    """``value`` as a ``Mode``; ``ValueError`` when it is none."""
    if value not in MODES:
        raise ValueError(f"unknown mode {value!r}")
    return value


def as_category(value: str) -> Category:
    """``value`` as a ``Category``; ``ValueError`` when it is none."""
    if value not in CATEGORIES:
        raise ValueError(f"unknown category {value!r}")
    return value


def as_kind(value: str) -> EntitlementKind:
    """``value`` as an ``EntitlementKind``; ``ValueError`` when it is none."""
    if value not in KINDS:
        raise ValueError(f"unknown entitlement kind {value!r}")
    return value


WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of ``business_hours``; index = ``date.weekday()``."""

UncoveredWork = Literal["bill", "refuse"]
OutsideBusinessHours = Literal["refuse", "bill"]


@dataclass(frozen=True, slots=True)
class KindDefaults:
    """What an entitlement of one kind covers when it does not say.

    ``downloads``: whether an entitlement of the kind lets its holder download
    releases of its products (DESIGN 3.5); ``None`` leaves it to the kind's
    own rule (a support period does, a contract does when ``updates``, the
    other kinds do not).
    """

    covers: frozenset[Category]
    modes: frozenset[Mode]
    downloads: bool | None = None


DEFAULT_KIND_DEFAULTS: Final[Mapping[EntitlementKind, KindDefaults]] = MappingProxyType(
    {
        "warranty": KindDefaults(frozenset({"defect"}), frozenset(MODES)),
        "support_period": KindDefaults(
            frozenset({"consultation", "defect"}), frozenset(MODES) - {"onsite"}
        ),
        "contract": KindDefaults(frozenset(), frozenset(MODES)),
        "prepaid_hours": KindDefaults(frozenset(CATEGORIES), frozenset(MODES)),
        "incident_pack": KindDefaults(frozenset(CATEGORIES), frozenset({"phone"})),
        "service_warranty": KindDefaults(frozenset(CATEGORIES), frozenset(MODES)),
    }
)
"""DESIGN 3.3. For ``prepaid_hours`` and ``incident_pack`` ``covers`` is the
set of categories they may be drawn on (all), not work made free."""


@dataclass(frozen=True, slots=True)
class RenewalPolicy:
    """Support-period renewal (DESIGN 3.4). Rates are fractions of the price."""

    grace_months: int = 1
    grace_rate: Decimal = Decimal("0.25")
    standard_rate: Decimal = Decimal("0.45")
    term_months: int = 12
    round_to: Decimal = Decimal("1")


@dataclass(frozen=True, slots=True)
class ClaimPolicy:
    """Complaints about confirmed work (DESIGN 3.6)."""

    complaint_business_days: int = 3
    service_warranty_days: int = 14
    auto_confirm_days: int = 7


@dataclass(frozen=True)
class Policy:
    """A vendor's settings: everything the rules need to know about the vendor.

    ``business_hours`` maps a ``WEEKDAYS`` key to ``(opens, closes)`` local
    times; a missing day is closed. ``rates`` maps each mode, plus
    ``"travel"``, to an amount in ``currency``: per hour for a mode, per
    billable on-site visit for travel.

    The calendar's exceptions (local dates): ``closures`` are extra days off
    (closed whatever the weekday), ``extra_working_days`` are days open
    although their weekday has no hours or they are a public holiday (a
    Hungarian working Saturday); an extra working day has the hours of the
    first day of the week that has any (Monday in every preset), and a
    closure on the same date wins.

    ``business_hours_only_modes``: the modes the vendor offers only in
    business hours. Work in such a mode starting outside business hours is
    refused (``outside_business_hours == "refuse"``, error
    ``outside_business_hours``) or billed from the price list without any
    entitlement's cover (``"bill"``).
    """

    currency: str
    timezone: str
    business_hours: Mapping[str, tuple[time, time]]
    holidays: str | None = None
    closures: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    business_hours_only_modes: frozenset[str] = frozenset()
    outside_business_hours: OutsideBusinessHours = "refuse"
    increment_contract: int = 60
    increment_no_contract: int = 60
    onsite_minimum_minutes: int = 0
    service_area: tuple[str, ...] = ()
    uncovered_work: UncoveredWork = "bill"
    after_hours_multiplier: Decimal = Decimal("1")
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    # A factory, not a plain default: a mapping proxy is unhashable, which
    # dataclasses refuse as a default value.
    kind_defaults: Mapping[EntitlementKind, KindDefaults] = field(
        default_factory=lambda: DEFAULT_KIND_DEFAULTS
    )
    renewal: RenewalPolicy = RenewalPolicy()
    claims: ClaimPolicy = ClaimPolicy()


@dataclass(frozen=True, slots=True)
class Entitlement:
    """One thing a customer holds, with its balance at the moment of rating.

    ``products`` ``None`` means all products. ``covers`` and ``modes`` are
    already resolved (the kind's default applied where the record was silent).
    Contract fields: ``minutes_per_month`` (included minutes, 0 = none),
    ``used_this_month`` (minutes of the allowance already used in the work's
    calendar month), ``unused_last_month`` (carried over when ``rollover``).
    ``balance_minutes`` for prepaid hours, ``balance_incidents`` for incident
    packs; ``requires`` is a kind that must also be valid that day.
    ``request`` limits the entitlement to the work of one request (a service
    warranty covers the rework of the piece of work complained about, nothing
    else); ``None`` = any request. ``grants_downloads`` says whether it lets
    its holder download releases of its products (DESIGN 3.5), as the terms
    it was sold on say; ``None`` = the kind's rule (``grants_downloads`` of
    ``supportledger.rules.eligibility``).
    """

    id: str
    kind: EntitlementKind
    starts: date
    ends: date
    covers: frozenset[Category]
    modes: frozenset[Mode]
    products: frozenset[str] | None = None
    sla: bool = False
    minutes_per_month: int = 0
    used_this_month: int = 0
    rollover: bool = False
    unused_last_month: int = 0
    updates: bool = False
    response_business_minutes: int | None = None
    balance_minutes: int = 0
    balance_incidents: int = 0
    requires: EntitlementKind | None = None
    request: str | None = None
    grants_downloads: bool | None = None
    drawn_by_later_work: int = 0
    """Minutes of this entitlement's balance already drawn by work dated
    after the work being rated (recorded before it); only explains why a
    drained voucher did not pay (``PassedOver``), never changes a rating."""

    def is_valid_on(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def applies_to(self, product: str) -> bool:
        return self.products is None or product in self.products

    def applies_to_request(self, request: str) -> bool:
        return self.request is None or self.request == request


@dataclass(frozen=True, slots=True)
class RequestRef:
    """The request a piece of work belongs to. ``incident_from`` names the
    incident pack already charged for this request, if any."""

    id: str
    opened_via: str
    incident_from: str | None = None


@dataclass(frozen=True, slots=True)
class Work:
    """One piece of work. ``city`` matters only for on-site work."""

    id: str
    product: str
    category: Category
    mode: Mode
    started_at: datetime
    ended_at: datetime
    request: RequestRef
    city: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Minutes of one piece of work paid by one entitlement (free cover included)."""

    entitlement: str
    kind: EntitlementKind
    minutes: int


@dataclass(frozen=True, slots=True)
class IncidentUse:
    """Incidents to consume now from one pack."""

    entitlement: str
    count: int


PASSED_OVER_REASONS: Final = (
    "expired",
    "not_yet_valid",
    "other_product",
    "other_request",
    "outside_business_hours",
    "mode_not_covered",
    "category_not_covered",
    "requires",
    "no_minutes_left",
    "drained_by_later_work",
    "allowance_used",
    "no_incidents_left",
    "not_needed",
)
"""Why an entitlement the customer holds did not pay for a piece of work:

``expired`` (args: ends) and ``not_yet_valid`` (starts), ISO dates, against
the work's local date; ``other_product`` (product): it is for other
products; ``other_request`` (request): a service warranty for the rework of
another request; ``outside_business_hours`` (mode): the mode is offered only
in business hours and the work starts outside them; ``mode_not_covered``
(mode) and ``category_not_covered`` (category): its terms exclude how or
what the work is (a warranty that excludes on-site work, a contract whose
categories do not include it); ``requires`` (kind): an incident pack that
extends a kind of entitlement the customer does not hold that day;
``no_minutes_left``: a voucher with nothing left; ``drained_by_later_work``
(minutes): a voucher emptied by work dated after this work and recorded
before it; ``allowance_used`` (minutes_per_month): a contract's monthly
allowance is used up; ``no_incidents_left``: an incident pack with no
incident left; ``not_needed``: it could have paid, but the work was already
covered before its turn (DESIGN 3.2's order)."""


@dataclass(frozen=True, slots=True)
class PassedOver:
    """An entitlement the customer holds that paid nothing of a piece of
    work, and why: ``reason`` is one of ``PASSED_OVER_REASONS``, ``args`` its
    plain values (dates ISO, minutes ``int``)."""

    entitlement: str
    kind: EntitlementKind
    reason: str
    args: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rating:
    """What one piece of work costs and why.

    Invariant: ``sum(a.minutes for a in allocations) + billable_minutes ==
    counted_minutes``. ``amount`` is in ``currency``, rounded to its minor unit.
    ``steps`` are the rules applied, in order (``supportledger.rules.explanation``);
    ``explanation`` is their English text, one line per step.
    """

    duration_minutes: int
    increment_minutes: int
    counted_minutes: int
    allocations: tuple[Allocation, ...]
    incidents: tuple[IncidentUse, ...]
    billable_minutes: int
    amount: Decimal
    currency: str
    steps: tuple[Step, ...]
    travel_billed: bool = False
    after_hours: bool = False
    passed_over: tuple[PassedOver, ...] = ()
    """Every other entitlement the rating was given, in the order the
    rules consider them (``ends``, then id), with why it did not pay."""

    @property
    def explanation(self) -> tuple[str, ...]:
        """One English line per step, as the command line prints them."""
        return explain_in_english(self.steps)


@dataclass(frozen=True, slots=True)
class RulesError:
    """A rule said no. ``code`` is a stable snake_case string."""

    code: str
    message: str


LicenceKind = Literal["perpetual", "subscription"]


@dataclass(frozen=True, slots=True)
class Licence:
    """A licence for one product. A ``subscription`` licence is usable up to
    and including ``expires`` (policy time zone); a ``perpetual`` one has no
    ``expires``. ``sold_on`` is the sale date (policy time zone): every
    release out on or before it is the version bought, downloadable by the
    buyer whatever their support."""

    product: str
    kind: LicenceKind = "perpetual"
    expires: date | None = None
    sold_on: date | None = None

    def is_usable_on(self, day: date) -> bool:
        if self.kind == "perpetual":
            return True
        return self.expires is not None and day <= self.expires


@dataclass(frozen=True, slots=True)
class Release:
    """A released version of a product."""

    product: str
    version: str
    released_on: date


@dataclass(frozen=True, slots=True)
class UpdateEligibility:
    """Whether a customer may download a release, and why (DESIGN 3.5).

    ``reason`` is a stable snake_case code: ``covered``, ``bought``,
    ``no_licence``, ``licence_expired``, ``no_update_entitlement`` or
    ``released_after_cover``.
    ``covered_until`` is the last release date the customer's support covers
    (inclusive), ``None`` when nothing covers the product.
    """

    allowed: bool
    reason: str
    message: str
    covered_until: date | None


@dataclass(frozen=True, slots=True)
class RenewalQuote:
    """What renewing a support period costs (DESIGN 3.4).

    ``kind`` is ``grace`` or ``standard``; ``rate`` is the fraction of
    ``list_price`` charged; ``price`` is rounded half up to the policy's
    ``round_to`` step, in ``currency``. Support then runs to
    ``new_support_ends`` (inclusive) and every release up to that date becomes
    available, including those released during a lapse.
    """

    kind: Literal["grace", "standard"]
    rate: Decimal
    list_price: Decimal
    price: Decimal
    currency: str
    support_ends: date
    grace_ends: date
    new_support_ends: date
    explanation: tuple[str, ...]

    @property
    def releases_up_to(self) -> date:
        return self.new_support_ends


@dataclass(frozen=True, slots=True)
class ClaimWindow:
    """How long a customer may complain about confirmed work (DESIGN 3.6).

    ``complaint_deadline`` is an aware instant in the policy time zone (a
    complaint at that instant is still in time); ``deadline_reason`` is
    ``business_days`` or ``next_service``. ``service_warranty_ends`` is the last
    day (inclusive, policy time zone) of the service warranty.
    """

    confirmed_on: date
    complaint_deadline: datetime
    deadline_reason: Literal["business_days", "next_service"]
    service_warranty_ends: date
