from django.db import models


class ImportedRecord(models.Model):
    """A row of an import file that has been brought in: the vendor's own
    reference (``kind`` + ``ref``) and the record it became. A second import
    of the same file finds these and changes nothing."""

    kind = models.CharField(max_length=20, help_text="File kind, e.g. customers, vouchers.")
    ref = models.CharField(max_length=200, help_text="The vendor's reference in its old tools.")
    object_id = models.PositiveBigIntegerField(help_text="Primary key of the record made.")
    imported_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["kind", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="importedrecord_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"
