"""Products with their price history, the service price list, releases: vendor-wide data."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from supportledger.api.endpoints.common import caller
from supportledger.api.pagination import Page, PageParams, filter_list, page_of
from supportledger.api.responses import responses
from supportledger.api.schemas import ProductOut, ProductPriceOut, ReleaseOut, ServicePriceOut
from supportledger.api.scope import get_scoped
from supportledger.catalog.models import Product, ProductPrice, Release, ServicePrice

router = Router(tags=["catalog"])


@router.get("/products", response=responses(Page[ProductOut]))
def list_products(request: HttpRequest, params: Query[PageParams]):  # type: ignore[no-untyped-def]
    queryset = filter_list(Product.objects.all(), params, customer_field=None, date_field=None)
    return page_of(queryset, params)


@router.get("/products/{product_id}", response=responses(ProductOut))
def get_product(request: HttpRequest, product_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Product.objects.all(), caller(request), None, product_id, "product")


@router.get("/products/{product_id}/prices", response=responses(Page[ProductPriceOut]))
def list_product_prices(  # type: ignore[no-untyped-def]
    request: HttpRequest, product_id: int, params: Query[PageParams]
):
    product = get_scoped(Product.objects.all(), caller(request), None, product_id, "product")
    queryset = filter_list(
        ProductPrice.objects.filter(product=product),
        params,
        customer_field=None,
        date_field="effective_from",
    )
    return page_of(queryset, params)


@router.get("/service-prices", response=responses(Page[ServicePriceOut]))
def list_service_prices(  # type: ignore[no-untyped-def]
    request: HttpRequest, params: Query[PageParams]
):
    queryset = filter_list(
        ServicePrice.objects.all(), params, customer_field=None, date_field="effective_from"
    )
    return page_of(queryset, params)


@router.get("/releases", response=responses(Page[ReleaseOut]))
def list_releases(request: HttpRequest, params: Query[PageParams]):  # type: ignore[no-untyped-def]
    queryset = filter_list(
        Release.objects.all(), params, customer_field=None, date_field="released_on"
    )
    return page_of(queryset, params)


@router.get("/releases/{release_id}", response=responses(ReleaseOut))
def get_release(request: HttpRequest, release_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Release.objects.all(), caller(request), None, release_id, "release")
