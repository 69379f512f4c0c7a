"""The desk, minimal: requests, the work done on them and how each was rated.

A later change grows requests a lifecycle (statuses, thread, timer); this
module holds only what recording and rating work needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from supportledger.rules.types import CATEGORIES, MODES

Mode = models.TextChoices("Mode", [(m.upper(), m) for m in MODES])
Category = models.TextChoices("Category", [(c.upper(), c) for c in CATEGORIES])


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
    opened_via = models.CharField(max_length=10, choices=Mode.choices, help_text="Channel.")
    subject = models.CharField(max_length=200)
    incident_entitlement = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The incident pack charged for this request (one incident per request).",
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"REQ-{self.pk}"


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
