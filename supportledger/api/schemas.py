"""Output and input shapes. Inputs name every field they accept (no mass
assignment); references to other objects are ids named after the object."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, field_validator

from supportledger.core import clock
from supportledger.core.input import (
    FUTURE_WORK_TOLERANCE,
    date_in_range,
    range_message,
    strip_control_characters,
)
from supportledger.customers.holds import describe_hold_reason
from supportledger.rules.types import Category, Mode


def example(values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"example": values})


def _in_range(value: Any) -> Any:
    if not date_in_range(value):
        raise ValueError(range_message())
    return value


# Input dates and instants: a year 1 or 9999 is refused with 422 naming the field.
InDate = Annotated[date, AfterValidator(_in_range)]
InDateTime = Annotated[datetime, AfterValidator(_in_range)]


class InSchema(Schema):
    """An input: control characters (NUL ...) are removed from every text field."""

    @field_validator("*", mode="before")
    @classmethod
    def _strip_control_characters(cls, value: Any) -> Any:
        return strip_control_characters(value) if isinstance(value, str) else value


# --- customers -----------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    organisation: str
    street: str
    postcode: str
    city: str
    country: str
    customer_type: str
    registration_number: str
    language: str
    currency: str
    vat_id: str
    on_hold: bool
    on_hold_reason: str = Field(description="Why the customer is on hold, in English.")
    created_at: datetime

    @staticmethod
    def resolve_on_hold_reason(customer: Any) -> str:
        return describe_hold_reason(customer, "en") if customer.on_hold else ""


class CustomerIn(InSchema):
    model_config = example(
        {
            "organisation": "Alfa Ltd",
            "street": "1 Vitosha Blvd",
            "postcode": "1000",
            "city": "Sofia",
            "country": "BG",
            "customer_type": "business",
            "registration_number": "204612908",
            "vat_id": "BG204612908",
            "language": "bg",
            "currency": "EUR",
        }
    )
    organisation: str = Field(min_length=1, max_length=200)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=16)
    city: str = Field(min_length=1, max_length=100)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    customer_type: Literal["business", "consumer"] = "business"
    registration_number: str = Field("", max_length=32)
    language: str = Field(min_length=2, max_length=8)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    vat_id: str = Field("", max_length=32, description="Checked (python-stdnum) for the country.")


class CustomerBillingIn(InSchema):
    """What a customer is invoiced as; only the fields sent change."""

    model_config = example({"street": "2 Rakovski St", "postcode": "1000"})
    organisation: str | None = Field(None, min_length=1, max_length=200)
    street: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=16)
    city: str | None = Field(None, min_length=1, max_length=100)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    customer_type: Literal["business", "consumer"] | None = None
    registration_number: str | None = Field(None, max_length=32)
    vat_id: str | None = Field(None, max_length=32)


class ContactOut(Schema):
    id: int
    customer: int = Field(validation_alias="customer_id")
    name: str
    email: str
    language: str


class ContactIn(InSchema):
    model_config = example({"name": "Ana Petrova", "email": "ana@alfa.example"})
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    language: str | None = Field(None, min_length=2, max_length=8)


# --- catalog -------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    code: str
    name: str
    licence_model: str
    support_period_months: int
    warranty_months: int


class ProductPriceOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    effective_from: date
    amount: Decimal
    currency: str


class ServicePriceOut(Schema):
    id: int
    effective_from: date
    currency: str
    remote: Decimal
    onsite: Decimal
    phone: Decimal
    email: Decimal
    chat: Decimal
    portal: Decimal
    inhouse: Decimal
    travel: Decimal


class ReleaseOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    version: str
    released_on: date
    kind: str
    notes: str


# --- licences and entitlements -----------------------------------------------


class LicenceOut(Schema):
    id: int
    reference: str
    customer: int = Field(validation_alias="customer_id")
    product: int = Field(validation_alias="product_id")
    sold_on: date
    seats: int
    licence_model: str
    expires: date | None
    created_at: datetime


class LicenceIn(InSchema):
    model_config = example({"customer": 1, "product": 1, "sold_on": "2026-01-15", "seats": 1})
    customer: int = Field(ge=1)
    product: int = Field(ge=1)
    sold_on: InDate
    seats: int = Field(1, ge=1, le=10000)
    licence_model: str | None = Field(None, pattern=r"^(perpetual|monthly|yearly)$")
    expires: InDate | None = None


class ActivationOut(Schema):
    id: int
    licence: int = Field(validation_alias="licence_id")
    workstation: str
    activated_at: datetime
    deactivated_at: datetime | None


class WorkstationIn(InSchema):
    model_config = example({"workstation": "ACCOUNTS-PC-2"})
    workstation: str = Field(min_length=1, max_length=100)


class EntitlementOut(Schema):
    id: int
    reference: str
    customer: int = Field(validation_alias="customer_id")
    kind: str
    starts: date
    ends: date
    licence: int | None = Field(validation_alias="licence_id")
    covers: list[str] | None
    modes: list[str] | None
    requires: str
    sla: bool
    minutes_per_month: int
    rollover: bool
    updates: bool
    response_business_minutes: int | None
    fee: Decimal | None
    currency: str
    billing_period: str
    minutes_granted: int
    incidents_granted: int
    balance_minutes: int = Field(description="Prepaid minutes left (sum of the ledger).")
    balance_incidents: int = Field(description="Incidents left (sum of the ledger).")
    terms: dict[str, Any] = Field(
        description="The terms of the offer version it was sold on (offer, version...); "
        "empty for what was granted on custom terms."
    )
    created_at: datetime


class OfferSaleIn(Schema):
    model_config = example({"customer": 1, "offer": "voucher", "size": 600})
    customer: int = Field(ge=1)
    offer: str = Field(max_length=40, description="The offer's code (GET /offers).")
    size: int | None = Field(
        None, ge=0, description="Minutes of prepaid hours or incidents of a pack: a size sold."
    )
    starts: date | None = Field(None, description="Default: today (policy time zone).")
    products: list[int] = Field(default_factory=list, description="Product ids; none = all.")


class OfferKindSaleIn(InSchema):
    """A sale of one of the vendor's offers of a kind, on exactly its terms.

    The terms fields are optional and may only repeat the offer's: a value
    that differs is refused with 422 ``terms_not_offered`` naming the field."""

    customer: int = Field(ge=1)
    offer: str | None = Field(
        None, max_length=40, description="Offer code; default: the vendor's offer of the kind."
    )
    starts: InDate | None = Field(None, description="Default: today (policy time zone).")
    ends: InDate | None = Field(
        None, description="Only the offer's own end for this start (its term)."
    )
    products: list[int] = Field(
        default_factory=list, description="Product ids; none = all (or the offer's products)."
    )
    fee: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description="Only the offer's price today."
    )
    currency: str | None = Field(
        None, pattern=r"^([A-Za-z]{3})?$", description="Only the customer's currency."
    )


class VoucherIn(OfferKindSaleIn):
    model_config = example({"customer": 1, "minutes": 600, "starts": "2026-01-01"})
    minutes: int = Field(ge=1, le=1_000_000, description="A size the offer sells, in minutes.")


class ContractIn(OfferKindSaleIn):
    model_config = example({"customer": 1, "offer": "subscription", "starts": "2026-01-01"})
    sla: bool | None = None
    minutes_per_month: int | None = Field(None, ge=0, le=44640)
    rollover: bool | None = None
    updates: bool | None = None
    response_business_minutes: int | None = Field(None, ge=1, le=100000)
    billing_period: str | None = Field(None, pattern=r"^(once|month|quarter|year)$")


class IncidentPackIn(OfferKindSaleIn):
    model_config = example({"customer": 1, "incidents": 4, "starts": "2026-01-01"})
    incidents: int = Field(ge=1, le=1000, description="A size the offer sells.")
    requires: str | None = Field(
        None,
        pattern=r"^(|warranty|support_period|contract|prepaid_hours|"
        r"incident_pack|service_warranty)$",
    )


class RenewalQuoteOut(Schema):
    licence: int
    entitlement: int = Field(description="The support period being renewed.")
    on: date
    kind: str = Field(description="grace or standard.")
    rate: Decimal = Field(description="Fraction of the list price charged.")
    list_price: Decimal = Field(description="The product's price on the renewal date.")
    price: Decimal = Field(description="What renewing costs, rounded half up per the policy.")
    currency: str
    support_ends: date
    grace_ends: date
    new_support_ends: date = Field(description="Inclusive; releases up to it become available.")
    explanation: list[str]


# --- desk ---------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    reference: str
    customer: int = Field(validation_alias="customer_id")
    contact: int | None = Field(validation_alias="contact_id")
    product: int | None = Field(validation_alias="product_id")
    category: str
    opened_via: str
    subject: str
    created_at: datetime


CATEGORY_PATTERN = (
    r"^(consultation|defect|installation|configuration|training|update|transfer|backup|"
    r"recovery|development|legal|hardware)$"
)
MODE_PATTERN = r"^(remote|onsite|phone|email|chat|portal|inhouse)$"


class RequestIn(InSchema):
    model_config = example(
        {
            "customer": 1,
            "subject": "Cannot print invoices",
            "category": "defect",
            "opened_via": "portal",
        }
    )
    customer: int = Field(ge=1)
    subject: str = Field(min_length=1, max_length=200)
    category: str = Field(pattern=CATEGORY_PATTERN)
    opened_via: str = Field(pattern=MODE_PATTERN)
    contact: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1)


class StepOut(Schema):
    code: str = Field(
        description="Which rule applied: one of supportledger.rules.explanation.STEP_CODES."
    )
    args: dict[str, str | int] = Field(
        description="The values that rule used: minutes as integers; references, ISO dates, "
        "HH:MM times (policy time zone) and decimal amounts as strings."
    )


class PassedOverOut(Schema):
    entitlement: str = Field(description="The reference of an entitlement held that paid nothing.")
    kind: str = Field(description="Its kind.")
    reason: str = Field(
        description="Why it did not pay: one of supportledger.rules.types.PASSED_OVER_REASONS."
    )
    args: dict[str, str | int] = Field(
        description="The values of the reason: ISO dates and references as strings, minutes "
        "as integers."
    )


class RatingOut(Schema):
    id: int
    current: bool
    duration_minutes: int
    increment_minutes: int
    counted_minutes: int
    billable_minutes: int
    amount: Decimal
    currency: str
    travel_billed: bool
    after_hours: bool
    allocations: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    explanation: list[str] = Field(description="One English line per step.")
    steps: list[StepOut] = Field(
        description="The explanation as structured steps, to render in any language; empty "
        "on ratings made before steps were kept."
    )
    passed_over: list[PassedOverOut] = Field(
        description="Every entitlement the customer held that paid nothing of this work, and why."
    )
    created_at: datetime


class WorkEntryOut(Schema):
    id: int
    work_id: str
    request: int = Field(validation_alias="request_id")
    customer: int
    agent: int = Field(validation_alias="agent_id")
    started_at: datetime
    ended_at: datetime
    mode: str
    category: str
    product: int = Field(validation_alias="product_id")
    licence: int | None = Field(validation_alias="licence_id")
    city: str
    created_at: datetime
    ratings: list[RatingOut]


class WorkIn(InSchema):
    model_config = example(
        {
            "work_id": "shop-2026-0001",
            "request": 1,
            "started_at": "2026-03-02T09:00:00Z",
            "ended_at": "2026-03-02T09:40:00Z",
            "mode": "remote",
            "category": "configuration",
            "product": 1,
        }
    )
    work_id: str = Field(min_length=1, max_length=64)
    request: int = Field(ge=1)
    agent: int | None = Field(None, ge=1, description="Staff member; default: the token's user.")
    started_at: InDateTime
    ended_at: InDateTime
    mode: str = Field(pattern=MODE_PATTERN)
    category: str = Field(pattern=CATEGORY_PATTERN)
    product: int = Field(ge=1)
    licence: int | None = Field(None, ge=1)
    city: str = Field("", max_length=100)

    @field_validator("ended_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime) -> datetime:
        # Work is recorded once done: a clock a few minutes fast is fine.
        if value > clock.now() + FUTURE_WORK_TOLERANCE:
            raise ValueError("must not be in the future")
        return value


class RatingPreviewIn(InSchema):
    model_config = example(
        {
            "customer": 1,
            "started_at": "2026-03-02T09:00:00Z",
            "ended_at": "2026-03-02T09:40:00Z",
            "mode": "remote",
            "category": "configuration",
            "product": 1,
        }
    )
    customer: int = Field(ge=1)
    request: int | None = Field(None, ge=1, description="Rate as part of this request.")
    started_at: InDateTime
    ended_at: InDateTime
    mode: str = Field(pattern=MODE_PATTERN)
    category: str = Field(pattern=CATEGORY_PATTERN)
    product: int = Field(ge=1)
    city: str = Field("", max_length=100)


class RatingPreviewOut(Schema):
    duration_minutes: int
    increment_minutes: int
    counted_minutes: int
    billable_minutes: int
    amount: Decimal
    currency: str
    travel_billed: bool
    after_hours: bool
    allocations: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    explanation: list[str] = Field(description="One English line per step.")
    steps: list[StepOut] = Field(description="The explanation as structured steps.")
    passed_over: list[PassedOverOut] = Field(
        description="Every entitlement the customer holds that would pay nothing, and why."
    )


# --- the request thread --------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    request: int = Field(validation_alias="request_id")
    internal: bool
    author_contact: int | None = Field(validation_alias="author_contact_id")
    author_user: int | None = Field(validation_alias="author_user_id")
    body_text: str
    attachments: list[AttachmentOut]
    created_at: datetime

    @staticmethod
    def resolve_attachments(message: Any) -> list[Any]:
        return list(message.attachments.all())


class MessageIn(InSchema):
    model_config = example({"body_text": "The printer driver is updated; please try again."})
    body_text: str = Field(min_length=1, max_length=50_000)
    internal: bool = Field(
        False, description="An internal note, never shown to the customer (staff only)."
    )


# --- orders and invoices ------------------------------------------------------

ORDER_KIND_PATTERN = r"^(voucher|incident_pack|renewal|contract)$"


class OrderOut(Schema):
    id: int
    reference: str
    customer: int = Field(validation_alias="customer_id")
    kind: str
    status: str
    offer: int | None = Field(validation_alias="offer_id")
    product: int | None = Field(validation_alias="product_id")
    licence: int | None = Field(validation_alias="licence_id")
    entitlement: int | None = Field(validation_alias="entitlement_id")
    quantity: int
    ordered_on: date
    amount: Decimal
    currency: str
    explanation: list[str]
    terms: dict[str, Any]
    granted: int | None = Field(validation_alias="granted_id")
    created_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None


class OfferPriceOut(Schema):
    size: int = Field(description="Minutes of prepaid hours, incidents of a pack; 0 = no sizes.")
    currency: str
    amount: Decimal = Field(description="One sale (billing once) or one fee period.")
    effective_from: date


class OfferOut(Schema):
    code: str
    version: int
    kind: str
    names: dict[str, str]
    sizes: list[int]
    term_months: int | None
    calendar_year: bool
    minutes_per_month: int
    rollover: bool
    sla: bool
    response_business_minutes: int | None
    covers: list[str] | None
    modes: list[str] | None
    requires: str
    updates: bool
    billing: str
    renewable: bool
    sold: bool
    prices: list[OfferPriceOut] = Field(description="The prices in force today.")


class OrderIn(InSchema):
    model_config = example({"customer": 1, "kind": "voucher", "quantity": 10})
    customer: int = Field(ge=1)
    kind: str = Field(
        pattern=ORDER_KIND_PATTERN,
        description="voucher (quantity = hours), incident_pack (quantity = incidents), "
        "renewal (of entitlement, a support period) or contract (a year for product).",
    )
    product: int | None = Field(None, ge=1)
    licence: int | None = Field(None, ge=1)
    entitlement: int | None = Field(None, ge=1)
    quantity: int = Field(
        1,
        ge=1,
        le=10_000,
        description="Hours of a voucher or incidents of a pack: one of the offer's sizes.",
    )
    offer: str | None = Field(
        None,
        max_length=40,
        description="Code of the offer sold (GET /offers); default: the vendor's offer of "
        "the kind.",
    )


class InvoiceOut(Schema):
    id: int
    customer: int = Field(validation_alias="customer_id")
    kind: str
    status: str
    number: str | None
    credits: int | None = Field(validation_alias="credits_id")
    period_start: date | None
    period_end: date | None
    language: str
    currency: str
    net_amount: Decimal
    vat_rate: Decimal = Field(description="Percent.")
    vat_amount: Decimal
    total_amount: Decimal
    vat_note: str
    vat_legal_basis: str
    vat_breakdown: list[dict[str, Any]] = Field(
        description="Per VAT category (EN 16931: S, AE, O) and rate: net and VAT."
    )
    billing_period: str = Field(description="The month the billing run billed, e.g. 2026-11.")
    reason: str = Field(description="Credit note: why the invoice is corrected.")
    issued_on: date | None
    due_on: date | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime


class InvoiceLineOut(Schema):
    position: int
    kind: str
    description: str
    supplied_from: date | None
    supplied_on: date | None = Field(description="Date of supply (policy time zone).")
    vat_category: str
    vat_rate: Decimal
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    order: int | None = Field(validation_alias="order_id")
    work_entry: int | None = Field(validation_alias="work_id")


class InvoiceDetailOut(InvoiceOut):
    bill_to: dict[str, Any]
    vendor: dict[str, Any]
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(invoice: Any) -> list[Any]:
        return sorted(invoice.lines.all(), key=lambda line: line.position)


# --- what a customer may get ---------------------------------------------------


class EligibilityQuery(Schema):
    product: int = Field(ge=1, description="The product the work would be on.")
    category: Category = Field("consultation", description="The kind of work.")
    mode: Mode | None = Field(None, description="One mode; default: every mode.")
    at: InDateTime | None = Field(
        None, description="When the work would start; default: now. Without a zone: the vendor's."
    )


class ModeEligibilityOut(Schema):
    mode: str
    allowed: bool
    code: str = Field(
        description="Why not: not_offered (the vendor's policy), or the rules' code "
        "(not_entitled, outside_business_hours, outside_service_area...); empty when allowed."
    )
    message: str
    counted_minutes: int = Field(description="The first increment such work counts.")
    amount: Decimal = Field(description="Its price; 0 when an entitlement covers it.")
    currency: str
    covered_by: list[str] = Field(description="References of the entitlements that pay.")


class EligibilityOut(Schema):
    customer: int
    product: int
    category: str
    at: datetime
    modes: list[ModeEligibilityOut]
