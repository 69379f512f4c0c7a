"""Requests, work entries with their ratings, and the rating preview."""

from __future__ import annotations

from dataclasses import asdict

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Status

from supportledger.api.endpoints.common import acting_user, caller, write
from supportledger.api.errors import ApiError
from supportledger.api.idempotency import IdempotencyKey
from supportledger.api.pagination import ListParams, Page, PageParams, filter_list, page_of
from supportledger.api.responses import responses
from supportledger.api.schemas import (
    MessageIn,
    MessageOut,
    RatingPreviewIn,
    RatingPreviewOut,
    RequestIn,
    RequestOut,
    WorkEntryOut,
    WorkIn,
)
from supportledger.api.scope import get_scoped, require_staff, scoped
from supportledger.catalog.models import Product
from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.desk.queries import get_rating_preview, list_public_messages, list_thread
from supportledger.entitlements.models import Licence
from supportledger.rules.explanation import steps_to_json
from supportledger.rules.types import RulesError

router = Router(tags=["desk"])


@router.get("/requests", response=responses(Page[RequestOut]))
def list_requests(request: HttpRequest, params: Query[ListParams]):  # type: ignore[no-untyped-def]
    queryset = scoped(Request.objects.all(), caller(request), "customer_id")
    queryset = filter_list(queryset, params, customer_field="customer_id", date_field="created_at")
    return page_of(queryset, params)


@router.get("/requests/{request_id}", response=responses(RequestOut))
def get_request(request: HttpRequest, request_id: int):  # type: ignore[no-untyped-def]
    return get_scoped(Request.objects.all(), caller(request), "customer_id", request_id, "request")


@router.post("/requests", response=responses(RequestOut, status=201, write=True))
@write
def open_request(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: RequestIn, idempotency_key: IdempotencyKey
):
    """Open a request; a customer's own token may open one for its customer."""
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    contact = None
    if body.contact is not None:
        contact = get_scoped(
            Contact.objects.filter(customer=customer),
            who,
            "customer_id",
            body.contact,
            "contact",
            "contact",
        )
    product = None
    if body.product is not None:
        product = get_scoped(Product.objects.all(), who, None, body.product, "product", "product")
    opened = do_open_request(
        acting_user=acting_user(request),
        customer=customer,
        subject=body.subject,
        category=body.category,
        opened_via=body.opened_via,
        contact=contact,
        product=product,
    )
    return Status(201, opened)


def _thread_of(request: HttpRequest, request_id: int):  # type: ignore[no-untyped-def]
    """The request's thread as the caller may read it: a customer sees public replies only."""
    who = caller(request)
    desk_request = get_scoped(Request.objects.all(), who, "customer_id", request_id, "request")
    return list_thread(desk_request) if who.is_staff else list_public_messages(desk_request)


@router.get("/requests/{request_id}/messages", response=responses(Page[MessageOut]))
def list_messages(  # type: ignore[no-untyped-def]
    request: HttpRequest, request_id: int, params: Query[PageParams]
):
    """The thread, oldest first; internal notes only for staff."""
    queryset = filter_list(
        _thread_of(request, request_id), params, customer_field=None, date_field="created_at"
    )
    return page_of(queryset, params)


@router.post(
    "/requests/{request_id}/messages", response=responses(MessageOut, status=201, write=True)
)
@write
def post_message(  # type: ignore[no-untyped-def]
    request: HttpRequest, request_id: int, body: MessageIn, idempotency_key: IdempotencyKey
):
    """Reply on the thread. A customer's token replies publicly as its contact;
    a staff token replies, or with ``internal`` writes a note the customer never sees."""
    who = caller(request)
    desk_request = get_scoped(Request.objects.all(), who, "customer_id", request_id, "request")
    author_contact = None
    if not who.is_staff:
        if body.internal:
            raise ApiError(
                403,
                "staff_only",
                "internal: only a vendor (staff) token may write a note.",
                "internal",
            )
        author_contact = who.token.contact
    message = do_post_message(
        acting_user=acting_user(request),
        request=desk_request,
        body_text=body.body_text,
        internal=body.internal,
        author_contact=author_contact,
    )
    return Status(201, list_thread(desk_request).get(pk=message.pk))


