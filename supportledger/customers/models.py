"""Who the vendor serves and who serves them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Customer(models.Model):
    organisation = models.CharField(max_length=200)
    city = models.CharField(max_length=100, help_text="Where on-site work happens.")
    country = models.CharField(max_length=2, help_text="ISO 3166 code.")
    language = models.CharField(max_length=8, help_text="Language code for mail and portal.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code invoices are in.")
    vat_id = models.CharField(max_length=32, blank=True, verbose_name="VAT id")
    on_hold = models.BooleanField(default=False, help_text="No new work while on hold.")
    on_hold_reason = models.CharField(
        max_length=200, blank=True, help_text="Why staff put the customer on hold, as typed."
    )
    on_hold_invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The overdue invoice billing put the customer on hold for.",
    )
    created_at = models.DateTimeField(help_text="UTC.")

    class Meta:
        ordering = ["organisation"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hold=False)
                | ~Q(on_hold_reason="")
                | Q(on_hold_invoice__isnull=False),
                name="customer_on_hold_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.organisation


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    language = models.CharField(max_length=8, help_text="Language code.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        help_text="Portal login, once the contact has one.",
    )

    class Meta:
        ordering = ["customer", "name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class StaffRole(models.TextChoices):
    AGENT = "agent", "agent"
    MANAGER = "manager", "manager"
    ADMINISTRATOR = "administrator", "administrator"


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices, default=StaffRole.AGENT)
    products = models.ManyToManyField(
        "catalog.Product",
        blank=True,
        related_name="authorised_staff",
        help_text="Products this person is an authorised specialist for.",
    )

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.role})"
