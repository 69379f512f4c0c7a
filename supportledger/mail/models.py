"""E-mail in and out: every inbound message kept raw, every outbound one logged.

These are the tables of the ``intake`` app (``app_label = "intake"``: their
tables, migrations and audit names are the intake's, ``intake/migrations``),
defined here, below the apps that queue mail, so that any of them may write
to the outbox or read a request's mail thread without importing the intake.
The ``mail`` app is installed, so Django imports them when it loads.

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
    authentication = models.CharField(
        max_length=200,
        blank=True,
        help_text="What proved (or disproved) the sender: aligned DKIM results verified here "
        "and our receiving server's Authentication-Results (ar:...); 'none' when nothing did.",
    )
    reused_message_id = models.BooleanField(
        default=False,
        help_text="Its Message-ID was already stored on a message with another body; "
        "kept as a new message under the hash of id and body.",
    )
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
        app_label = "intake"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.message_key} ({self.status})"


class OutboundKind(models.TextChoices):
    REPLY = "reply", "reply"
    ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
    BALANCE_ALERT = "balance_alert", "balance alert"
    RELEASE = "release", "new release"
    APPOINTMENT = "appointment", "on-site visit"
    PASSWORD_RESET = "password_reset", "password reset"
    ON_HOLD = "on_hold", "account on hold"
    RENEWAL_REMINDER = "renewal_reminder", "renewal reminder"
    IDEA_SHIPPED = "idea_shipped", "idea shipped"
    CONTACT_VERIFICATION = "contact_verification", "address verification"
    INVOICE = "invoice", "invoice"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")


# A pending mail is sent, or tried again later, or given up after the last
# attempt; staff may put a given-up mail back in the queue. Sent is final.
OUTBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    OutboundStatus.PENDING: frozenset(
        {OutboundStatus.PENDING, OutboundStatus.SENT, OutboundStatus.FAILED}
    ),
    OutboundStatus.FAILED: frozenset({OutboundStatus.PENDING}),
    OutboundStatus.SENT: frozenset(),
}


class OutboundMail(models.Model):
    """One outbound mail: written to this outbox in the transaction of the
    action that causes it, delivered by the worker (``deliver_due_mail``).
    Its ``message_id`` lets a reply find its request."""

    message_id = models.CharField(max_length=255, unique=True, help_text="Without angle brackets.")
    kind = models.CharField(max_length=32, choices=OutboundKind.choices)
    status = models.CharField(
        max_length=16, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    from_email = models.CharField(max_length=320, blank=True)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    headers = models.JSONField(
        default=dict, blank=True, help_text="Extra headers (threading, Auto-Submitted)."
    )
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
    queued_at = models.DateTimeField(help_text="UTC; when the causing action committed it.")
    attempts = models.PositiveIntegerField(default=0, help_text="Delivery attempts so far.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="UTC; the worker tries a pending mail from then on."
    )
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="UTC; empty until delivered.")

    class Meta:
        app_label = "intake"
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
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


class OutboundAttachment(models.Model):
    """A file carried by an outbound mail, kept until it is delivered."""

    mail = models.ForeignKey(OutboundMail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    content = models.BinaryField()
    renderer = models.CharField(
        max_length=64,
        blank=True,
        help_text="Made at the first delivery attempt by this registered renderer "
        "(e.g. an issued invoice's PDF), then kept, so every attempt sends the same bytes.",
    )
    source_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="What the renderer renders (e.g. the invoice's id)."
    )

    class Meta:
        app_label = "intake"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
