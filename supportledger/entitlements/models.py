"""What customers hold: licences, entitlements and the append-only ledger.

Balances (prepaid minutes, incidents) are sums of ``LedgerEntry`` rows. The
entitlement row caches them (``balance_minutes``, ``balance_incidents``) and
``AllowanceUsage`` caches, per contract and calendar month, how many minutes
of the monthly allowance were used. Both caches are written only by
``entitlements.actions.ledger`` in the same transaction as the entries they sum, and
the database refuses a negative cache (CHECK) and any change to an entry
(triggers, migration 0002).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q

from supportledger.catalog.models import LicenceModel
from supportledger.core.models import validate_categories, validate_modes
from supportledger.rules.types import KINDS


class Licence(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="licences"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    sold_on = models.DateField(help_text="Sale date (policy time zone).")
    seats = models.PositiveIntegerField(default=1, help_text="Workstations it may be active on.")
    licence_model = models.CharField(max_length=10, choices=LicenceModel.choices)
    expires = models.DateField(
        null=True, blank=True, help_text="Last day of use (inclusive) for a subscription licence."
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["customer", "-sold_on"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="licence_has_a_seat"),
            models.CheckConstraint(
                condition=Q(licence_model=LicenceModel.PERPETUAL, expires__isnull=True)
                | (~Q(licence_model=LicenceModel.PERPETUAL) & Q(expires__isnull=False)),
                name="licence_subscription_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.product_id and self.product.code}"

    @property
    def reference(self) -> str:
        return f"LIC-{self.pk}"


class Activation(models.Model):
    """A licence active on one workstation. Moving a product = deactivate + activate."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="activations")
    workstation = models.CharField(max_length=100, help_text="Host name or machine id.")
    activated_at = models.DateTimeField(help_text="UTC.")
    deactivated_at = models.DateTimeField(null=True, blank=True, help_text="UTC; empty = active.")

    class Meta:
        ordering = ["licence", "-activated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "workstation"],
                condition=Q(deactivated_at__isnull=True),
                name="activation_once_per_workstation",
            ),
            models.CheckConstraint(
                condition=Q(deactivated_at__isnull=True)
                | Q(deactivated_at__gte=models.F("activated_at")),
                name="activation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence.reference} on {self.workstation}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class Kind(models.TextChoices):
    WARRANTY = "warranty", "warranty"
    SUPPORT_PERIOD = "support_period", "support period"
    CONTRACT = "contract", "contract"
    PREPAID_HOURS = "prepaid_hours", "prepaid hours (voucher)"
    INCIDENT_PACK = "incident_pack", "incident pack"
    SERVICE_WARRANTY = "service_warranty", "service warranty"


assert tuple(Kind.values) == KINDS

REFERENCE_PREFIX = {
    Kind.WARRANTY: "WAR",
    Kind.SUPPORT_PERIOD: "SUP",
    Kind.CONTRACT: "SUB",
    Kind.PREPAID_HOURS: "PKG",
    Kind.INCIDENT_PACK: "INC",
    Kind.SERVICE_WARRANTY: "SWA",
}


class BillingPeriod(models.TextChoices):
    ONCE = "once", "once"
    MONTH = "month", "monthly"
    QUARTER = "quarter", "quarterly"
    YEAR = "year", "yearly"


class Entitlement(models.Model):
    """One thing a customer holds (DESIGN 3.1).

    Products: the licence's product when ``licence`` is set, else the
    ``products`` listed, else (none listed) all products. ``covers`` and
    ``modes`` empty (null) mean the policy's default for the kind.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="entitlements"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts = models.DateField(help_text="First valid day, inclusive, policy time zone.")
    ends = models.DateField(help_text="Last valid day, inclusive, policy time zone.")
    licence = models.ForeignKey(
        Licence,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        help_text="The sale this came with; limits it to the licence's product.",
    )
    products = models.ManyToManyField(
        "catalog.Product",
        blank=True,
        related_name="+",
        help_text="Products covered when there is no licence; none = all products.",
    )
    covers = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_categories],
        help_text="Categories made free; empty = the kind's default.",
    )
    modes = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_modes],
        help_text="Modes it applies to; empty = the kind's default.",
    )
    request = models.ForeignKey(
        "desk.Request",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Service warranty: covers the work of this request only (the rework "
        "of the work complained about); empty = any request.",
    )
    requires = models.CharField(
        max_length=20,
        choices=Kind.choices,
        blank=True,
        help_text="Another kind that must be valid the same day (S2: Premium needs a contract).",
    )
    # Contract fields.
    sla = models.BooleanField(default=False, help_text="Contract with an SLA (finer increment).")
    minutes_per_month = models.PositiveIntegerField(
        default=0, help_text="Contract: included minutes per calendar month; 0 = none."
    )
    rollover = models.BooleanField(
        default=False, help_text="Contract: last month's unused minutes carry into this month."
    )
    updates = models.BooleanField(default=False, help_text="Contract: grants new versions.")
    response_business_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Contract: first-response target, business minutes."
    )
    fee = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Price per period."
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code of the fee.")
    billing_period = models.CharField(max_length=8, choices=BillingPeriod.choices, blank=True)
    # Prepaid sources: what was granted, and the cached balance (sum of the ledger).
    minutes_granted = models.PositiveIntegerField(
        default=0, help_text="Prepaid hours: minutes granted in total (grant entries)."
    )
    incidents_granted = models.PositiveIntegerField(
        default=0, help_text="Incident pack: incidents granted in total (grant entries)."
    )
    balance_minutes = models.IntegerField(
        default=0, help_text="Cached sum of the ledger's minute deltas (minutes)."
    )
    balance_incidents = models.IntegerField(
        default=0, help_text="Cached sum of the ledger's incident deltas."
    )
    offer = models.ForeignKey(
        "catalog.Offer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The offer version it was sold on.",
    )
    terms = models.JSONField(
        default=dict, blank=True, help_text="Copy of the offer's terms as sold; never edited."
    )
    fees_from = models.DateField(
        null=True,
        blank=True,
        help_text="First day its recurring fee is billed from; earlier ones the order billed.",
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["customer", "ends", "id"]
        indexes = [models.Index(fields=["customer", "kind", "ends"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gte=models.F("starts")), name="entitlement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(balance_minutes__gte=0), name="entitlement_balance_minutes_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(balance_incidents__gte=0),
                name="entitlement_balance_incidents_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()} {self.starts}..{self.ends}"

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX[Kind(self.kind)]}-{self.pk}"


class AllowanceUsage(models.Model):
    """Minutes of a contract's monthly allowance used in one calendar month.

    ``used_minutes`` = minus the sum of the entitlement's ledger entries with
    ``allowance_month == month``; cached here so rating reads one row.
    """

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="allowance_usage"
    )
    month = models.DateField(help_text="First day of the calendar month (policy time zone).")
    used_minutes = models.IntegerField(default=0, help_text="Minutes.")

    class Meta:
        ordering = ["entitlement", "month"]
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "month"], name="allowance_once_a_month"),
            models.CheckConstraint(
                condition=Q(used_minutes__gte=0), name="allowance_used_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} {self.month:%Y-%m}: {self.used_minutes} min"


class Reason(models.TextChoices):
    GRANT = "grant", "grant"
    CONSUME = "consume", "consumption"
    REVERSAL = "reversal", "reversal"
    ADJUSTMENT = "adjustment", "adjustment"


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never updated; post a reversal instead.")

    def delete(self) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never deleted; post a reversal instead.")


class LedgerIsAppendOnly(Exception):
    pass


class LedgerEntry(models.Model):
    """One immutable movement of minutes or incidents on one entitlement.

    ``allowance_month`` set: the minutes move the contract's allowance usage
    for that month (negative = used) instead of ``balance_minutes``.
    """

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    minutes_delta = models.IntegerField(default=0, help_text="Minutes; negative = consumed.")
    incidents_delta = models.IntegerField(default=0, help_text="Incidents; negative = consumed.")
    allowance_month = models.DateField(
        null=True, blank=True, help_text="Contract allowance month (first day) the minutes are of."
    )
    work_rating = models.ForeignKey(
        "desk.WorkRating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        help_text="The rating this consumption (or its reversal) belongs to.",
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The entry this one cancels; an entry can be reversed once.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(help_text="UTC.")
    note = models.CharField(max_length=200, blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["entitlement", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            # What work drew from a voucher (not an allowance's month), by
            # voucher: the read that explains a voucher run dry walks these
            # entries alone, not the voucher's grants and adjustments too.
            models.Index(
                fields=["entitlement", "work_rating"],
                include=["minutes_delta"],
                condition=Q(allowance_month__isnull=True, work_rating__isnull=False),
                name="ledgerentry_drawn_by_work",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason="reversal", reverses__isnull=False)
                | (~Q(reason="reversal") & Q(reverses__isnull=True)),
                name="ledgerentry_reversal_points_at_entry",
            ),
            models.CheckConstraint(
                condition=~Q(minutes_delta=0, incidents_delta=0),
                name="ledgerentry_moves_something",
            ),
        ]

    def __str__(self) -> str:
        parts = []
        if self.minutes_delta:
            parts.append(f"{self.minutes_delta:+d} min")
        if self.incidents_delta:
            parts.append(f"{self.incidents_delta:+d} incidents")
        return f"#{self.pk} {self.reason} {' '.join(parts)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("Ledger entries are never updated; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never deleted; post a reversal instead.")


class Threshold(models.IntegerChoices):
    EIGHTY = 80, "80 %"
    NINETY_FIVE = 95, "95 %"
    FULL = 100, "100 %"


class BalanceAlert(models.Model):
    """A prepaid source or monthly allowance crossed a share of its use, once.

    For contracts ``month`` names the allowance month; for prepaid hours and
    incident packs it is empty. ``notified_at`` is set when the mail went out.
    """

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="alerts")
    threshold = models.PositiveSmallIntegerField(choices=Threshold.choices, help_text="Percent.")
    month = models.DateField(null=True, blank=True, help_text="Allowance month (first day).")
    crossed_at = models.DateTimeField(help_text="UTC.")
    notified_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")

    class Meta:
        ordering = ["entitlement", "month", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "threshold"],
                condition=Q(month__isnull=True),
                name="balancealert_once_per_threshold",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "threshold", "month"],
                condition=Q(month__isnull=False),
                name="balancealert_once_per_threshold_and_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} crossed {self.threshold} %"
