from django.contrib import admin

from supportledger.customers.models import Contact, Customer, StaffMember


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["organisation", "city", "country", "language", "currency", "on_hold"]
    list_filter = ["country", "language", "on_hold"]
    search_fields = ["organisation", "vat_id", "city"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "customer", "language"]
    search_fields = ["name", "email", "customer__organisation"]
    raw_id_fields = ["customer", "user"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role"]
    list_filter = ["role"]
    filter_horizontal = ["products"]
