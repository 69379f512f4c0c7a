from typing import Any

from django import forms
from django.contrib import admin

from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import (
    check_billing_data,
    do_add_contact,
    do_change_contact_email,
)
from supportledger.customers.models import Contact, Customer, StaffMember


class CustomerAdminForm(forms.ModelForm):
    """The same checks as the actions: VAT id and registration number by
    python-stdnum for the customer's country, stored normalised."""

    class Meta:
        model = Customer
        fields = [
            "organisation",
            "street",
            "postcode",
            "city",
            "country",
            "customer_type",
            "registration_number",
            "vat_id",
            "language",
            "currency",
            "billing_contact",
            "on_hold",
            "on_hold_reason",
            "created_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the customer's own contacts may receive its invoices.
        if "billing_contact" in self.fields:
            field = self.fields["billing_contact"]
            field.queryset = Contact.objects.filter(  # type: ignore[attr-defined]
                customer_id=self.instance.pk or 0
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        probe = Customer(
            country=cleaned.get("country", ""),
            vat_id=cleaned.get("vat_id", ""),
            registration_number=cleaned.get("registration_number", ""),
            customer_type=cleaned.get("customer_type", ""),
        )
        try:
            check_billing_data(probe)
        except ActionRefused as refused:
            field, _sep, reason = refused.message.partition(": ")
            self.add_error(field if field in self.fields else None, reason or field)
            return cleaned
        cleaned.update(
            country=probe.country,
            vat_id=probe.vat_id,
            registration_number=probe.registration_number,
        )
        return cleaned


class ContactInline(admin.TabularInline):
    """Contacts are listed here; adding one or changing an address goes
    through the contact's own page, which mails the verification link."""

    model = Contact
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["email", "email_verified_at"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = [
        "organisation",
        "city",
        "country",
        "customer_type",
        "vat_id",
        "language",
        "currency",
        "on_hold",
    ]
    list_filter = ["country", "customer_type", "language", "on_hold"]
    search_fields = ["organisation", "vat_id", "registration_number", "city", "postcode"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "customer", "language", "email_verified_at"]
    search_fields = ["name", "email", "customer__organisation"]
    raw_id_fields = ["customer", "user"]
    readonly_fields = ["email_verified_at"]

    def save_model(self, request: Any, obj: Contact, form: Any, change: bool) -> None:
        """A new contact or a new address is proven by the link the actions
        mail; staff may give an address another customer's contact has
        (the audit row names that customer)."""
        if not change:
            created = do_add_contact(
                acting_user=request.user,
                customer=obj.customer,
                name=obj.name,
                email=obj.email,
                language=obj.language,
                user=obj.user,
            )
            obj.pk = created.pk
            obj.email_verified_at = created.email_verified_at
            return
        if "email" in form.changed_data:
            new_email = obj.email
            obj.email = Contact.objects.get(pk=obj.pk).email
            super().save_model(request, obj, form, change)
            do_change_contact_email(acting_user=request.user, contact=obj, email=new_email)
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role"]
    list_filter = ["role"]
    filter_horizontal = ["products"]
