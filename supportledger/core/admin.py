from django.contrib import admin
from django.http import HttpRequest

from supportledger.core.models import AuditEntry, VendorPolicy


@admin.register(VendorPolicy)
class VendorPolicyAdmin(admin.ModelAdmin):
    """The one policy row: created by ``supportledger init``, edited here."""

    list_display = ["__str__", "uncovered_work", "onsite_minimum_minutes"]
    readonly_fields = ["preset"]
    fieldsets = [
        (None, {"fields": ["preset", "currency", "timezone", "language", "country"]}),
        (
            "Calendar",
            {
                "fields": [
                    "holidays_country",
                    "closures",
                    "extra_working_days",
                    "business_hours",
                    "business_hours_only_modes",
                    "outside_business_hours",
                ]
            },
        ),
        (
            "Rating",
            {
                "fields": [
                    "increment_contract_minutes",
                    "increment_no_contract_minutes",
                    "onsite_minimum_minutes",
                    "service_area",
                    "uncovered_work",
                    "after_hours_multiplier",
                    "kind_defaults",
                ]
            },
        ),
        (
            "Sales",
            {"fields": ["kinds_sold", "channels", "warranty_months", "support_period_months"]},
        ),
        (
            "Renewal and claims",
            {
                "fields": [
                    "renewal_grace_months",
                    "renewal_grace_rate",
                    "renewal_standard_rate",
                    "renewal_term_months",
                    "renewal_round_to",
                    "complaint_business_days",
                    "service_warranty_days",
                    "auto_confirm_days",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
