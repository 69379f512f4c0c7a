from django.contrib import admin

from supportledger.catalog.models import Product, ProductPrice, Release, ServicePrice


class ProductPriceInline(admin.TabularInline):
    model = ProductPrice
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "licence_model", "support_period_months", "warranty_months"]
    search_fields = ["code", "name"]
    inlines = [ProductPriceInline]


@admin.register(ServicePrice)
class ServicePriceAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "currency", "remote", "onsite", "phone", "travel"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "released_on", "kind"]
    list_filter = ["product", "kind"]
    search_fields = ["version", "notes"]
