from django.contrib import admin
from django.http import HttpRequest

from supportledger.desk.models import Request, WorkEntry, WorkRating


class WorkRatingInline(admin.TabularInline):
    model = WorkRating
    extra = 0
    fields = readonly_fields = [
        "created_at",
        "current",
        "counted_minutes",
        "billable_minutes",
        "amount",
        "currency",
        "allocations",
        "explanation",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "customer", "subject", "category", "opened_via", "created_at"]
    search_fields = ["subject", "customer__organisation"]
    raw_id_fields = ["customer", "contact", "incident_entitlement"]


@admin.register(WorkEntry)
class WorkEntryAdmin(admin.ModelAdmin):
    """Work is recorded and edited through ``do_record_work``/``do_edit_work``
    (which rate it and post to the ledger), so here it is read-only."""

    list_display = ["work_id", "request", "agent", "started_at", "mode", "category", "product"]
    list_filter = ["mode", "category"]
    search_fields = ["work_id"]
    inlines = [WorkRatingInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
