"""Named reads of the desk: the queue, one request with everything its page
shows, the thread, the cost preview and the first-response watch list.

The request page costs a fixed number of queries whatever the number of
requests, messages, work entries or ledger rows (tests/console assert it);
its thread, work and staff lists are plain rows (no model instances), each
in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import FilteredRelation, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product
from supportledger.core.models import VendorPolicy
from supportledger.core.prepared import Prepared
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer, StaffMember
from supportledger.desk.convert import rules_entitlements, with_passed_over_context
from supportledger.desk.models import (
    ACTIVE_STATUSES,
    Attachment,
    CannedReply,
    Message,
    MoveReason,
    Request,
    SavedFilter,
    Status,
    StatusChange,
    Timer,
    WorkEntry,
    category_label,
    mode_label,
)
from supportledger.desk.search import search_words
from supportledger.entitlements.convert import local_date, policy_on
from supportledger.entitlements.queries import (
    Holdings,
    get_holdings,
)
from supportledger.rules.rating import rate_work
from supportledger.rules.types import MODES, Category, Mode, Rating, RequestRef, RulesError, Work


def list_requests_for_customer(customer: Customer) -> QuerySet[Request]:
    """``customer``'s requests, newest first."""
    return (
        Request.objects.filter(customer=customer)
        .select_related("product", "assignee__user")
        .order_by("-created_at", "-id")
    )


