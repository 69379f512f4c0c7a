from django.contrib import admin
from django.http import HttpRequest

from supportledger.entitlements.models import (
    Activation,
    AllowanceUsage,
    BalanceAlert,
    Entitlement,
    LedgerEntry,
    Licence,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by actions; the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ActivationInline(admin.TabularInline):
    model = Activation
    extra = 0
    readonly_fields = ["workstation", "activated_at", "deactivated_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["reference", "customer", "product", "sold_on", "seats", "licence_model"]
    list_filter = ["licence_model", "product"]
    search_fields = ["customer__organisation"]
    raw_id_fields = ["customer"]
    inlines = [ActivationInline]


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    fields = readonly_fields = [
        "created_at",
        "reason",
        "minutes_delta",
        "incidents_delta",
        "allowance_month",
        "work_rating",
        "reverses",
        "created_by",
        "note",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnlyAdmin):
    """Entitlements are granted by the sell actions and hold prepaid time: the
    admin shows them; balances are the ledger's."""

    list_display = ["reference", "customer", "kind", "starts", "ends", "balance_minutes"]
    list_filter = ["kind"]
    search_fields = ["customer__organisation"]
    raw_id_fields = ["customer", "licence"]
    filter_horizontal = ["products"]
    readonly_fields = [
        "minutes_granted",
        "incidents_granted",
        "balance_minutes",
        "balance_incidents",
        "created_at",
    ]
    inlines = [LedgerEntryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "entitlement", "reason", "minutes_delta", "incidents_delta", "created_at"]
    list_filter = ["reason"]
    raw_id_fields = ["entitlement", "work_rating", "reverses"]


@admin.register(AllowanceUsage)
class AllowanceUsageAdmin(ReadOnlyAdmin):
    list_display = ["entitlement", "month", "used_minutes"]


@admin.register(BalanceAlert)
class BalanceAlertAdmin(ReadOnlyAdmin):
    list_display = ["entitlement", "threshold", "month", "crossed_at", "notified_at"]
    list_filter = ["threshold"]
