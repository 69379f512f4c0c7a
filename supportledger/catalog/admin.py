from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supportledger.catalog.models import Product, ProductPrice, Release, ServicePrice
from supportledger.core.admin_site import ReadOnlyMoneyAdmin


class ProductPriceInline(admin.TabularInline):
    """Prices are set by ``do_set_product_price`` (dated, audited); shown here only."""

    model = ProductPrice
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "licence_model", "support_period_months", "warranty_months"]
    search_fields = ["code", "name"]
    inlines = [ProductPriceInline]


@admin.register(ServicePrice)
class ServicePriceAdmin(ReadOnlyMoneyAdmin):
    list_display = ["effective_from", "currency", "remote", "onsite", "phone", "travel"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "released_on", "kind"]
    list_filter = ["product", "kind"]
    search_fields = ["version", "notes"]
