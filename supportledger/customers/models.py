"""Who the vendor serves and who serves them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy


class CustomerType(models.TextChoices):
    BUSINESS = "business", pgettext_lazy("customer type", "business")
    CONSUMER = "consumer", pgettext_lazy("customer type", "consumer")


class Customer(models.Model):
    organisation = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True, help_text="Street and number.")
    postcode = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=100, help_text="Where on-site work happens.")
    country = models.CharField(max_length=2, help_text="ISO 3166 code.")
    customer_type = models.CharField(
        max_length=8,
        choices=CustomerType.choices,
        default=CustomerType.BUSINESS,
        help_text="Business (a taxable person) or consumer: decides the VAT.",
    )
    registration_number = models.CharField(
        max_length=32, blank=True, help_text="Company register number (ЕИК, KRS, ОГРН, …)."
    )
    language = models.CharField(max_length=8, help_text="Language code for mail and portal.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code invoices are in.")
    vat_id = models.CharField(max_length=32, blank=True, verbose_name="VAT id")
    on_hold = models.BooleanField(default=False, help_text="No new work while on hold.")
    on_hold_reason = models.CharField(
        max_length=200, blank=True, help_text="Why staff put the customer on hold, as typed."
    )
    on_hold_invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The overdue invoice billing put the customer on hold for.",
    )
    billing_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who receives the invoices by mail; empty: the customer's first contact "
        "with a proven address.",
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["organisation"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hold=False)
                | ~Q(on_hold_reason="")
                | Q(on_hold_invoice__isnull=False),
                name="customer_on_hold_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.organisation


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    language = models.CharField(max_length=8, help_text="Language code.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        help_text="Portal login, once the contact has one.",
    )
    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="UTC; when the contact followed the link mailed to this address. Empty "
        "until then: mail from the address is quarantined, not routed.",
    )

    class Meta:
        ordering = ["customer", "name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class StaffRole(models.TextChoices):
    AGENT = "agent", "agent"
    MANAGER = "manager", "manager"
    ADMINISTRATOR = "administrator", "administrator"


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices, default=StaffRole.AGENT)
    products = models.ManyToManyField(
        "catalog.Product",
        blank=True,
        related_name="authorised_staff",
        help_text="Products this person is an authorised specialist for.",
    )

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.role})"


# Second factors and login throttling, shared by the portal's and the
# console's logins. Their tables were created by the portal and keep its
# app label, so no table moves and audit rows keep naming them as before.


class SecondFactor(models.Model):
    """A user's time-based one-time-password key (RFC 6238): a portal
    contact's, or a staff member's for the console and the admin.

    ``confirmed_at`` empty = enrolment started, not yet in force.
    ``last_step`` is the last 30-second step accepted, so a code is used once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    secret = models.CharField(max_length=64, help_text="Base32 key shared with the app.")
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    last_step = models.BigIntegerField(default=0, help_text="Unix time // 30 of the last code.")

    class Meta:
        app_label = "portal"  # its table and migrations stay the portal's

    def __str__(self) -> str:
        state = "on" if self.confirmed_at else "pending"
        return f"second factor of {self.user_id} ({state})"


class ThrottleScope(models.TextChoices):
    LOGIN_ACCOUNT = "login_account", "failed login, per account"
    LOGIN_IP = "login_ip", "failed login, per address"
    RESET_ACCOUNT = "reset_account", "password reset, per account"
    RESET_IP = "reset_ip", "password reset, per address"
    OTP_ACCOUNT = "otp_account", "wrong one-time code, per account"


class ThrottleEvent(models.Model):
    """One counted attempt. ``key`` is a SHA-256 of the e-mail or address, so
    the table names nobody; rows older than the longest window are pruned."""

    scope = models.CharField(max_length=16, choices=ThrottleScope.choices)
    key = models.CharField(max_length=64, help_text="SHA-256 hex of the account or address.")
    at = models.DateTimeField(help_text="UTC.")

    class Meta:
        app_label = "portal"  # its table and migrations stay the portal's
        ordering = ["-at"]
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.at:%Y-%m-%d %H:%M}"
