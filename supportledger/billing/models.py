"""Invoices, credit notes, their numbering, orders, and the vendor's billing settings.

Money columns are amounts in the row's ``currency``, already rounded by
``supportledger.rules.money`` (once per line, once per total). An issued
invoice never changes: only ``status`` and the payment/cancellation instants
move after issue, by the transition table below; a correction is a credit
note (an ``Invoice`` of kind ``credit_note`` pointing at the original).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from supportledger.rules.vat import VatRate


class NumberReset(models.TextChoices):
    YEARLY = "yearly", pgettext_lazy("number reset", "every calendar year")
    NEVER = "never", pgettext_lazy("number reset", "never (one continuous series)")


class BillingSettings(models.Model):
    """The vendor as it appears on invoices (the seller), and the billing
    policy: one row, id 1. Until the identity is complete
    (``queries.missing_seller_fields``) the billing run refuses."""

    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True, help_text="Street and number, as printed on invoices.")
    postcode = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code.")
    registration_number = models.CharField(
        max_length=32, blank=True, help_text="Company register number (ЕИК, cégjegyzékszám, …)."
    )
    vat_id = models.CharField(max_length=32, blank=True, verbose_name="VAT id")
    email = models.EmailField(blank=True, help_text="Shown on invoices; reply address of mail.")
    bank_account = models.CharField(
        max_length=64, blank=True, help_text="IBAN (a Russian vendor: 20-digit account), printed."
    )
    bank_bic = models.CharField(
        max_length=11, blank=True, verbose_name="BIC", help_text="SWIFT code (Russia: БИК)."
    )
    bank_name = models.CharField(max_length=200, blank=True)
    invoice_languages = models.JSONField(
        default=list,
        blank=True,
        help_text='Languages invoices may be written in, e.g. ["bg", "en"]; a customer '
        "whose language is not listed gets the first.",
    )
    number_prefix = models.CharField(
        max_length=12, default="INV", help_text="Invoice numbers read PREFIX-YEAR-NNNNNN."
    )
    number_with_year = models.BooleanField(
        default=True, help_text="The number carries the year of issue (PREFIX-YEAR-NNNNNN)."
    )
    number_width = models.PositiveSmallIntegerField(
        default=6, help_text="Digits of the running number, zero-padded (1 to 10)."
    )
    number_reset = models.CharField(
        max_length=8, choices=NumberReset.choices, default=NumberReset.YEARLY
    )
    credit_note_prefix = models.CharField(
        max_length=12,
        blank=True,
        help_text="Own series for credit notes; empty: credit notes share the invoices' series.",
    )
    vat_rates = models.JSONField(
        default=list,
        blank=True,
        help_text="Rates added by the vendor to the built-in standard rates: "
        '[{"country": "BG", "rate": "20", "from": "2026-01-01", "source": "…"}].',
    )
    payment_terms_days = models.PositiveIntegerField(
        default=14, help_text="Calendar days from issue to the due date."
    )
    hold_when_overdue = models.BooleanField(
        default=True, help_text="Put a customer on hold when an invoice is overdue."
    )
    hold_after_days = models.PositiveIntegerField(
        default=0, help_text="Calendar days past the due date before the hold."
    )
    reminder_days_before = models.JSONField(
        default=list,
        blank=True,
        help_text="Days before a support period or contract ends to send a renewal "
        "reminder, e.g. [30, 7]; a reminder also goes out on the first day of grace.",
    )

    class Meta:
        verbose_name = "billing settings"
        verbose_name_plural = "billing settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="billingsettings_single_row"),
        ]

    def __str__(self) -> str:
        return f"Billing settings ({self.legal_name})"

    def vat_rate_list(self) -> tuple[VatRate, ...]:
        """The vendor's own rates as rules values. The old form, a mapping
        ``{"BG": "20"}``, reads as rates in force since 2000."""
        rows = self.vat_rates or []
        if isinstance(rows, dict):
            return tuple(
                VatRate(country.upper(), Decimal(str(rate)), date(2000, 1, 1), "")
                for country, rate in rows.items()
            )
        return tuple(
            VatRate(
                str(row["country"]).upper(),
                Decimal(str(row["rate"])),
                date.fromisoformat(str(row.get("from") or "2000-01-01")),
                str(row.get("source", "")),
            )
            for row in rows
        )


class InvoiceCounter(models.Model):
    """The last number issued in one series and year. Locked (``select_for_update``)
    by the issuing transaction, so numbers are consecutive without gaps."""

    series = models.CharField(max_length=12, help_text="The number prefix.")
    year = models.PositiveIntegerField(
        help_text="Calendar year of the issue date; 0 for a series that never resets."
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="invoicecounter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", pgettext_lazy("invoice kind", "invoice")
    CREDIT_NOTE = "credit_note", pgettext_lazy("invoice kind", "credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("invoice status", "draft")
    ISSUED = "issued", pgettext_lazy("invoice status", "issued")
    PAID = "paid", pgettext_lazy("invoice status", "paid")
    CANCELLED = "cancelled", pgettext_lazy("invoice status", "cancelled")


INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED}),
    # An issued or paid invoice is cancelled only by a full credit note.
    InvoiceStatus.ISSUED: frozenset({InvoiceStatus.PAID, InvoiceStatus.CANCELLED}),
    InvoiceStatus.PAID: frozenset({InvoiceStatus.CANCELLED}),
    InvoiceStatus.CANCELLED: frozenset(),
}


class Invoice(models.Model):
    """An invoice or a credit note. ``number`` is empty until issued."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    series = models.CharField(max_length=12, blank=True)
    year = models.PositiveIntegerField(
        null=True, blank=True, help_text="Year of the number; 0 in a series that never resets."
    )
    sequence = models.PositiveIntegerField(null=True, blank=True, help_text="Number in year.")
    period_start = models.DateField(
        null=True,
        blank=True,
        help_text="First day of supply of what the invoice contains (policy time zone).",
    )
    period_end = models.DateField(
        null=True,
        blank=True,
        help_text="Last day of supply of what the invoice contains, inclusive.",
    )
    billing_period = models.CharField(
        max_length=7, blank=True, help_text="The month the run billed, e.g. 2026-11."
    )
    language = models.CharField(max_length=8, help_text="Language the invoice is written in.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code of every amount.")
    net_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), help_text="Sum of the lines."
    )
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(0), help_text="Percent."
    )
    vat_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        help_text="net × rate, rounded once.",  # noqa: RUF001
    )
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    vat_note = models.CharField(
        max_length=300, blank=True, help_text="E.g. the reverse-charge statement."
    )
    vat_legal_basis = models.CharField(
        max_length=200, blank=True, help_text="Provisions applied, e.g. Art. 44, Art. 196."
    )
    vat_breakdown = models.JSONField(
        default=list,
        blank=True,
        help_text="Per VAT category and rate: category, rate, net, vat (rounded once each).",
    )
    reason = models.TextField(blank=True, help_text="Credit note: why the invoice is corrected.")
    bill_to = models.JSONField(
        default=dict, help_text="The customer as billed (name, city, country, VAT id), frozen."
    )
    vendor = models.JSONField(default=dict, help_text="The vendor as billed, frozen at issue.")
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="Credit note: the invoice it corrects.",
    )
    issued_on = models.DateField(null=True, blank=True, help_text="Policy time zone.")
    due_on = models.DateField(null=True, blank=True, help_text="Last day to pay, inclusive.")
    paid_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT, number__isnull=True)
                | (~Q(status=InvoiceStatus.DRAFT) & Q(number__isnull=False))
                | Q(status=InvoiceStatus.CANCELLED, number__isnull=True),
                name="invoice_numbered_once_issued",
            ),
            models.UniqueConstraint(
                fields=["series", "year", "sequence"], name="invoice_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, credits__isnull=True)
                | Q(kind=InvoiceKind.CREDIT_NOTE, credits__isnull=False),
                name="invoice_credit_note_points_at_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or f'draft #{self.pk}'} {self.customer_id} {self.total_amount}"


class LineKind(models.TextChoices):
    CONTRACT_FEE = "contract_fee", pgettext_lazy("invoice line kind", "contract fee")
    WORK = "work", pgettext_lazy("invoice line kind", "work")
    ORDER = "order", pgettext_lazy("invoice line kind", "order")
    CREDIT = "credit", pgettext_lazy("invoice line kind", "credit")
    TRAVEL = "travel", pgettext_lazy("invoice line kind", "travel (rejected claim)")


class WrittenJSONField(models.JSONField):
    """A JSONField without the database's check that the text is JSON.

    SQLite checks every row written to a JSONField with ``JSON_VALID``;
    for an invoice line's ``detail``, a million rows a month, that check
    was about 5 s of a 115 s billing run of 10 000 customers
    (docs/billing-speed.md). The value is
    always written by billing as JSON (``json.dumps``, or a rating's stored
    JSON copied as text, ``convert.JsonText``) and read back with
    ``json.loads``, which would refuse anything else. PostgreSQL's ``jsonb``
    parses what it stores whatever this says.
    """

    def db_check(self, connection: Any) -> None:
        return None


class InvoiceLine(models.Model):
    """One thing billed, pointing at what it bills.

    Exactly one reference is set: ``work`` (with the ``work_rating`` whose
    amount it bills), ``entitlement`` + ``fee_period_start`` (a contract fee),
    ``order``, ``travel_charge`` (travel of a rejected claim), or
    ``credits_line`` (a credit note's line). While ``active``,
    the database lets each be billed once (partial unique constraints); only
    the lines of a cancelled draft become inactive.
    """

    # Not indexed alone: ``invoiceline_position`` (invoice, position) serves it.
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    description = models.TextField(help_text="As printed, in the invoice's language.")
    supplied_from = models.DateField(
        null=True, blank=True, help_text="First day of supply (policy time zone)."
    )
    supplied_on = models.DateField(
        null=True, blank=True, help_text="Date of supply, or last day of a supplied period."
    )
    vat_category = models.CharField(
        max_length=2, blank=True, help_text="EN 16931 code: S standard, AE reverse charge, O."
    )
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(0), help_text="Percent."
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))
    unit = models.CharField(
        max_length=16, blank=True, help_text="Code: min, h, pcs, month, year (printed translated)."
    )
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Net, rounded once to the minor unit."
    )
    detail = WrittenJSONField(default=dict, blank=True, help_text="Structured explanation.")
    # Indexed by ``invoiceline_work_billed_once`` (what billing looks up: is
    # this work on an active line); pieces of work and ratings are never
    # deleted, and nothing looks lines up by rating.
    work = models.ForeignKey(
        "desk.WorkEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    work_rating = models.ForeignKey(
        "desk.WorkRating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    entitlement = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Contract whose fee this line bills.",
    )
    fee_period_start = models.DateField(
        null=True, blank=True, help_text="First day of the fee period billed."
    )
    order = models.ForeignKey(
        "billing.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    credits_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    travel_charge = models.ForeignKey(
        "service.TravelCharge",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Travel billed for a claim rejected after an on-site visit.",
    )
    active = models.BooleanField(default=True, help_text="False once its draft is cancelled.")

    class Meta:
        ordering = ["invoice", "position"]
        # A million work lines a month go through every index of this table:
        # the references a work line leaves empty are indexed only where set.
        indexes = [
            models.Index(
                fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"invoiceline_{name}"
            )
            for name in ("entitlement", "order", "credits_line", "travel_charge")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["work"],
                condition=Q(active=True, work__isnull=False),
                name="invoiceline_work_billed_once",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "fee_period_start"],
                condition=Q(active=True, entitlement__isnull=False),
                name="invoiceline_fee_billed_once",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(active=True, order__isnull=False),
                name="invoiceline_order_billed_once",
            ),
            models.UniqueConstraint(
                fields=["credits_line"],
                condition=Q(active=True, credits_line__isnull=False),
                name="invoiceline_credited_once",
            ),
            models.UniqueConstraint(
                fields=["travel_charge"],
                condition=Q(active=True, travel_charge__isnull=False),
                name="invoiceline_travel_billed_once",
            ),
            models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_position"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=LineKind.WORK,
                        work__isnull=False,
                        work_rating__isnull=False,
                        entitlement__isnull=True,
                        order__isnull=True,
                        credits_line__isnull=True,
                        travel_charge__isnull=True,
                    )
                    | Q(
                        kind=LineKind.CONTRACT_FEE,
                        work__isnull=True,
                        entitlement__isnull=False,
                        fee_period_start__isnull=False,
                        order__isnull=True,
                        credits_line__isnull=True,
                        travel_charge__isnull=True,
                    )
                    | Q(
                        kind=LineKind.ORDER,
                        work__isnull=True,
                        entitlement__isnull=True,
                        order__isnull=False,
                        credits_line__isnull=True,
                        travel_charge__isnull=True,
                    )
                    | Q(
                        kind=LineKind.CREDIT,
                        work__isnull=True,
                        entitlement__isnull=True,
                        order__isnull=True,
                        credits_line__isnull=False,
                        travel_charge__isnull=True,
                    )
                    | Q(
                        kind=LineKind.TRAVEL,
                        work__isnull=True,
                        entitlement__isnull=True,
                        order__isnull=True,
                        credits_line__isnull=True,
                        travel_charge__isnull=False,
                    )
                ),
                name="invoiceline_points_at_what_it_bills",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position} {self.kind} {self.amount}"


