from typing import Any

from django.contrib import admin

from supportledger.customers.actions import do_add_contact, do_change_contact_email
from supportledger.customers.models import Contact, Customer, StaffMember


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
    list_display = ["organisation", "city", "country", "language", "currency", "on_hold"]
    list_filter = ["country", "language", "on_hold"]
    search_fields = ["organisation", "vat_id", "city"]
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
