"""What every app shares: the audit log and the vendor's policy."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from supportledger.rules.types import CATEGORIES, KINDS, MODES, WEEKDAYS


class AuditEntry(models.Model):
    """One write, by whom, when, to what. Written by every ``do_*`` action."""

    at = models.DateTimeField(help_text="When the write happened (UTC).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who did it; empty for the system (set-up, demo data, jobs).",
    )
    action = models.CharField(max_length=64, help_text="The action's name, e.g. record_work.")
    object_type = models.CharField(max_length=64, help_text="app_label.model of the object.")
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class UncoveredWork(models.TextChoices):
    BILL = "bill", "bill it from the service price list"
    REFUSE = "refuse", "refuse it (not entitled)"


class OutsideBusinessHours(models.TextChoices):
    REFUSE = "refuse", "refuse it (outside business hours)"
    BILL = "bill", "bill it from the service price list, without cover"


def _validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}; use an IANA name, e.g. Europe/Sofia.")


def _validate_business_hours(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Business hours must be an object like {"mon": ["08:00", "16:00"]}.')
    for day, span in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(f"Unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}.")
        try:
            opens, closes = (time.fromisoformat(t) for t in span)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f'{day}: expected ["HH:MM", "HH:MM"], got {span!r}.') from exc
        if not opens < closes:
            raise ValidationError(f"{day}: opening {opens:%H:%M} must be before {closes:%H:%M}.")


def _check_subset(value: object, allowed: tuple[str, ...], what: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"Expected a list of {what}.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValidationError(f"Unknown {what}: {', '.join(unknown)}.")


def validate_modes(value: object) -> None:
    _check_subset(value, MODES, "modes")


def validate_categories(value: object) -> None:
    _check_subset(value, CATEGORIES, "categories")


def validate_kinds(value: object) -> None:
    _check_subset(value, KINDS, "entitlement kinds")


def _validate_kind_defaults(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Expected {"kind": {"covers": [...], "modes": [...]}}.')
    for kind, spec in value.items():
        if kind not in KINDS:
            raise ValidationError(f"Unknown entitlement kind {kind!r}.")
        if not isinstance(spec, dict) or not (
            {"covers", "modes"} <= set(spec) <= {"covers", "modes", "downloads"}
        ):
            raise ValidationError(
                f"{kind}: expected the keys covers and modes, and optionally downloads."
            )
        validate_categories(spec["covers"])
        validate_modes(spec["modes"])
        if spec.get("downloads") not in (None, True, False):
            raise ValidationError(f"{kind}: downloads must be true, false or null.")


def validate_dates(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError("Expected a list of dates, YYYY-MM-DD.")
    for item in value:
        try:
            date.fromisoformat(item)
        except (TypeError, ValueError):
            raise ValidationError(f"{item!r} is not a date, YYYY-MM-DD.") from None


class VendorPolicy(models.Model):
    """The vendor's settings (DESIGN 4): exactly one row, id 1.

    Created from a preset by ``supportledger init --preset NAME`` and edited in
    the admin. The hourly rates are not here: they are the service price list
    (``catalog.ServicePrice``), which has effective dates.
    """

    preset = models.CharField(max_length=40, help_text="The preset this policy started from.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR.")
    timezone = models.CharField(
        max_length=64,
        validators=[_validate_timezone],
        help_text="IANA time zone; all dates of validity and business hours are in it.",
    )
    language = models.CharField(max_length=8, default="en", help_text="Default language code.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code.")
    holidays_country = models.CharField(
        max_length=2, blank=True, help_text="Public holidays of this country are closed days."
    )
    closures = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_dates],
        help_text="Extra days off (closed whatever the weekday), a list of YYYY-MM-DD.",
    )
    extra_working_days = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_dates],
        help_text="Extra working days (open although a weekend or a public holiday, with "
        "Monday's hours; e.g. Hungary's working Saturdays), a list of YYYY-MM-DD. "
        "A date also listed as a closure stays closed.",
    )
    business_hours = models.JSONField(
        default=dict,
        validators=[_validate_business_hours],
        help_text='Local opening hours per weekday, {"mon": ["08:00", "16:00"], ...}; '
        "a missing day is closed.",
    )
    increment_contract_minutes = models.PositiveIntegerField(
        default=60, help_text="Billing increment (minutes) with a valid SLA contract."
    )
    increment_no_contract_minutes = models.PositiveIntegerField(
        default=60, help_text="Billing increment (minutes) without one."
    )
    onsite_minimum_minutes = models.PositiveIntegerField(
        default=0, help_text="On-site work drawn on an hour source counts at least this, minutes."
    )
    service_area = models.JSONField(
        default=list, blank=True, help_text="Cities served on site; empty = no on-site service."
    )
    uncovered_work = models.CharField(
        max_length=8, choices=UncoveredWork.choices, default=UncoveredWork.BILL
    )
    after_hours_multiplier = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        help_text="Factor on the billable amount of work starting outside business hours.",
    )
    business_hours_only_modes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_modes],
        help_text='Modes offered only in business hours, e.g. ["phone"].',
    )
    outside_business_hours = models.CharField(
        max_length=8,
        choices=OutsideBusinessHours.choices,
        default=OutsideBusinessHours.REFUSE,
        help_text="Work in a business-hours-only mode starting outside business hours: "
        "refused, or billed from the price list without any entitlement's cover.",
    )
    kind_defaults = models.JSONField(
        default=dict,
        validators=[_validate_kind_defaults],
        help_text="Per kind the categories it covers and the modes it applies to, "
        '{"warranty": {"covers": [...], "modes": [...], "downloads": true}}; a missing '
        "kind uses DESIGN 3.3. downloads (optional): whether the kind lets its holder "
        "download new versions; absent = a support period and an updates contract do.",
    )
    kinds_sold = models.JSONField(
        default=list, validators=[validate_kinds], help_text="Entitlement kinds this vendor sells."
    )
    channels = models.JSONField(
        default=list, help_text="How customers reach the desk, e.g. phone, email, whatsapp."
    )
    features = models.JSONField(
        default=list,
        blank=True,
        help_text="What customers get: remote_sessions, claims, auto_confirm, onsite_visits.",
    )
    warranty_months = models.PositiveIntegerField(
        default=0, help_text="Default warranty of a product sale, months; 0 = none."
    )
    support_period_months = models.PositiveIntegerField(
        default=0, help_text="Default free support period of a product sale, months; 0 = none."
    )
    renewal_grace_months = models.PositiveIntegerField(default=1, help_text="Months.")
    renewal_grace_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.25"), help_text="Fraction of price."
    )
    renewal_standard_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.45"), help_text="Fraction of price."
    )
    renewal_term_months = models.PositiveIntegerField(default=12, help_text="Months.")
    renewal_round_to = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("1"), help_text="Currency amount."
    )
    complaint_business_days = models.PositiveIntegerField(default=3, help_text="Business days.")
    service_warranty_days = models.PositiveIntegerField(default=14, help_text="Calendar days.")
    auto_confirm_days = models.PositiveIntegerField(default=7, help_text="Calendar days.")

    class Meta:
        verbose_name = "vendor policy"
        verbose_name_plural = "vendor policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="vendorpolicy_single_row"),
            models.CheckConstraint(
                condition=models.Q(after_hours_multiplier__gte=0),
                name="vendorpolicy_multiplier_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(renewal_grace_rate__gte=0, renewal_standard_rate__gte=0),
                name="vendorpolicy_renewal_rates_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Vendor policy ({self.preset}, {self.currency}, {self.timezone})"


class PolicyVersion(models.Model):
    """A token that changes with every write to the vendor policy or the
    service price list: one row, id 1, set by database triggers (migrations
    core 0003 and catalog 0002) on each insert, update and delete of those
    tables, whoever writes (an action, the admin, SQL by hand, another
    process). Each process keeps the policy and the price list in memory and
    compares this token once per request (``core.policy_cache``)."""

    token = models.CharField(
        max_length=32, help_text="Random hex, new on every write; never compared for order."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="policyversion_single_row")
        ]

    def __str__(self) -> str:
        return f"Policy version {self.token}"