class OrderKind(models.TextChoices):
    VOUCHER = "voucher", pgettext_lazy("order kind", "voucher (prepaid hours)")
    INCIDENT_PACK = "incident_pack", pgettext_lazy("order kind", "incident pack")
    RENEWAL = "renewal", pgettext_lazy("order kind", "support renewal")
    CONTRACT = "contract", pgettext_lazy("order kind", "maintenance contract")


class OrderStatus(models.TextChoices):
    PLACED = "placed", pgettext_lazy("order status", "placed")
    PAID = "paid", pgettext_lazy("order status", "paid")
    FULFILLED = "fulfilled", pgettext_lazy("order status", "fulfilled")
    CANCELLED = "cancelled", pgettext_lazy("order status", "cancelled")


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED}),
    OrderStatus.FULFILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class Order(models.Model):
    """Something a customer buys: hours, incidents, a renewal, a contract year.

    Priced when placed by the rules on ``ordered_on``; billed once (an
    invoice line points at it); fulfilled when its invoice is paid.
    """

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=OrderKind.choices)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    licence = models.ForeignKey(
        "entitlements.Licence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Renewal: the support period or contract renewed.",
    )
    offer = models.ForeignKey(
        "catalog.Offer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The offer version sold; empty for a renewal.",
    )
    quantity = models.PositiveIntegerField(
        default=1, help_text="Voucher: hours; incident pack: incidents; otherwise 1."
    )
    ordered_on = models.DateField(help_text="Pricing date (policy time zone).")
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="Net price.")
    currency = models.CharField(max_length=3)
    explanation = models.JSONField(default=list, help_text="How the price was found, per line.")
    terms = models.JSONField(
        default=dict,
        blank=True,
        help_text="What fulfilment grants: starts/ends (ISO dates), and for a renewal new_ends.",
    )
    granted = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The entitlement fulfilment created or extended.",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(help_text="UTC.")
    paid_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    fulfilled_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            # One open renewal per support period: a second one while the
            # first is placed or paid would bill and grant the same period
            # twice. Once fulfilled, a renewal prices from the newest period.
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(kind="renewal", status__in=["placed", "paid"]),
                name="order_one_renewal_per_support_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.amount} {self.currency} ({self.status})"

    @property
    def reference(self) -> str:
        return f"ORD-{self.pk}"


