"""Customers and their contacts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

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
    EligibilityOut,
    EligibilityQuery,
)
from supportledger.api.scope import get_scoped, require_staff, scoped
from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import (
    do_add_contact,
    do_create_customer,
    do_update_customer_billing_data,
)
from supportledger.customers.models import Contact, Customer
from supportledger.desk.queries import list_service_eligibility
from supportledger.rules.types import MODES

router = Router(tags=["customers"])


@router.get("/customers", response=responses(Page[CustomerOut]))
def list_customers(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = scoped(Customer.objects.all(), caller(request), "pk")
    queryset = filter_list(queryset, params, customer_field="pk", date_field="created_at")
    return page_of(queryset, params)


@router.get("/customers/{customer_id}", response=responses(CustomerOut))
def get_customer(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Customer.objects.all(), caller(request), "pk", customer_id, "customer")


@router.get("/customers/{customer_id}/eligibility", response=responses(EligibilityOut))
def get_customer_eligibility(  # type: ignore[no-untyped-def]
    request: HttpRequest, customer_id: int, params: Query[EligibilityQuery]
):
    """What the customer may get by each mode (or ``mode``) for ``category``
    work on ``product`` starting ``at`` (default now), and the price of its
    first increment: the vendor's features and the rules' rating of the
    customer's entitlements, the same answer as the console's customer page
    and the portal (``desk.queries.get_service_eligibility``). A customer's
    token asks only about its own customer (another answers 404)."""
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", customer_id, "customer")
    product = get_scoped(Product.objects.all(), who, None, params.product, "product", "product")
    at = params.at or clock.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(get_vendor_policy().timezone))
    modes = (params.mode,) if params.mode else MODES
    answers = list_service_eligibility(
        customer, category=params.category, product=product, at=at, modes=modes
    )
    return {
        "customer": customer.pk,
        "product": product.pk,
        "category": params.category,
        "at": at,
        "modes": [
            {
                "mode": mode,
                "allowed": answer.allowed,
                "code": answer.code,
                "message": answer.message,
                "counted_minutes": answer.counted_minutes,
                "amount": answer.amount,
                "currency": answer.currency,
                "covered_by": list(answer.covered_by),
            }
            for mode, answer in answers
        ],
    }


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
