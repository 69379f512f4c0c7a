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


class OfferBilling(models.TextChoices):
    ONCE = "once", "once"
    MONTH = "month", "monthly"
    YEAR = "year", "yearly"


class Offer(models.Model):
    """One version of something the vendor sells or grants, with its terms.

    Seeded from the preset by ``init`` and ``demo``; a manager's change
    writes a new version (``version`` + 1, ``current``) and keeps the old one,
    so what was sold on a version keeps it. An entitlement copies the terms
    of the version it was sold on (``Entitlement.terms``); the rules read
    that copy. ``sizes``: minutes for prepaid hours, incidents for incident
    packs; empty = one size. ``covers`` / ``modes`` null = the policy's
    default for the kind.
    """

    code = models.SlugField(max_length=40, help_text="Stable name of the offer, e.g. voucher.")
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True, help_text="The version sold from now on.")
    kind = models.CharField(max_length=20, help_text="Entitlement kind it makes.")
    names = models.JSONField(default=dict, help_text='Name per language, {"en": ..., "bg": ...}.')
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", help_text="Products it applies to; none = all."
    )
    sizes = models.JSONField(
        default=list, blank=True, help_text="Sizes sold: minutes or incidents; empty = one size."
    )
    term_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="Months one sale lasts; empty = set per sale."
    )
    calendar_year = models.BooleanField(
        default=False, help_text="Runs to 31 December of the year it starts in."
    )
    minutes_per_month = models.PositiveIntegerField(
        default=0, help_text="Included minutes per calendar month; 0 = none."
    )
    rollover = models.BooleanField(default=False, help_text="Unused minutes carry one month.")
    sla = models.BooleanField(default=False, help_text="SLA: work counted in the finer increment.")
    response_business_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="First-response target, business minutes."
    )
    covers = models.JSONField(
        null=True, blank=True, help_text="Categories made free; empty = the kind's default."
    )
    modes = models.JSONField(
        null=True, blank=True, help_text="Modes it applies to; empty = the kind's default."
    )
    requires = models.CharField(
        max_length=20, blank=True, help_text="Another kind that must be valid the same day."
    )
    updates = models.BooleanField(default=False, help_text="Grants new versions and downloads.")
    grants_downloads = models.BooleanField(
        default=False,
        help_text="Its holder downloads new releases of its products while it runs.",
    )
    billing = models.CharField(
        max_length=8, choices=OfferBilling.choices, default=OfferBilling.ONCE
    )
    renewable = models.BooleanField(default=False)
    sold = models.BooleanField(default=True, help_text="False: granted only, never sold.")
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="offer_version_once"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(current=True), name="offer_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def name_in(self, language: str) -> str:
        """The name in ``language``, else English, else the code."""
        return str(self.names.get(language) or self.names.get("en") or self.code)


class OfferPrice(models.Model):
    """The price of one sale (billing ``once``) or one fee period of an offer,
    per size and currency, from ``effective_from`` until the next row. Keyed
    by the offer's code, so prices outlive a change of its terms."""

    offer_code = models.SlugField(max_length=40)
    size = models.PositiveIntegerField(default=0, help_text="The size priced; 0 = no sizes.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")
    effective_from = models.DateField(help_text="First day this price applies (inclusive).")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["offer_code", "size", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer_code", "size", "currency", "effective_from"],
                name="offerprice_once_a_day",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="offerprice_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_code} {self.size}: {self.amount} {self.currency}"