class ReminderStage(models.TextChoices):
    BEFORE = "before", pgettext_lazy("reminder stage", "before expiry")
    GRACE = "grace", pgettext_lazy("reminder stage", "during grace")
    OVERDUE = "overdue", pgettext_lazy("reminder stage", "invoice overdue, on hold")


class SentReminder(models.Model):
    """A reminder already sent, so the daily job sends each at most once."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    entitlement = models.ForeignKey(
        "entitlements.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=8, choices=ReminderStage.choices)
    key = models.CharField(max_length=64, help_text="What makes it unique, e.g. ends + days.")
    sent_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "stage", "key"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.key}"


class NationalDocumentStatus(models.TextChoices):
    KEPT = "kept", pgettext_lazy("e-invoice status", "kept (not sent)")
    PENDING = "pending", pgettext_lazy("e-invoice status", "waiting to be sent")
    ACCEPTED = "accepted", pgettext_lazy("e-invoice status", "accepted by the tax service")
    REJECTED = "rejected", pgettext_lazy("e-invoice status", "rejected by the tax service")


class NationalDocument(models.Model):
    """The national e-invoice document of an issued invoice (KSeF FA(3), NAV
    Online Számla 3.0, myDATA), made in the issuing transaction from the
    invoice's frozen data, and what the tax service answered.

    ``kept`` when no connector is configured for the country (the document
    is downloadable and can be uploaded by hand); ``pending`` until a
    connector delivers it, retried with back-off after a transport failure;
    ``accepted`` with the service's ``reference`` (KSeF number, NAV
    transaction id, myDATA MARK) or ``rejected`` with its reasons."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="national_document"
    )
    country = models.CharField(max_length=2, help_text="ISO 3166 code of the tax service.")
    format = models.CharField(max_length=40, help_text="E.g. 'KSeF FA(3)'.")
    xml = models.TextField(help_text="The document as built, UTF-8.")
    status = models.CharField(
        max_length=10,
        choices=NationalDocumentStatus.choices,
        default=NationalDocumentStatus.KEPT,
    )
    reference = models.CharField(max_length=80, blank=True, help_text="The service's id.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="UTC.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.format} of {self.invoice_id} ({self.status})"


class BillingRunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("billing run status", "queued")
    RUNNING = "running", pgettext_lazy("billing run status", "running")
    DONE = "done", pgettext_lazy("billing run status", "done")
    FAILED = "failed", pgettext_lazy("billing run status", "failed")


class BillingRunKind(models.TextChoices):
    DRAFTS = "drafts", pgettext_lazy("billing run kind", "make drafts")
    ISSUE = "issue", pgettext_lazy("billing run kind", "bill and issue")
    ISSUE_DRAFTS = "issue_drafts", pgettext_lazy("billing run kind", "issue the drafts")


class BillingRun(models.Model):
    """A billing run asked for from the console and done by the worker: the
    period's drafts, a run that issues directly, or issuing the period's
    drafts. One queued or running run per period at a time (the database
    refuses a second); progress is written as it goes."""

    period_start = models.DateField(help_text="First day of the month billed.")
    period_end = models.DateField(help_text="Last day of the month billed, inclusive.")
    kind = models.CharField(max_length=12, choices=BillingRunKind.choices)
    status = models.CharField(
        max_length=8, choices=BillingRunStatus.choices, default=BillingRunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(help_text="UTC.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="UTC.")
    customers_total = models.PositiveIntegerField(default=0)
    customers_done = models.PositiveIntegerField(default=0)
    invoices = models.PositiveIntegerField(default=0, help_text="Invoices made or issued so far.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start"],
                condition=Q(status__in=["queued", "running"]),
                name="billingrun_one_at_a_time_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start:%Y-%m} ({self.status})"


class BillingChunkStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    ISSUED = "issued", "issued"


class BillingChunk(models.Model):
    """A slice of a monthly billing run: the customers one worker bills as
    drafts (``billing.chunks``). Workers claim queued chunks with
    ``SELECT … FOR UPDATE SKIP LOCKED``; once every chunk of the run is
    done, one worker numbers the drafts in customer order, so the invoices
    are those of one worker's run."""

    run_key = models.CharField(max_length=64, help_text="e.g. monthly-2026-03")
    number = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    customer_ids = models.JSONField(default=list)
    issue = models.BooleanField(default=True, help_text="Number the drafts once all are done.")
    status = models.CharField(
        max_length=8, choices=BillingChunkStatus.choices, default=BillingChunkStatus.QUEUED
    )
    worker = models.CharField(max_length=200, blank=True, help_text="Who billed it.")
    invoice_ids = models.JSONField(default=list, help_text="The drafts it made.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run_key", "number"], name="billingchunk_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_key} #{self.number} ({self.status})"
