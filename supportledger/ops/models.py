from django.db import models


class WorkerHeartbeat(models.Model):
    """The latest sign of life of one worker process, overwritten on every
    poll. Operational state, not business data: no audit row, no history."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(help_text="UTC; when the process started.")
    beat_at = models.DateTimeField(help_text="UTC; the latest poll of the queue.")

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.beat_at:%Y-%m-%d %H:%M:%S}"
