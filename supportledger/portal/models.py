"""What the portal keeps of its own: ideas and votes, second factors, throttling.

Everything a customer holds lives in the other apps; the portal only reads it
(``queries``) and changes it through their actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IdeaStatus(models.TextChoices):
    UNDER_REVIEW = "under_review", _("under review")
    PLANNED = "planned", _("planned")
    SHIPPED = "shipped", _("shipped")
    DECLINED = "declined", _("declined")


# The one map of allowed idea status changes (staff make them).
IDEA_TRANSITIONS: dict[str, frozenset[str]] = {
    IdeaStatus.UNDER_REVIEW: frozenset({IdeaStatus.PLANNED, IdeaStatus.DECLINED}),
    IdeaStatus.PLANNED: frozenset(
        {IdeaStatus.SHIPPED, IdeaStatus.DECLINED, IdeaStatus.UNDER_REVIEW}
    ),
    IdeaStatus.SHIPPED: frozenset(),
    IdeaStatus.DECLINED: frozenset({IdeaStatus.UNDER_REVIEW}),
}


class Idea(models.Model):
    """A customer's proposal for the product (seed S3: ideas useful to many
    go into the next update for everyone with support)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="ideas"
    )
    author = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.UNDER_REVIEW
    )
    shipped_in = models.ForeignKey(
        "catalog.Release",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The release it shipped in (status shipped).",
    )
    created_at = models.DateTimeField(help_text="UTC.")
    status_changed_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="shipped", shipped_in__isnull=False)
                | (~Q(status="shipped") & Q(shipped_in__isnull=True)),
                name="idea_shipped_names_release",
            )
        ]

    def __str__(self) -> str:
        return f"IDEA-{self.pk} {self.title}"


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["idea", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "contact"], name="ideavote_once_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} votes for {self.idea_id}"


class SecondFactor(models.Model):
    """A portal user's time-based one-time-password key (RFC 6238).

    ``confirmed_at`` empty = enrolment started, not yet in force.
    ``last_step`` is the last 30-second step accepted, so a code is used once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    secret = models.CharField(max_length=64, help_text="Base32 key shared with the app.")
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    last_step = models.BigIntegerField(default=0, help_text="Unix time // 30 of the last code.")

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
        ordering = ["-at"]
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.at:%Y-%m-%d %H:%M}"
