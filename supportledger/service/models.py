"""Service delivery: on-site appointments, remote sessions under the
customer's consent, confirmation of work, claims and the travel they bill.

Every lifecycle is a ``TextChoices`` state plus one allowed-transitions map;
``service.actions`` is the only writer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy


class Consent(models.Model):
    """A contact's recorded consent to the terms and the service price list
    (seed S4). A remote session uses up one consent: a new session needs a new
    consent."""

    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, related_name="consents"
    )
    request = models.ForeignKey("desk.Request", on_delete=models.PROTECT, related_name="consents")
    terms_version = models.CharField(max_length=40, help_text="Version of the terms agreed to.")
    price_list_version = models.CharField(
        max_length=40,
        help_text="Version of the service price list agreed to: its first day, YYYY-MM-DD.",
    )
    price_list = models.ForeignKey(
        "catalog.ServicePrice", on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(help_text="When the contact consented (UTC).")
    ip_address = models.GenericIPAddressField(help_text="Address the consent came from.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who recorded it: the contact's own login, or the agent on the phone.",
    )

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"Consent #{self.pk} of {self.contact} ({self.given_at:%Y-%m-%d %H:%M})"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("visit status", "booked")
    CANCELLED = "cancelled", pgettext_lazy("visit status", "cancelled")


APPOINTMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset({AppointmentStatus.CANCELLED}),
    AppointmentStatus.CANCELLED: frozenset(),
}


class Appointment(models.Model):
    """An on-site visit booked for a request: a day and an hour, one agent."""

    request = models.ForeignKey(
        "desk.Request", on_delete=models.PROTECT, related_name="appointments"
    )
    agent = models.ForeignKey(
        "customers.StaffMember", on_delete=models.PROTECT, related_name="appointments"
    )
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="The contact's consent to the price list the visit is billed from.",
    )
    starts_at = models.DateTimeField(help_text="UTC.")
    ends_at = models.DateTimeField(help_text="UTC.")
    city = models.CharField(max_length=100, help_text="Must be in the policy's service area.")
    address = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="iCalendar SEQUENCE: raised on every reschedule and the cancel."
    )
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="UTC; empty until the reminder went out."
    )
    created_at = models.DateTimeField(help_text="UTC.")
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["agent", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Visit {self.starts_at:%Y-%m-%d %H:%M} {self.city} ({self.status})"

    @property
    def uid(self) -> str:
        """The iCalendar UID, stable across reschedules."""
        return f"appointment-{self.pk}@supportledger"


class RemoteTool(models.TextChoices):
    TEAMVIEWER = "teamviewer", "TeamViewer"
    ANYDESK = "anydesk", "AnyDesk"


class SessionStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("remote session status", "waiting for the consultant")
    CONNECTED = "connected", pgettext_lazy("remote session status", "connected")
    ENDED = "ended", pgettext_lazy("remote session status", "ended")


SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.WAITING: frozenset({SessionStatus.CONNECTED, SessionStatus.ENDED}),
    SessionStatus.CONNECTED: frozenset({SessionStatus.ENDED}),
    SessionStatus.ENDED: frozenset(),
}


class RemoteSession(models.Model):
    """A remote-help session (seed S4). Its single-use code is stored hashed;
    once the code has been used, has expired or the session has ended, the
    consultant cannot connect again without a new consent."""

    consent = models.OneToOneField(
        Consent,
        on_delete=models.PROTECT,
        related_name="session",
        help_text="One consent, one session.",
    )
    agent = models.ForeignKey(
        "customers.StaffMember", on_delete=models.PROTECT, related_name="remote_sessions"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.WAITING
    )
    code_hash = models.CharField(max_length=128, help_text="Hash of the single-use code.")
    code_expires_at = models.DateTimeField(help_text="UTC; the code is refused from then on.")
    code_used_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    failed_attempts = models.PositiveIntegerField(
        default=0, help_text="Wrong codes tried; the code dies after a few."
    )
    tool = models.CharField(max_length=12, choices=RemoteTool.choices, blank=True)
    tool_session_id = models.CharField(
        max_length=64, blank=True, help_text="The tool's own session id."
    )
    started_at = models.DateTimeField(help_text="When the code was issued (UTC).")
    connected_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Remote session #{self.pk} ({self.status})"


class WorkConfirmation(models.Model):
    """The customer's confirmation of a piece of work, or the automatic one
    after ``auto_confirm_days``. The claim window counts from ``confirmed_at``."""

    work = models.OneToOneField(
        "desk.WorkEntry", on_delete=models.PROTECT, related_name="confirmation"
    )
    confirmed_at = models.DateTimeField(help_text="UTC.")
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who confirmed; empty when recorded by staff or automatic.",
    )
    automatic = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        how = "automatically" if self.automatic else "by the customer"
        return f"{self.work.work_id} confirmed {how} {self.confirmed_at:%Y-%m-%d}"


class ClaimStatus(models.TextChoices):
    FILED = "filed", pgettext_lazy("claim status", "filed")
    ACCEPTED = "accepted", pgettext_lazy("claim status", "accepted")
    REJECTED = "rejected", pgettext_lazy("claim status", "rejected")


CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.FILED: frozenset({ClaimStatus.ACCEPTED, ClaimStatus.REJECTED}),
    ClaimStatus.ACCEPTED: frozenset(),
    ClaimStatus.REJECTED: frozenset(),
}


class Claim(models.Model):
    """A complaint about confirmed work (DESIGN 3.6)."""

    work = models.ForeignKey("desk.WorkEntry", on_delete=models.PROTECT, related_name="claims")
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    filed_at = models.DateTimeField(help_text="UTC.")
    deadline = models.DateTimeField(help_text="The complaint deadline it met (UTC).")
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.FILED)
    decided_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    visited_on_site = models.BooleanField(
        default=False, help_text="A technician travelled to check the claim."
    )
    service_warranty = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The free rework granted when accepted.",
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            # One claim per piece of work, so at most one decision and one
            # travel charge (TravelCharge is one per claim).
            models.UniqueConstraint(fields=["work"], name="claim_once_per_work"),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk} on {self.work.work_id} ({self.status})"


class TravelCharge(models.Model):
    """Travel billed for a claim rejected after an on-site visit: at most one
    per claim. The billing run picks up rows with ``billed_at`` empty."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="travel_charge")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="travel_charges"
    )
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="rate.travel of the price list in force."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")
    price_list = models.ForeignKey(
        "catalog.ServicePrice", on_delete=models.PROTECT, related_name="+"
    )
    charged_on = models.DateField(help_text="Date of the rejection (policy time zone).")
    created_at = models.DateTimeField(help_text="UTC.")
    billed_at = models.DateTimeField(
        null=True, blank=True, help_text="UTC; set by the billing run that invoiced it."
    )

    class Meta:
        ordering = ["-charged_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="travelcharge_not_negative")
        ]

    def __str__(self) -> str:
        return f"Travel {self.amount} {self.currency} for claim #{self.claim_id}"


class ConsentTerms(models.Model):
    """The terms a customer consents to before a remote session, in one
    language, one version each. A change is a new version; each consent
    records the version it agreed to (``Consent.terms_version``:
    ``<language>-<version>``)."""

    language = models.CharField(max_length=8, help_text="Language code, e.g. pl.")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="The terms as shown to the customer.")
    created_at = models.DateTimeField(help_text="UTC.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["language", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["language", "version"], name="consentterms_once"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What a consent records: ``<language>-<version>``."""
        return f"{self.language}-{self.version}"
