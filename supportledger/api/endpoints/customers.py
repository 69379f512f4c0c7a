"""Customers and their contacts."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from supportledger.api.endpoints.common import acting_user, caller, write
from supportledger.api.idempotency import IdempotencyKey
from supportledger.api.pagination import ListParams, Page, filter_list, page_of
from supportledger.api.responses import responses
from supportledger.api.schemas import (
    ContactIn,
    ContactOut,
    CustomerBillingIn,
    CustomerIn,
    CustomerOut,
)
from supportledger.api.scope import get_scoped, require_staff, scoped
from supportledger.customers.actions import (
    do_add_contact,
    do_create_customer,
    do_update_customer_billing_data,
)
from supportledger.customers.models import Contact, Customer

router = Router(tags=["customers"])


@router.get("/customers", response=responses(Page[CustomerOut]))
def list_customers(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = scoped(Customer.objects.all(), caller(request), "pk")
    queryset = filter_list(queryset, params, customer_field="pk", date_field="created_at")
    return page_of(queryset, params)


@router.get("/customers/{customer_id}", response=responses(CustomerOut))
def get_customer(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Customer.objects.all(), caller(request), "pk", customer_id, "customer")


@router.post("/customers", response=responses(CustomerOut, status=201, write=True))
@write
def create_customer(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: CustomerIn, idempotency_key: IdempotencyKey
):
    require_staff(caller(request))
    customer = do_create_customer(
        acting_user=acting_user(request),
        organisation=body.organisation,
        city=body.city,
        country=body.country,
        language=body.language,
        currency=body.currency,
        vat_id=body.vat_id,
        street=body.street,
        postcode=body.postcode,
        registration_number=body.registration_number,
        customer_type=body.customer_type,
    )
    return Status(201, customer)


@router.post("/customers/{customer_id}/billing", response=responses(CustomerOut, write=True))
@write
def update_customer_billing(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    customer_id: int,
    body: CustomerBillingIn,
    idempotency_key: IdempotencyKey,
):
    """Change the address, registration number, VAT id or business/consumer
    of a customer (a customer token: its own). A wrong VAT id or
    registration number is refused (422) naming the field."""
    customer = get_scoped(Customer.objects.all(), caller(request), "pk", customer_id, "customer")
    changes = {k: v for k, v in body.model_dump(exclude_none=True).items()}
    return do_update_customer_billing_data(
        acting_user=acting_user(request), customer=customer, **changes
    )


@router.get("/contacts", response=responses(Page[ContactOut]))
def list_contacts(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = scoped(Contact.objects.all(), caller(request), "customer_id")
    queryset = filter_list(queryset, params, customer_field="customer_id", date_field=None)
    return page_of(queryset, params)


@router.get("/contacts/{contact_id}", response=responses(ContactOut))
def get_contact(request: HttpRequest, contact_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Contact.objects.all(), caller(request), "customer_id", contact_id, "contact")


@router.post(
    "/customers/{customer_id}/contacts", response=responses(ContactOut, status=201, write=True)
)
@write
def add_contact(  # type: ignore[no-untyped-def]
    request: HttpRequest, customer_id: int, body: ContactIn, idempotency_key: IdempotencyKey
):
    customer = get_scoped(Customer.objects.all(), caller(request), "pk", customer_id, "customer")
    contact = do_add_contact(
        acting_user=acting_user(request),
        customer=customer,
        name=body.name,
        email=body.email,
        language=body.language,
        by_customer=not caller(request).is_staff,
    )
    return Status(201, contact)
