"""The service desk: requests with their lifecycle, the thread of messages
and attachments, timers, the work done and how each piece was rated.

A request's status moves only along ``TRANSITIONS`` (``desk.actions.status.
do_change_request_status``). Its first-response clock is kept on the row:
``response_due_at`` while it runs, ``response_remaining_minutes`` (business
minutes) while it is paused waiting for the customer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from supportledger.core.references import request_reference
from supportledger.rules.types import CATEGORIES, MODES


class Mode(models.TextChoices):
    """How work is delivered; the labels are what readers see, in their language
    (request and work pages, explanations, invoice lines)."""

    REMOTE = "remote", _("Remote support")
    ONSITE = "onsite", _("On-site support")
    PHONE = "phone", _("Phone support")
    EMAIL = "email", _("E-mail support")
    CHAT = "chat", _("Chat support")
    PORTAL = "portal", _("Portal support")
    INHOUSE = "inhouse", _("Work at our premises")


class Category(models.TextChoices):
    """What the work is, labelled the way a customer would ask for it."""

    CONSULTATION = "consultation", _("advice on installing or using")
    DEFECT = "defect", _("a defect in the program")
    INSTALLATION = "installation", _("installation")
    CONFIGURATION = "configuration", _("configuration")
    TRAINING = "training", _("training")
    UPDATE = "update", _("installing a new version")
    TRANSFER = "transfer", _("moving to another workstation")
    BACKUP = "backup", _("backup")
    RECOVERY = "recovery", _("data recovery")
    DEVELOPMENT = "development", _("development")
    LEGAL = "legal", _("legislation question")
    HARDWARE = "hardware", _("hardware")


assert tuple(Mode.values) == MODES
assert tuple(Category.values) == CATEGORIES

MESSAGING_SERVICES = {"whatsapp": "WhatsApp", "vk": "VK", "viber": "Viber", "telegram": "Telegram"}
"""Written channels that are not modes (they rate as chat), by their own names."""


def mode_label(mode: str) -> str:
    """A mode in the active language, e.g. ``Remote support``; unknown values as given."""
    return str(Mode(mode).label) if mode in Mode.values else mode


def category_label(category: str) -> str:
    """A category in the active language; unknown values as given."""
    return str(Category(category).label) if category in Category.values else category


def channel_label(channel: str) -> str:
    """How a request came in, as a phrase in the active language: ``by phone``,
    ``through the portal``, ``on WhatsApp``; unknown values as given."""
    phrases = {
        "phone": pgettext("request came in", "by phone"),
        "email": pgettext("request came in", "by e-mail"),
        "portal": pgettext("request came in", "through the portal"),
        "chat": pgettext("request came in", "by chat"),
        "remote": pgettext("request came in", "in a remote session"),
        "onsite": pgettext("request came in", "on site"),
        "inhouse": pgettext("request came in", "at our premises"),
    }
    if channel in phrases:
        return phrases[channel]
    if channel in MESSAGING_SERVICES:
        return pgettext("request came in", "on %(service)s") % {
            "service": MESSAGING_SERVICES[channel]
        }
    return channel


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("request status", "new")
    OPEN = "open", pgettext_lazy("request status", "open")
    WAITING = "waiting", pgettext_lazy("request status", "waiting for customer")
    SCHEDULED = "scheduled", pgettext_lazy("request status", "scheduled")
    RESOLVED = "resolved", pgettext_lazy("request status", "resolved")
    CLOSED = "closed", pgettext_lazy("request status", "closed")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.SCHEDULED, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.WAITING, Status.SCHEDULED, Status.RESOLVED}),
    Status.WAITING: frozenset({Status.OPEN, Status.SCHEDULED, Status.RESOLVED}),
    Status.SCHEDULED: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.OPEN}),
    Status.CLOSED: frozenset({Status.OPEN}),
}
"""The allowed moves of a request's status; moving back to ``open`` from
``resolved`` or ``closed`` is a reopening."""

ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING, Status.SCHEDULED)


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Request(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="requests"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    opened_via = models.CharField(
        max_length=10, choices=Mode.choices, help_text="The mode the channel rates as."
    )
    channel = models.CharField(
        max_length=16,
        default="portal",
        help_text="How the request came in: one of the policy's channels, portal or email.",
    )
    subject = models.CharField(max_length=200)
    licence = models.ForeignKey(
        "entitlements.Licence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        "customers.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    source_message_id = models.CharField(
        max_length=255, blank=True, help_text="Message-ID of the e-mail that opened it."
    )
    updated_at = models.DateTimeField(null=True, blank=True, help_text="UTC; last change.")
    response_target_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="First-response target from the contract, business minutes.",
    )
    response_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="UTC; when the first response is due. Empty: no target, answered or paused.",
    )
    response_remaining_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Business minutes left on the first-response clock while it is paused.",
    )
    first_response_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="UTC; set while waiting for the customer."
    )
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    incident_entitlement = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The incident pack charged for this request (one incident per request).",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        help_text="The request this duplicate was merged into (it is then closed).",
    )
    search_text = models.TextField(
        blank=True,
        default="",
        help_text="Subject, customer name and every message, folded (desk.search.fold) "
        "for the queue's search; kept by the desk's actions.",
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"]),
            models.Index(fields=["status", "-created_at", "-id"]),
            # The queue, newest first: walked in order while most requests
            # match its filter (the active ones), instead of sorting them all.
            models.Index(fields=["-created_at", "-id"], name="desk_request_newest"),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["response_due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_message_id"],
                condition=~Q(source_message_id=""),
                name="request_source_message_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return request_reference(self.pk)


class WorkEntry(models.Model):
    """One piece of work, as recorded. Its current rating is the ``WorkRating``
    with ``current=True``."""

    work_id = models.CharField(
        max_length=64, unique=True, help_text="External id; recording it twice is a no-op."
    )
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="work")
    agent = models.ForeignKey(
        "customers.StaffMember", on_delete=models.PROTECT, related_name="work"
    )
    started_at = models.DateTimeField(help_text="UTC.")
    ended_at = models.DateTimeField(help_text="UTC.")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    licence = models.ForeignKey(
        "entitlements.Licence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The licence worked on, when known.",
    )
    city = models.CharField(max_length=100, blank=True, help_text="Where, for on-site work.")
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "work entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=models.F("started_at")), name="workentry_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_id} {self.mode} {self.category} {self.started_at:%Y-%m-%d %H:%M}"


class WorkRating(models.Model):
    """One rating of a piece of work, kept for audit. Re-rating keeps the old
    row with ``current=False``; at most one current rating per work entry."""

    work = models.ForeignKey(WorkEntry, on_delete=models.PROTECT, related_name="ratings")
    current = models.BooleanField(default=True)
    duration_minutes = models.PositiveIntegerField(help_text="Real elapsed minutes.")
    increment_minutes = models.PositiveIntegerField(help_text="Billing increment, minutes.")
    counted_minutes = models.PositiveIntegerField(help_text="Minutes after rounding/minimum.")
    billable_minutes = models.PositiveIntegerField(help_text="Minutes no entitlement paid.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Billable amount.")
    currency = models.CharField(max_length=3)
    travel_billed = models.BooleanField(default=False)
    after_hours = models.BooleanField(default=False)
    allocations = models.JSONField(
        default=list, help_text='[{"entitlement": id, "kind": ..., "minutes": n}], free cover too.'
    )
    incidents = models.JSONField(default=list, help_text='[{"entitlement": id, "count": n}].')
    explanation = models.JSONField(default=list, help_text="One line per rule applied.")
    steps = models.JSONField(
        default=list,
        blank=True,
        help_text='The same lines as [{"code", "args"}] (rules.explanation), to show them in '
        "the reader's language; empty on ratings made before steps were kept.",
    )
    passed_over = models.JSONField(
        default=list,
        blank=True,
        help_text='Entitlements held that paid nothing, and why: [{"entitlement", "kind", '
        '"reason", "args"}] (rules.types.PASSED_OVER_REASONS).',
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["work", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work"], condition=Q(current=True), name="workrating_one_current"
            ),
            models.CheckConstraint(
                condition=Q(billable_minutes__lte=models.F("counted_minutes")),
                name="workrating_billable_within_counted",
            ),
        ]

    def __str__(self) -> str:
        flag = "current" if self.current else "superseded"
        return f"{self.work_id}: {self.counted_minutes} min, {self.amount} {self.currency} ({flag})"


class Message(models.Model):
    """One entry of a request's thread: a public reply (seen by the customer)
    or an internal note (staff only). Written by a staff user or a contact."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="messages")
    internal = models.BooleanField(
        default=False, help_text="Internal note, never shown to the customer."
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body_text = models.TextField()
    body_html = models.TextField(blank=True, help_text="As received; never rendered unsanitised.")
    source_message_id = models.CharField(
        max_length=255, blank=True, help_text="Message-ID of the e-mail it came from."
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["request", "created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_message_id"],
                condition=~Q(source_message_id=""),
                name="message_source_message_once",
            )
        ]

    def __str__(self) -> str:
        kind = "note" if self.internal else "reply"
        return f"{kind} #{self.pk} on REQ-{self.request_id}"