def _work_entries(request: HttpRequest):  # type: ignore[no-untyped-def]
    return scoped(
        WorkEntry.objects.select_related("request").prefetch_related(
            Prefetch("ratings", queryset=WorkRating.objects.order_by("-created_at", "-id"))
        ),
        caller(request),
        "request__customer_id",
    )


def _work_out(work: WorkEntry) -> WorkEntry:
    # The customer is the request's; set for the output schema (no query: selected).
    work.customer = work.request.customer_id  # type: ignore[attr-defined]
    return work


@router.get("/work-entries", response=responses(Page[WorkEntryOut]))
def list_work_entries(  # type: ignore[no-untyped-def]
    request: HttpRequest, params: Query[ListParams]
):
    queryset = filter_list(
        _work_entries(request),
        params,
        customer_field="request__customer_id",
        date_field="started_at",
    )
    page = page_of(queryset, params)
    page["items"] = [_work_out(work) for work in page["items"]]
    return page


@router.get("/work-entries/{work_entry_id}", response=responses(WorkEntryOut))
def get_work_entry(request: HttpRequest, work_entry_id: int):  # type: ignore[no-untyped-def]
    work = get_scoped(_work_entries(request), caller(request), None, work_entry_id, "work entry")
    return _work_out(work)


@router.post("/work-entries", response=responses(WorkEntryOut, status=201, write=True))
@write
def record_work(  # type: ignore[no-untyped-def]
    request: HttpRequest, body: WorkIn, idempotency_key: IdempotencyKey
):
    """Record a piece of work on a request: rated and charged at once."""
    who = caller(request)
    desk_request = get_scoped(
        Request.objects.select_related("customer"),
        who,
        "customer_id",
        body.request,
        "request",
        "request",
    )
    licence = None
    if body.licence is not None:
        licence = get_scoped(
            Licence.objects.filter(customer_id=desk_request.customer_id),
            who,
            "customer_id",
            body.licence,
            "licence",
            "licence",
        )
    product = get_scoped(Product.objects.all(), who, None, body.product, "product", "product")
    require_staff(who)
    if body.agent is not None:
        agent = StaffMember.objects.filter(pk=body.agent).first()
        if agent is None:
            raise ApiError(404, "not_found", f"No such staff member: {body.agent}.", "agent")
    else:
        agent = StaffMember.objects.filter(user_id=who.user_id).first()
        if agent is None:
            raise ApiError(
                422,
                "missing_field",
                "agent: the token's user is not a staff member; name one.",
                "agent",
            )
    if body.ended_at <= body.started_at:
        raise ApiError(422, "invalid_field", "ended_at: must be after started_at.", "ended_at")
    work = do_record_work(
        acting_user=acting_user(request),
        work_id=body.work_id,
        request=desk_request,
        agent=agent,
        started_at=body.started_at,
        ended_at=body.ended_at,
        mode=body.mode,
        category=body.category,
        product=product,
        city=body.city,
        licence=licence,
    )
    if work.request.customer_id != desk_request.customer_id:
        # The work id was already used for another customer's work.
        raise ApiError(409, "work_id_taken", "work_id: already used.", "work_id")
    return Status(201, _work_out(_work_entries(request).get(pk=work.pk)))


@router.post("/rating-preview", response=responses(RatingPreviewOut, write=False))
def preview_rating(request: HttpRequest, body: RatingPreviewIn):  # type: ignore[no-untyped-def]
    """What a piece of work would cost the customer now. Writes nothing."""
    who = caller(request)
    customer = get_scoped(Customer.objects.all(), who, "pk", body.customer, "customer", "customer")
    desk_request = None
    if body.request is not None:
        desk_request = get_scoped(
            Request.objects.filter(customer=customer),
            who,
            "customer_id",
            body.request,
            "request",
            "request",
        )
    product = get_scoped(Product.objects.all(), who, None, body.product, "product", "product")
    rating = get_rating_preview(
        customer,
        started_at=body.started_at,
        ended_at=body.ended_at,
        mode=body.mode,
        category=body.category,
        product=product,
        city=body.city,
        request=desk_request,
    )
    if isinstance(rating, RulesError):
        raise ApiError(422, rating.code, rating.message)
    return {
        **asdict(rating),
        "allocations": [asdict(a) for a in rating.allocations],
        "incidents": [asdict(i) for i in rating.incidents],
        "explanation": list(rating.explanation),
        "steps": steps_to_json(rating.steps),
    }
