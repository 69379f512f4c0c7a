"""What the vendor sells: products with their prices, the service price list, releases."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class LicenceModel(models.TextChoices):
    PERPETUAL = "perpetual", "perpetual"
    MONTHLY = "monthly", "monthly subscription"
    YEARLY = "yearly", "yearly subscription"


class Product(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="Short code, e.g. ACC.")
    name = models.CharField(max_length=200)
    licence_model = models.CharField(
        max_length=10, choices=LicenceModel.choices, default=LicenceModel.PERPETUAL
    )
    support_period_months = models.PositiveIntegerField(
        default=0, help_text="Free support period granted with a sale, months; 0 = none."
    )
    warranty_months = models.PositiveIntegerField(
        default=0, help_text="Warranty granted with a sale, months; 0 = none."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductPrice(models.Model):
    """The licence price of a product from ``effective_from`` until the next row."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    effective_from = models.DateField(help_text="First day this price applies (inclusive).")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")

    class Meta:
        ordering = ["product", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "effective_from"], name="productprice_one_per_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="productprice_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.amount} {self.currency} from {self.effective_from}"


class ServicePrice(models.Model):
    """The service price list from ``effective_from`` until the next row.

    Rates per mode are per hour; ``travel`` is per billable on-site visit. All
    in ``currency``.
    """

    effective_from = models.DateField(
        unique=True, help_text="First day this price list applies (inclusive)."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")
    remote = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    onsite = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    phone = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    email = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    chat = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    portal = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    inhouse = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per hour.")
    travel = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Per on-site visit with billable minutes."
    )

    RATE_FIELDS = ("remote", "onsite", "phone", "email", "chat", "portal", "inhouse", "travel")

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    remote__gte=0,
                    onsite__gte=0,
                    phone__gte=0,
                    email__gte=0,
                    chat__gte=0,
                    portal__gte=0,
                    inhouse__gte=0,
                    travel__gte=0,
                ),
                name="serviceprice_rates_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"Service prices from {self.effective_from} ({self.currency})"


class ReleaseKind(models.TextChoices):
    FEATURE = "feature", "feature"
    FIX = "fix", "fix"
    COMPATIBILITY = "compatibility", "compatibility"
    LEGAL = "legal", "legal change"


class Release(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(max_length=40)
    released_on = models.DateField(help_text="Release date (policy time zone).")
    kind = models.CharField(max_length=16, choices=ReleaseKind.choices)
    notes = models.TextField(blank=True)
    file = models.FileField(
        upload_to="releases/%Y/",
        blank=True,
        help_text="Stored under the private media root; handed out only after an access check.",
    )

    class Meta:
        ordering = ["product", "-released_on"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.version} ({self.released_on})"