class Attachment(models.Model):
    """A file sent with a message, kept in the private storage (outside any
    served directory) and handed out only by a view that checks access."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(max_length=200, help_text="Name as uploaded, cleaned.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=300)
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes)"


class MoveReason(models.TextChoices):
    """Why a request's status moved, as its thread says it."""

    STAFF = "staff", pgettext_lazy("status moved because", "changed by staff")
    STAFF_REPLY = "staff_reply", pgettext_lazy("status moved because", "support replied")
    CUSTOMER_REPLY = "customer_reply", pgettext_lazy("status moved because", "the customer replied")
    ASSIGNED = "assigned", pgettext_lazy("status moved because", "assigned to an agent")
    WORK_CONFIRMED = (
        "work_confirmed",
        pgettext_lazy("status moved because", "the work was confirmed"),
    )
    COMPLAINT_WINDOW_CLOSED = (
        "complaint_window_closed",
        pgettext_lazy("status moved because", "the time for complaints has passed"),
    )
    MERGED = "merged", pgettext_lazy("status moved because", "merged into another request")


class StatusChange(models.Model):
    """One move of a request's status, kept to show in its thread (the audit
    log keeps the same move with who made it). Append-only."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=32, choices=MoveReason.choices)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["request", "at", "id"]
        indexes = [models.Index(fields=["request", "at", "id"])]

    def __str__(self) -> str:
        return f"REQ-{self.request_id}: {self.from_status} -> {self.to_status} ({self.reason})"


class Timer(models.Model):
    """A running work timer of one agent on one request. Stopping it records
    the work (``do_record_work``) and removes the timer."""

    agent = models.ForeignKey(
        "customers.StaffMember", on_delete=models.PROTECT, related_name="timers"
    )
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="timers")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    started_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "request"], name="timer_once_per_agent_request"
            )
        ]

    def __str__(self) -> str:
        return f"timer of {self.agent_id} on REQ-{self.request_id} since {self.started_at:%H:%M}"


class SavedFilter(models.Model):
    """A queue filter an agent saved under a name: the queue's query string."""

    agent = models.ForeignKey(
        "customers.StaffMember", on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500, help_text="The queue's URL query, without page.")
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["agent", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "name"], name="saved_filter_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agent_id})"


class CannedReply(models.Model):
    """A ready answer in one language that agents insert into a reply;
    managers keep them."""

    title = models.CharField(max_length=100)
    language = models.CharField(max_length=8, help_text="One of the site's languages.")
    body = models.TextField()
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["language", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["language", "title"], name="canned_reply_title_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"
