"""What the schedule has enqueued."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """A slot of the schedule that has been enqueued (e.g. ``billing_run``
    for 2026-03-01). The unique row makes several workers enqueue it once."""

    job = models.CharField(max_length=40)
    slot = models.DateField(help_text="The day (policy time zone) the job is due.")
    enqueued_at = models.DateTimeField(help_text="UTC.")
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "billing_scheduledrun"  # where it was first kept
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"