def get_request_for_customer(customer: Customer, pk: Any) -> Request:
    """One of ``customer``'s requests; ``Http404`` for any other id (another
    customer's included), so ids cannot be probed."""
    try:
        return list_requests_for_customer(customer).get(pk=int(pk))
    except (Request.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such request.") from exc


def list_public_messages(request: Request) -> QuerySet[Message]:
    """The thread as the customer sees it: public replies, oldest first."""
    return list_thread(request).filter(internal=False)


def list_thread(request: Request) -> QuerySet[Message]:
    """All messages of ``request`` (notes included), oldest first, with
    authors and attachments loaded: two queries."""
    return (
        Message.objects.filter(request=request)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def list_requests_by_ids(ids: list[int]) -> QuerySet[Request]:
    """The requests of ``ids`` that exist, in id order, for a bulk change."""
    return Request.objects.filter(pk__in=ids).select_related("customer").order_by("id")


def get_request_by_reference(named: str) -> Request | None:
    """The request a person named (``REQ-12``, ``req12`` or ``12``), or None."""
    number = "".join(named.split()).upper().removeprefix("REQ-").removeprefix("REQ")
    if not number.isdigit():
        return None
    return Request.objects.filter(pk=int(number)).first()


def list_saved_filters(agent: StaffMember) -> QuerySet[SavedFilter]:
    """``agent``'s saved queue filters, by name."""
    return SavedFilter.objects.filter(agent=agent).order_by("name")


def list_canned_replies(language: str | None = None) -> QuerySet[CannedReply]:
    """The canned replies (of ``language`` when given), by language and title."""
    rows = CannedReply.objects.order_by("language", "title", "id")
    return rows if language is None else rows.filter(language=language)


def list_status_changes(request: Request) -> QuerySet[StatusChange]:
    """Every move of ``request``'s status, oldest first (one query)."""
    return StatusChange.objects.filter(request=request).order_by("at", "id")


def list_public_thread(request: Request) -> list[Message | StatusChange]:
    """The thread as the customer sees it: public replies and the moves of
    the request's status, oldest first (a move made by a reply right after
    it). Three queries."""
    entries: list[Message | StatusChange] = [
        *list_public_messages(request),
        *list_status_changes(request),
    ]
    entries.sort(key=_thread_order)
    return entries


def _thread_order(entry: Message | StatusChange) -> tuple[datetime, int, int]:
    if isinstance(entry, StatusChange):
        return (entry.at, 1, entry.pk)
    return (entry.created_at, 0, entry.pk)


def status_change_row(
    from_status: str, to_status: str, reason: str, at: datetime, by: str | None
) -> dict[str, Any]:
    """A move of the status as a thread row of the staff page: its labels
    in the active language."""
    labels = dict(Status.choices)
    return {
        "status_change": {
            "from": str(labels.get(from_status, from_status)),
            "to": str(labels.get(to_status, to_status)),
            "reason": str(dict(MoveReason.choices).get(reason, reason)),
            "by": by,
        },
        "created_at": at,
    }


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    assignee: str = ""  # "" any, "me", "none", or a staff id
    customer: str = ""  # customer id
    product: str = ""  # product id
    priority: str = ""
    overdue: bool = False
    search: str = ""


def overdue_first_responses(now: datetime) -> Q:
    """``rules.response.is_first_response_overdue`` as a database filter:
    a target before ``now`` and no first response given."""
    return Q(first_response_at__isnull=True, response_due_at__lt=now)


def list_queue(
    filters: QueueFilters, *, me: StaffMember | None, now: datetime
) -> QuerySet[Request]:
    """The requests matching ``filters``, newest first. ``status`` "active"
    (the default when empty) means not resolved or closed; ``overdue`` = the
    first response is due and not given by ``now``. ``search`` matches the
    reference (``REQ-12`` or ``12``), or every word of it occurs in the
    subject, the customer's name or a message, whatever the case and accents
    (``desk.search``)."""
    rows = Request.objects.select_related("customer", "product", "assignee__user")
    if filters.status in ("", "active"):
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    elif filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.assignee == "me" and me is not None:
        rows = rows.filter(assignee=me)
    elif filters.assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        rows = rows.filter(assignee_id=int(filters.assignee))
    if filters.customer.isdigit():
        rows = rows.filter(customer_id=int(filters.customer))
    if filters.product.isdigit():
        rows = rows.filter(product_id=int(filters.product))
    if filters.priority:
        rows = rows.filter(priority=filters.priority)
    if filters.overdue:
        rows = rows.filter(overdue_first_responses(now), status__in=ACTIVE_STATUSES)
    words = search_words(filters.search)
    if words:
        match = Q()
        for word in words:
            match &= Q(search_text__contains=word)
        number = "".join(words).upper().removeprefix("REQ-").removeprefix("REQ")
        if number.isdigit():
            match |= Q(pk=int(number))
        rows = rows.filter(match)
    return rows.order_by("-created_at", "-id")


QUEUE_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "created_at",
    "response_due_at",
    "first_response_at",
    "response_remaining_minutes",
    "customer_id",
    "customer__organisation",
    "customer__on_hold",
    "product__code",
    "assignee__user__username",
)


def list_queue_page(
    filters: QueueFilters, *, me: StaffMember | None, now: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    """Rows ``offset`` to ``offset + limit`` of ``list_queue`` as plain rows
    of the columns the queue shows (``QUEUE_COLUMNS``), in two statements:
    the page's ids from the requests alone, newest first (a walk of the
    newest-first index that stops at the page), then their columns by id.
    One statement joining the customers would let a planner start from the
    customers and sort every matching request: SQLite does, with statistics,
    at 100 000 requests."""
    ids = list(
        list_queue(filters, me=me, now=now).values_list("id", flat=True)[offset : offset + limit]
    )
    if not ids:
        return []
    rows = {row["id"]: row for row in Request.objects.filter(pk__in=ids).values(*QUEUE_COLUMNS)}
    # A request gone between the two statements (its customer wiped) is left out.
    return [rows[pk] for pk in ids if pk in rows]


def list_response_watch(*, now: datetime, within_minutes: int = 60) -> QuerySet[Request]:
    """Active requests still awaiting a first response whose target is past
    or due within ``within_minutes`` (wall-clock minutes), most urgent first.
    Paused clocks (waiting for the customer) are not listed."""
    return (
        Request.objects.filter(
            status__in=ACTIVE_STATUSES,
            first_response_at__isnull=True,
            response_due_at__isnull=False,
            response_due_at__lte=now + timedelta(minutes=within_minutes),
        )
        .select_related("customer", "assignee__user")
        .order_by("response_due_at", "id")
    )


def get_request_for_staff(pk: Any) -> Request:
    """One request with its related rows in the same query, for the
    console's actions on it."""
    try:
        return Request.objects.select_related(
            "customer",
            "contact",
            "product",
            "licence__product",
            "assignee__user",
            "incident_entitlement",
        ).get(pk=int(pk))
    except (Request.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such request.") from exc


def get_request_for_staff_page(pk: Any) -> Request:
    """One request with what its console page shows, in one query: the
    customer, contact, product and the entitlement an incident was charged
    to (not the licence or the assignee's user, which the page does not
    show)."""
    try:
        found = _REQUEST_FOR_PAGE.objects(int(pk))
    except (TypeError, ValueError) as exc:
        raise Http404("No such request.") from exc
    if not found:
        raise Http404("No such request.")
    return cast(Request, found[0])


_REQUEST_FOR_PAGE = Prepared(
    lambda pk: Request.objects.select_related(
        "customer", "contact", "product", "incident_entitlement"
    ).filter(pk=pk),
    int,
)


_THREAD_ROWS = Prepared(
    lambda request_id: (
        Message.objects.filter(request_id=request_id)
        .order_by("created_at", "id", "attachments__id")
        .values_list(
            "id",
            "internal",
            "body_text",
            "created_at",
            "author_user__username",
            "author_contact__name",
            "attachments__id",
            "attachments__filename",
            "attachments__size",
        )
    ),
    int,
)


def list_thread_for_staff_page(request: Request) -> list[dict[str, Any]]:
    """All messages of ``request`` (notes included), oldest first, as plain
    rows with their authors' names and their attachments, in one query:
    ``{"id", "internal", "body_text", "created_at", "author_user":
    {"username"} | None, "author_contact": {"name"} | None, "attachments":
    [{"pk", "filename", "size"}]}``; and the moves of its status as
    ``{"status_change": {"from", "to", "reason", "by"}, "created_at"}``
    (one more query)."""
    rows = _THREAD_ROWS(request.pk)
    thread: list[dict[str, Any]] = []
    for pk, internal, body, created, user, contact, file_pk, filename, size in rows:
        if not thread or thread[-1]["id"] != pk:
            thread.append(
                {
                    "id": pk,
                    "internal": internal,
                    "body_text": body,
                    "created_at": created,
                    "author_user": None if user is None else {"username": user},
                    "author_contact": None if contact is None else {"name": contact},
                    "attachments": [],
                }
            )
        if file_pk is not None:
            thread[-1]["attachments"].append({"pk": file_pk, "filename": filename, "size": size})
    moves = StatusChange.objects.filter(request=request).values_list(
        "from_status", "to_status", "reason", "at", "by_user__username"
    )
    if moves:
        # Stable sort: a move made by a message at the same instant follows it.
        thread.extend(status_change_row(*move) for move in moves)
        thread.sort(key=lambda row: row["created_at"])
    return thread


@dataclass(frozen=True)
class WorkRow:
    """A piece of work as its line on the request page shows it; ``agent``
    is ``{"user": {"username"}}``."""

    started_at: datetime
    mode: str
    category: str
    agent: dict[str, Any]

    def get_mode_display(self) -> str:
        return mode_label(self.mode)

    def get_category_display(self) -> str:
        return category_label(self.category)


@dataclass(frozen=True)
class RatingRow:
    """The current rating of a piece of work as its line shows it (the
    explanation is rendered from ``steps``, else the stored ``explanation``)."""

    duration_minutes: int
    counted_minutes: int
    amount: Decimal
    currency: str
    explanation: list[str]
    steps: list[Any]
    passed_over: list[Any]


@dataclass(frozen=True)
class WorkLine:
    work: WorkRow
    rating: RatingRow | None


_WORK_ROWS = Prepared(
    lambda request_id: (
        WorkEntry.objects.filter(request_id=request_id)
        .annotate(rating=FilteredRelation("ratings", condition=Q(ratings__current=True)))
        .order_by("-started_at", "-id")
        .values_list(
            "started_at",
            "mode",
            "category",
            "agent__user__username",
            "rating__id",
            "rating__duration_minutes",
            "rating__counted_minutes",
            "rating__amount",
            "rating__currency",
            "rating__explanation",
            "rating__steps",
            "rating__passed_over",
        )
    ),
    int,
)


def list_work_lines(request: Request) -> list[WorkLine]:
    """The work on ``request``, newest first, each with its current rating
    (None before it is rated), as plain rows (no model instances) in one
    query."""
    rows = _WORK_ROWS(request.pk)
    return [
        WorkLine(
            WorkRow(started, mode, category, {"user": {"username": agent}}),
            None
            if rating is None
            else RatingRow(duration, counted, amount, currency, explanation, steps, passed or []),
        )
        for (
            started,
            mode,
            category,
            agent,
            rating,
            duration,
            counted,
            amount,
            currency,
            explanation,
            steps,
            passed,
        ) in rows
    ]


_STAFF_ROWS = Prepared(lambda: StaffMember.objects.values_list("pk", "user__username"))


def list_staff_choices() -> list[dict[str, Any]]:
    """The staff an agent may assign a request to: ``{"pk", "user":
    {"username"}}`` in the staff's default order, one query."""
    return [{"pk": pk, "user": {"username": username}} for pk, username in _STAFF_ROWS()]


_TIMER = Prepared(
    lambda request_id, agent_id: Timer.objects.filter(request_id=request_id, agent_id=agent_id)[:1],
    int,
    int,
)


def get_running_timer(request: Request, agent: StaffMember) -> Timer | None:
    found = _TIMER.objects(request.pk, agent.pk)
    return cast(Timer, found[0]) if found else None


def get_attachment_for_staff(pk: Any) -> Attachment:
    try:
        return Attachment.objects.select_related("message").get(pk=int(pk))
    except (Attachment.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such attachment.") from exc


def get_attachment_for_customer(customer: Customer, pk: Any) -> Attachment:
    """An attachment of a public message of ``customer``'s request; 404
    otherwise (internal notes' files included)."""
    try:
        return Attachment.objects.select_related("message").get(
            pk=int(pk), request__customer=customer, message__internal=False
        )
    except (Attachment.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such attachment.") from exc


def get_customer_holdings(customer: Customer, *, on: date) -> Holdings:
    """What the customer holds on ``on``, loaded once for both the summary
    and a cost preview of that day (one query)."""
    return get_holdings(customer, on=on)


def preview_cost(
    request: Request,
    *,
    mode: str,
    minutes: int,
    category: str | None = None,
    product: Product | None = None,
    city: str | None = None,
    now: datetime,
    policy_row: VendorPolicy | None = None,
    holdings: Holdings | None = None,
) -> Rating | RulesError:
    """What ``minutes`` of work in ``mode`` on ``request`` starting ``now``
    would cost: ``rate_work`` on the customer's entitlements and balances as
    recorded, exactly as ``do_record_work`` would rate it (nothing written).
    ``holdings`` of the customer loaded for the same day saves reading them
    again."""
    product = product or request.product
    if product is None:
        return RulesError("no_product", "Set the request's product to preview the cost.")
    return get_rating_preview(
        request.customer,
        started_at=now,
        ended_at=now + timedelta(minutes=minutes),
        mode=mode,
        category=category or request.category,
        product=product,
        city=city or (request.customer.city if mode == "onsite" else ""),
        request=request,
        policy_row=policy_row,
        holdings=holdings,
    )


def get_rating_preview(
    customer: Customer,
    *,
    started_at: datetime,
    ended_at: datetime,
    mode: str,
    category: str,
    product: Product,
    city: str = "",
    request: Request | None = None,
    policy_row: VendorPolicy | None = None,
    holdings: Holdings | None = None,
) -> Rating | RulesError:
    """What this piece of work would cost ``customer``, from the current
    balances, rated by ``rules.rating.rate_work`` exactly as recording would
    rate it. Reads only; nothing is locked or written, so a recording made
    later may differ if balances move in between."""
    policy_row = policy_row or get_vendor_policy()
    day = local_date(started_at, policy_row.timezone)
    if holdings is None or (holdings.customer_id, holdings.on) != (customer.pk, day):
        holdings = get_holdings(customer, on=day)
    valid = holdings.valid_rows()
    valid_ids = {row.pk for row in valid}
    values = with_passed_over_context(
        valid,
        rules_entitlements(valid, policy_row, day, holdings.used),
        sorted((row for row in holdings.rows if row.pk not in valid_ids), key=lambda row: row.pk),
        policy_row,
        day,
        started_at,
        holdings.used,
        later_work=False,
    )
    charged = request.incident_entitlement if request is not None else None
    work = Work(
        id="preview",
        product=product.code,
        # Unchecked here on purpose: rate_work refuses an unknown mode or
        # category with its own error, as the preview shows it.
        category=cast(Category, category),
        mode=cast(Mode, mode),
        started_at=started_at,
        ended_at=ended_at,
        request=RequestRef(
            id=request.reference if request is not None else "preview",
            opened_via=request.opened_via if request is not None else mode,
            incident_from=charged.reference if charged is not None else None,
        ),
        city=city or None,
    )
    return rate_work(policy_on(policy_row, day), values, work)


# --- What a customer may get ---------------------------------------------------

FEATURE_OF_MODE = {"onsite": "onsite_visits"}
"""A mode the vendor offers only with a feature of its policy switched on."""


@dataclass(frozen=True)
class Eligibility:
    """Whether a customer may get a kind of work by a mode now, and at what
    price: ``amount`` in ``currency`` for the first ``counted_minutes`` (one
    increment), 0 when an entitlement covers it; ``covered_by`` the
    references of what pays. ``code`` says why not (``not_offered``: the
    vendor's policy does not offer it; otherwise the rules' code)."""

    allowed: bool
    code: str = ""
    message: str = ""
    counted_minutes: int = 0
    amount: Decimal = Decimal(0)
    currency: str = ""
    covered_by: tuple[str, ...] = ()


def get_service_eligibility(
    customer: Customer,
    *,
    mode: str,
    category: str,
    product: Product,
    at: datetime,
    feature: str | None = None,
    request: Request | None = None,
    policy_row: VendorPolicy | None = None,
    holdings: Holdings | None = None,
) -> Eligibility:
    """May ``customer`` get ``category`` work on ``product`` by ``mode`` at
    ``at``, and at what price? The one answer the portal, the console and
    the API give before offering anything: the policy's ``feature`` (or the
    mode's own, on-site visits) must be switched on, and the rules must rate
    a first increment of such work without refusing it (``not_entitled``,
    ``outside_service_area``...), from the customer's entitlements that
    day. Reads only. ``policy_row`` / ``holdings`` (the customer's on that
    day) save reading them again when asking for several modes."""
    policy_row = policy_row or get_vendor_policy()
    needed = feature or FEATURE_OF_MODE.get(mode)
    if needed and needed not in (policy_row.features or []):
        return Eligibility(False, "not_offered", _("The vendor does not offer this."))
    rating = get_rating_preview(
        customer,
        started_at=at,
        ended_at=at + timedelta(minutes=1),
        mode=mode,
        category=category,
        product=product,
        city=customer.city if mode == "onsite" else "",
        request=request,
        policy_row=policy_row,
        holdings=holdings,
    )
    if isinstance(rating, RulesError):
        return Eligibility(False, rating.code, rating.message, currency=policy_row.currency)
    return Eligibility(
        True,
        counted_minutes=rating.counted_minutes,
        amount=rating.amount,
        currency=rating.currency,
        covered_by=tuple(dict.fromkeys(a.entitlement for a in rating.allocations)),
    )


def list_service_eligibility(
    customer: Customer,
    *,
    category: str,
    product: Product,
    at: datetime,
    modes: Sequence[str] = MODES,
) -> list[tuple[str, Eligibility]]:
    """:func:`get_service_eligibility` for each of ``modes`` (default: every
    mode), in that order: what the console's customer page and the API's
    ``/customers/{id}/eligibility`` show, the same answer the portal gets."""
    policy_row = get_vendor_policy()
    holdings = get_customer_holdings(customer, on=local_date(at, policy_row.timezone))
    return [
        (
            mode,
            get_service_eligibility(
                customer,
                mode=mode,
                category=category,
                product=product,
                at=at,
                policy_row=policy_row,
                holdings=holdings,
            ),
        )
        for mode in modes
    ]


def list_running_timers(agent: StaffMember) -> QuerySet[Timer]:
    """``agent``'s running timers, oldest first, with their requests' customers."""
    return (
        Timer.objects.filter(agent=agent)
        .select_related("request__customer")
        .order_by("started_at", "id")
    )


def get_running_timer_of(agent: StaffMember, pk: Any) -> Timer:
    """One of ``agent``'s running timers, or 404 (another agent's is not theirs to change)."""
    try:
        return Timer.objects.select_related("request").get(pk=int(pk), agent=agent)
    except (Timer.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such timer.") from exc


def pick_requests(text: str, limit: int = 10) -> list[Request]:
    """Up to ``limit`` + 1 requests whose reference (``REQ-12`` or ``12``),
    subject or customer's name matches ``text``, newest first, customers read
    with them; one query."""
    rows = Request.objects.select_related("customer").order_by("-created_at", "-id")
    term = " ".join(text.split())
    number = term.upper().removeprefix("REQ-").removeprefix("REQ")
    if number.isdigit():
        rows = rows.filter(pk=int(number))
    elif term:
        rows = rows.filter(Q(subject__icontains=term) | Q(customer__organisation__icontains=term))
    return list(rows[: limit + 1])
