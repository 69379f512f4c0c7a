"""E-mail in and out: every inbound message kept raw, every outbound one logged.

An inbound message is stored before anything else happens to it, so mail is
never dropped: it is routed into the desk, or kept in quarantine (or marked
ignored/rejected) with the reason, visible to staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundStatus(models.TextChoices):
    ROUTED = "routed", _("Routed")
    QUARANTINED = "quarantined", _("Quarantined")
    IGNORED_AUTO = "ignored_auto", _("Ignored (automatic mail)")
    REJECTED_UNKNOWN_SENDER = "rejected_unknown_sender", _("Rejected (unknown sender)")


# Staff may route a message that is not yet routed; a routed one stays routed.
INBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    InboundStatus.QUARANTINED: frozenset({InboundStatus.ROUTED}),
    InboundStatus.IGNORED_AUTO: frozenset({InboundStatus.ROUTED}),
    InboundStatus.REJECTED_UNKNOWN_SENDER: frozenset({InboundStatus.ROUTED}),
    InboundStatus.ROUTED: frozenset(),
}


class InboundMessage(models.Model):
    """One message as it arrived (SMTP or IMAP), with what became of it."""

    message_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="The Message-ID without angle brackets; for a message without one, "
        "sha256: and the hash of its raw bytes. A second delivery with the same key "
        "adds nothing.",
    )
    raw = models.BinaryField(help_text="The message exactly as received, bytes.")
    size = models.PositiveIntegerField(help_text="Size of the raw message, bytes.")
    received_at = models.DateTimeField(help_text="UTC.")
    received_via = models.CharField(max_length=8, help_text="smtp, imap or file.")
    envelope_from = models.CharField(max_length=320, blank=True)
    from_address = models.CharField(max_length=320, blank=True, help_text="From: header address.")
    subject = models.CharField(max_length=300, blank=True, help_text="Decoded subject.")
    body_text = models.TextField(blank=True, help_text="Plain body as parsed.")
    body_html = models.TextField(
        blank=True, help_text="HTML body, sanitised with nh3 before it is stored (safe to show)."
    )
    attachment_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=24, choices=InboundStatus.choices)
    reason = models.CharField(
        max_length=64, blank=True, help_text="Stable snake_case code of why it was not routed."
    )
    reason_detail = models.CharField(max_length=500, blank=True)
    auto_generated = models.BooleanField(
        default=False, help_text="Automatic mail (RFC 3834): never answered automatically."
    )
    request = models.ForeignKey(
        "desk.Request",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The request it opened or joined.",
    )
    opened_request = models.BooleanField(default=False, help_text="It opened the request.")
    duplicate_deliveries = models.PositiveIntegerField(
        default=0, help_text="Later deliveries of the same message, each adding nothing."
    )
    routed_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Staff who released it from quarantine; empty when routed automatically.",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.message_key} ({self.status})"


class OutboundKind(models.TextChoices):
    REPLY = "reply", "reply"
    ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
    BALANCE_ALERT = "balance_alert", "balance alert"
    RELEASE = "release", "new release"


class OutboundMail(models.Model):
    """One mail sent. Its ``message_id`` lets a reply find its request."""

    message_id = models.CharField(max_length=255, unique=True, help_text="Without angle brackets.")
    kind = models.CharField(max_length=16, choices=OutboundKind.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=300)
    language = models.CharField(max_length=8)
    request = models.ForeignKey(
        "desk.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    balance_alert = models.ForeignKey(
        "entitlements.BalanceAlert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    desk_message = models.ForeignKey(
        "desk.Message",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff reply this mail carried (replies only).",
    )
    sent_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "contact"],
                condition=models.Q(kind="release"),
                name="outboundmail_release_once_per_contact",
            ),
            models.UniqueConstraint(
                fields=["desk_message"],
                condition=models.Q(kind="reply"),
                name="outboundmail_reply_once_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}: {self.subject}"
