"""What the portal keeps of its own: ideas and votes (second factors and
login throttling, tables of this app, are written in ``customers``).

Everything a customer holds lives in the other apps; the portal only reads it
(``queries``) and changes it through their actions.
"""

from __future__ import annotations

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
