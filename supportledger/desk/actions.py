"""Writes of the desk: opening requests, recording and re-rating work.

Recording work is where the ledger is drawn on. In one transaction it locks
the request and every entitlement the customer holds that day (in id order,
so two recordings never deadlock), reads their balances under the lock,
rates the work with ``rules.rating.rate_work`` and posts the consumptions.
On PostgreSQL the locks are ``SELECT ... FOR UPDATE``; on SQLite the
IMMEDIATE transaction mode already serialises writers.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import unicodedata
import uuid
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product
from supportledger.core import clock, policy_cache
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.html import sanitise_html
from supportledger.core.input import FUTURE_WORK_TOLERANCE
from supportledger.core.models import VendorPolicy
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.desk.convert import (
    RECENTLY_EXPIRED,
    business_calendar,
    with_passed_over_context,
)
from supportledger.desk.convert import rules_entitlements as _rules_entitlements
from supportledger.desk.locking import Locked, lock_for_rating
from supportledger.desk.models import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    Attachment,
    CannedReply,
    Message,
    Mode,
    MoveReason,
    Priority,
    Request,
    SavedFilter,
    Status,
    StatusChange,
    Timer,
    WorkEntry,
    WorkRating,
    request_reference,
)
from supportledger.desk.search import MAX_SEARCH_TEXT, fold, search_text_of
from supportledger.entitlements.actions import post_entry, reverse_entry
from supportledger.entitlements.convert import (
    allocation_consumes_allowance,
    local_date,
    month_start,
    policy_on,
    previous_month_start,
)
from supportledger.entitlements.models import (
    Entitlement,
    Kind,
    LedgerEntry,
    Licence,
    Reason,
)
from supportledger.rules.explanation import steps_to_json
from supportledger.rules.rating import rate_work
from supportledger.rules.response import first_response_due, response_target_minutes
from supportledger.rules.types import (
    CATEGORIES,
    MODES,
    PassedOver,
    RequestRef,
    RulesError,
    Work,
    as_category,
    as_mode,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def do_open_request(
    *,
    acting_user: User | None,
    customer: Customer,
    subject: str,
    body: str = "",
    category: str,
    channel: str | None = None,
    contact: Contact | None = None,
    product: Product | None = None,
    licence: Licence | None = None,
    priority: str = Priority.NORMAL,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    source_message_id: str | None = None,
    now: datetime | None = None,
    opened_via: str | None = None,
) -> Request:
    """Open a request for ``customer`` that came in through ``channel`` (one
    of the policy's channels; the portal and e-mail are always open). ``body``
    becomes the first public message of the thread, from ``contact``.

    Idempotent on ``source_message_id``: opening again with the Message-ID of
    an e-mail that already opened a request returns that request. The
    first-response target is the tightest ``response_business_minutes`` of
    the customer's contracts valid today, counted in business time. A phone
    request for a customer holding an incident pack consumes one incident now
    (the pack chosen by the same rating rules that charge work).
    ``opened_via`` is the older name of ``channel``, still accepted."""
    at = now or clock.now()
    channel = channel or opened_via
    if channel is None:
        raise ActionRefused("invalid", "channel: " + _("say how the request came in."))
    if source_message_id:
        existing = Request.objects.filter(source_message_id=source_message_id).first()
        if existing is not None:
            return existing
    policy_row = get_vendor_policy()
    subject = " ".join(subject.split())
    if not subject:
        raise ActionRefused("invalid", "subject: " + _("a request needs a subject."))
    if category not in CATEGORIES:
        raise ActionRefused(
            "invalid",
            "category: " + _("unknown category %(category)s.") % {"category": repr(category)},
        )
    if channel not in allowed_channels(policy_row):
        raise ActionRefused(
            "invalid",
            "channel: "
            + _("%(channel)s is not offered; one of %(allowed)s.")
            % {"channel": repr(channel), "allowed": ", ".join(allowed_channels(policy_row))},
        )
    if priority not in Priority.values:
        raise ActionRefused(
            "invalid",
            "priority: " + _("unknown priority %(priority)s.") % {"priority": repr(priority)},
        )
    if contact is not None and contact.customer_id != customer.pk:
        raise ActionRefused(
            "wrong_customer", "contact: " + _("the contact belongs to another customer.")
        )
    if licence is not None:
        if licence.customer_id != customer.pk:
            raise ActionRefused(
                "wrong_customer", "licence: " + _("the licence belongs to another customer.")
            )
        if product is None:
            product = licence.product
        elif licence.product_id != product.pk:
            raise ActionRefused(
                "wrong_product",
                "licence: "
                + _("the licence is for %(licence)s, not %(product)s.")
                % {"licence": licence.product.code, "product": product.code},
            )
    files = [_check_attachment(*item) for item in attachments]
    request = Request.objects.create(
        customer=customer,
        contact=contact,
        product=product,
        licence=licence,
        category=category,
        channel=channel,
        opened_via=mode_of_channel(channel),
        subject=subject[:200],
        priority=priority,
        source_message_id=source_message_id or "",
        search_text=search_text_of(subject[:200], customer.organisation, [body]),
        created_at=at,
        updated_at=at,
    )
    _start_response_clock(request, policy_row, at)
    if body.strip() or files:
        message = Message.objects.create(
            request=request,
            internal=False,
            author_contact=contact,
            author_user=None if contact is not None else _user_or_none(acting_user),
            body_text=body,
            created_at=at,
        )
        _store_attachments(message, files, at)
    if request.opened_via == Mode.PHONE:
        _charge_incident_on_opening(request, policy_row, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.OPEN_REQUEST,
        obj=request,
        at=at,
        detail={"channel": channel, "customer": customer.pk},
    )
    return request


def do_record_work(
    *,
    acting_user: User | None,
    work_id: str,
    request: Request,
    agent: StaffMember,
    started_at: datetime,
    ended_at: datetime,
    mode: str,
    category: str,
    product: Product,
    city: str | None = None,
    licence: Licence | None = None,
    now: datetime | None = None,
) -> WorkEntry:
    """Record, rate and charge one piece of work. Idempotent on ``work_id``:
    recording it again returns the existing entry and writes nothing.

    Raises ``ActionRefused`` (nothing written) when the agent is not
    authorised for the product, the customer is on hold, rows of another
    customer are mixed in (``wrong_customer``), the licence is for another
    product (``wrong_product``), or the rules refuse (``not_entitled``,
    ``outside_service_area``, ``invalid_work``).
    """
    at = now or clock.now()
    # The policy version is read once for the whole recording.
    held = policy_cache.current()
    try:
        with transaction.atomic():
            return _record_work(
                acting_user=acting_user,
                work_id=work_id,
                request=request,
                agent=agent,
                started_at=started_at,
                ended_at=ended_at,
                mode=mode,
                category=category,
                product=product,
                city=city,
                licence=licence,
                at=at,
                held=held,
            )
    except IntegrityError:
        # Another transaction recorded the same work id first.
        existing = WorkEntry.objects.filter(work_id=work_id).first()
        if existing is None:
            raise
        return existing


def _record_work(
    *,
    acting_user: User | None,
    work_id: str,
    request: Request,
    agent: StaffMember,
    started_at: datetime,
    ended_at: datetime,
    mode: str,
    category: str,
    product: Product,
    city: str | None,
    licence: Licence | None,
    at: datetime,
    held: policy_cache.Snapshot,
) -> WorkEntry:
    _check_not_in_the_future(ended_at, at)
    policy_row = get_vendor_policy(held)
    # One statement locks the request and the entitlements valid that day
    # and reads everything the checks below and the rating need.
    day = local_date(started_at, policy_row.timezone)
    locked = lock_for_rating(
        request.pk,
        day=day,
        month=month_start(day),
        last_month=previous_month_start(day),
        work_id=work_id,
        agent_id=agent.pk,
        product_id=product.pk,
    )
    if locked.existing_work_id is not None:
        return WorkEntry.objects.get(pk=locked.existing_work_id)
    if locked.on_hold:
        customer = Customer.objects.get(pk=locked.request.customer_id)
        raise ActionRefused(
            "customer_on_hold",
            _("%(customer)s is on hold (%(reason)s).")
            % {"customer": customer, "reason": describe_hold_reason(customer)},
        )
    owners = {"licence": licence.customer_id if licence is not None else None, **locked.owners}
    _refuse_another_customer(locked.request.customer_id, owners)
    _check_same_product(product, licence)
    if not locked.authorised:
        _refuse_unauthorised(agent, product)
    # Saved by _rate_and_post once the rules have accepted the work.
    work = WorkEntry(
        work_id=work_id,
        request=request,
        agent=agent,
        started_at=started_at,
        ended_at=ended_at,
        mode=mode,
        category=category,
        product=product,
        licence=licence,
        city=city or "",
        created_at=at,
    )
    rating = _rate_and_post(work, acting_user=acting_user, at=at, held=held, locked=locked)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RECORD_WORK,
        obj=work,
        at=at,
        detail=_rating_detail(rating),
    )
    return work


def _rating_detail(rating: WorkRating) -> dict[str, Any]:
    """What the audit log keeps of a rating."""
    return {
        "rating": rating.pk,
        "counted": rating.counted_minutes,
        "billable": rating.billable_minutes,
        "amount": str(rating.amount),
    }


def _check_not_in_the_future(ended_at: datetime, at: datetime) -> None:
    """Refuse work that ends more than ``FUTURE_WORK_TOLERANCE`` after now
    (the wall clock, or the action's ``at`` when that is later): work is
    recorded once done, and a clock a few minutes fast is fine. Every door
    checks this too, with its own words; here it holds for every caller."""
    if ended_at > max(at, clock.now()) + FUTURE_WORK_TOLERANCE:
        raise ActionRefused(
            "work_in_future",
            "ended_at: " + _("work is recorded once done: it cannot end in the future."),
        )


def _check_same_customer(request: Request, licence: Licence | None) -> None:
    """Refuse work that would point the request's customer at another
    customer's rows: the licence worked on, or the contact, licence or
    incident pack already on the request."""
    _refuse_another_customer(
        request.customer_id,
        {
            field: row.customer_id if row is not None else None
            for field, row in (
                ("licence", licence),
                ("contact", request.contact),
                ("request licence", request.licence),
                ("incident pack", request.incident_entitlement),
            )
        },
    )


def _refuse_another_customer(customer_id: int, owners: dict[str, int | None]) -> None:
    """``wrong_customer`` for the first row (by field) held by another
    customer than ``customer_id``; ``owners`` maps field to its row's
    customer id, None when the field is empty."""
    for field, owner in owners.items():
        if owner is not None and owner != customer_id:
            raise ActionRefused(
                "wrong_customer",
                f"{field}: " + _("it belongs to another customer than the request."),
            )


def _check_same_product(product: Product, licence: Licence | None) -> None:
    """Refuse work whose licence is for another product than the work: it
    would be rated against one product's warranty and support while the
    licence (and its activations) says another."""
    if licence is not None and licence.product_id != product.pk:
        raise ActionRefused(
            "wrong_product",
            "licence: "
            + _("the licence is for %(licence)s, the work for %(product)s.")
            % {"licence": licence.product.code, "product": product.code},
        )


def _check_authorised(agent: StaffMember, product: Product) -> None:
    if not agent.products.filter(pk=product.pk).exists():
        _refuse_unauthorised(agent, product)


def _refuse_unauthorised(agent: StaffMember, product: Product) -> NoReturn:
    raise ActionRefused(
        "agent_not_authorised",
        _("%(agent)s is not an authorised specialist for %(product)s.")
        % {"agent": agent, "product": product.code},
    )


@transaction.atomic
def do_edit_work(
    *,
    acting_user: User | None,
    work: WorkEntry,
    now: datetime | None = None,
    **changes: Any,
) -> WorkEntry:
    """Change a recorded piece of work (``started_at``, ``ended_at``, ``mode``,
    ``category``, ``product``, ``city``, ``agent``, ``licence``) and re-rate
    it. The licence and the request's rows are checked again: one of another
    customer refuses the edit with ``wrong_customer``, a licence of another
    product than the work with ``wrong_product``; nothing written."""
    allowed = {"started_at", "ended_at", "mode", "category", "product", "city", "agent", "licence"}
    unknown = set(changes) - allowed
    if unknown:
        raise ActionRefused(
            "invalid",
            _("Cannot edit %(fields)s of work.") % {"fields": ", ".join(sorted(unknown))},
        )
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().get(pk=work.pk)
    _check_not_invoiced(work)
    before = {name: str(getattr(work, name)) for name in changes}
    for name, value in changes.items():
        setattr(work, name, value if name != "city" else value or "")
    if "ended_at" in changes:
        _check_not_in_the_future(work.ended_at, at)
    _check_same_customer(work.request, work.licence)
    _check_same_product(work.product, work.licence)
    _check_authorised(work.agent, work.product)
    work.save(update_fields=list(changes))
    _rerate(work, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.EDIT_WORK,
        obj=work,
        at=at,
        detail={"before": before, "after": {name: str(getattr(work, name)) for name in changes}},
    )
    return work


@transaction.atomic
def do_rerate_work(
    *, acting_user: User | None, work: WorkEntry, now: datetime | None = None
) -> WorkRating:
    """Rate ``work`` again against the entitlements as they are now recorded
    (after a retroactive change): the old rating's ledger entries are
    reversed, new ones posted, the old rating kept with ``current=False``."""
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().get(pk=work.pk)
    _check_not_invoiced(work)
    _check_same_customer(work.request, work.licence)
    _check_same_product(work.product, work.licence)
    rating = _rerate(work, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RERATE_WORK,
        obj=work,
        at=at,
        detail=_rating_detail(rating),
    )
    return rating


def _rerate(work: WorkEntry, *, acting_user: User | None, at: datetime) -> WorkRating:
    _reverse_current_rating(work, acting_user=acting_user, at=at)
    return _rate_and_post(work, acting_user=acting_user, at=at)


def _reverse_current_rating(work: WorkEntry, *, acting_user: User | None, at: datetime) -> None:
    """Reverse the consumptions of ``work``'s current rating and keep the
    rating with ``current=False``; the caller rates the work again."""
    old = WorkRating.objects.filter(work=work, current=True).first()
    if old is not None:
        entries = list(
            LedgerEntry.objects.filter(
                work_rating=old, reason=Reason.CONSUME, reversed_by__isnull=True
            )
        )
        locked = _lock(work.request, extra={e.entitlement_id for e in entries}, work=work)
        for entry in entries:
            entry.entitlement = locked.row(entry.entitlement_id)
            reverse_entry(entry, acting_user=acting_user, at=at, note="re-rated")
            if entry.incidents_delta and locked.request.incident_entitlement_id == (
                entry.entitlement_id
            ):
                locked.request.incident_entitlement = None
                locked.request.save(update_fields=["incident_entitlement"])
        old.current = False
        old.save(update_fields=["current"])


def _invoiced() -> Any:
    """Active invoice lines (draft or issued) billing the outer work entry;
    the billing app is looked up by name, as it builds on the desk."""
    invoice_line = apps.get_model("billing", "InvoiceLine")
    return invoice_line.objects.filter(work_id=OuterRef("pk"), active=True)


def _check_not_invoiced(work: WorkEntry) -> None:
    """Work on an invoice keeps the rating it was invoiced at: re-rating it
    would change a charge the invoice no longer follows."""
    if WorkEntry.objects.filter(pk=work.pk).filter(Exists(_invoiced())).exists():
        raise ActionRefused(
            "invoiced",
            "work: "
            + _(
                "%(work)s is on an invoice; cancel the draft, or correct an issued "
                "invoice with a credit note."
            )
            % {"work": work.work_id},
        )


def do_rerate_since(
    *,
    acting_user: User | None,
    customer_id: int,
    since: date,
    request_id: int | None = None,
    now: datetime | None = None,
) -> list[WorkRating]:
    """Re-rate the customer's recorded work started on or after ``since``
    (policy time zone) that is on no invoice, after a retroactive change of
    its entitlements; only the work of request ``request_id`` when given (a
    grant that covers nothing else leaves the rest as it is). All of it is
    reversed first and then rated again in the order it was done, so each
    piece draws on the balances as they would have stood. Rated in a
    savepoint: if the rules refuse any piece, every rating stays as it was
    and the refusal is audited."""
    at = now or clock.now()
    policy_row = get_vendor_policy()
    start = datetime.combine(since, time(0), ZoneInfo(policy_row.timezone))
    with transaction.atomic():
        # Work, then requests, then entitlements, each in id order: the order
        # in which editing and recording work lock them.
        works = list(
            WorkEntry.objects.select_for_update(of=("self",))
            .filter(request__customer_id=customer_id, started_at__gte=start)
            .filter(Q() if request_id is None else Q(request_id=request_id))
            .filter(~Exists(_invoiced()))
            .select_related("request")
            .order_by("pk")
        )
        if not works:
            return []
        request_ids = sorted({work.request_id for work in works})
        list(Request.objects.select_for_update().filter(pk__in=request_ids).order_by("pk"))
        list(
            Entitlement.objects.select_for_update()
            .filter(customer_id=customer_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        works.sort(key=lambda work: (work.started_at, work.pk))
        try:
            with transaction.atomic():
                for work in works:
                    _reverse_current_rating(work, acting_user=acting_user, at=at)
                ratings = [_rate_and_post(w, acting_user=acting_user, at=at) for w in works]
        except ActionRefused as refused:
            write_audit(
                acting_user=acting_user,
                action=AuditAction.RERATE_REFUSED,
                obj=Customer.objects.get(pk=customer_id),
                at=at,
                detail={"since": str(since), "code": refused.code, "message": refused.message},
            )
            return []
        for work, rating in zip(works, ratings, strict=True):
            write_audit(
                acting_user=acting_user,
                action=AuditAction.RERATE_WORK,
                obj=work,
                at=at,
                detail={"since": str(since), **_rating_detail(rating)},
            )
    return ratings


def _lock(
    request: Request,
    *,
    extra: set[int],
    work: WorkEntry,
    policy_row: VendorPolicy | None = None,
) -> Locked:
    """Lock the request, then the customer's entitlements valid on the work's
    day (plus ``extra``), in id order: one statement (``desk.locking``).
    Refuses an entitlement of another customer."""
    policy_row = policy_row or get_vendor_policy()
    day = local_date(work.started_at, policy_row.timezone)
    locked = lock_for_rating(
        request.pk,
        day=day,
        month=month_start(day),
        last_month=previous_month_start(day),
        extra=extra,
    )
    if any(row.customer_id != locked.request.customer_id for row in locked.held.values()):
        raise ActionRefused("wrong_customer", _("An entitlement belongs to another customer."))
    return locked


def _others_to_explain(customer_id: int, day: date, *, exclude: Iterable[int]) -> Any:
    """The customer's entitlements not valid on ``day`` that a rating names
    as not paying: not yet valid, or expired within ``RECENTLY_EXPIRED``
    (read, not locked: they pay nothing)."""
    return (
        Entitlement.objects.filter(customer_id=customer_id)
        .filter(Q(starts__gt=day) | Q(ends__lt=day, ends__gte=day - RECENTLY_EXPIRED))
        .exclude(pk__in=list(exclude))
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    )


def passed_over_to_json(passed: Iterable[PassedOver]) -> list[dict[str, Any]]:
    """A rating's ``passed_over`` as stored on ``WorkRating.passed_over``."""
    return [
        {"entitlement": p.entitlement, "kind": p.kind, "reason": p.reason, "args": dict(p.args)}
        for p in passed
    ]


def _rate_and_post(
    work: WorkEntry,
    *,
    acting_user: User | None,
    at: datetime,
    held: policy_cache.Snapshot | None = None,
    locked: Locked | None = None,
) -> WorkRating:
    """Rate ``work`` on the entitlements ``locked`` holds (locked here when
    not given), save it, its rating and the ledger entries charging it.
    ``held``: the policy cache's snapshot, when the caller read it."""
    held = held or policy_cache.current()
    policy_row = get_vendor_policy(held)
    day = local_date(work.started_at, policy_row.timezone)
    month = month_start(day)
    if locked is None:
        locked = _lock(work.request, extra=set(), work=work, policy_row=policy_row)
    request = locked.request
    if request.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", _("The request belongs to another customer."))
    kind_defaults = kind_defaults_from_row(policy_row)
    values = with_passed_over_context(
        list(locked.held.values()),
        _rules_entitlements(locked.held.values(), policy_row, day, locked.used),
        _others_to_explain(request.customer_id, day, exclude=locked.held.keys()),
        policy_row,
        day,
        work.started_at,
    )
    by_reference = {row.reference: row.pk for row in locked.held.values()}
    rules_work = Work(
        id=work.work_id,
        product=work.product.code,
        category=as_category(work.category),
        mode=as_mode(work.mode),
        started_at=work.started_at,
        ended_at=work.ended_at,
        request=RequestRef(
            id=request.reference,
            opened_via=request.opened_via,
            incident_from=locked.incident_reference,
        ),
        city=work.city or None,
    )
    result = rate_work(policy_on(policy_row, day, held), values, rules_work)
    if isinstance(result, RulesError):
        raise ActionRefused(result.code, result.message)
    if work.pk is None:
        work.save()
    rating = WorkRating.objects.create(
        work=work,
        current=True,
        duration_minutes=result.duration_minutes,
        increment_minutes=result.increment_minutes,
        counted_minutes=result.counted_minutes,
        billable_minutes=result.billable_minutes,
        amount=result.amount,
        currency=result.currency,
        travel_billed=result.travel_billed,
        after_hours=result.after_hours,
        allocations=[asdict(a) for a in result.allocations],
        incidents=[asdict(i) for i in result.incidents],
        explanation=list(result.explanation),
        steps=steps_to_json(result.steps),
        passed_over=passed_over_to_json(result.passed_over),
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=at,
    )
    for allocation in result.allocations:
        pk = by_reference[allocation.entitlement]
        source = locked.held[pk]
        if source.kind == Kind.PREPAID_HOURS:
            post_entry(
                locked.row(pk),
                reason=Reason.CONSUME,
                minutes=-allocation.minutes,
                work_rating=rating,
                acting_user=acting_user,
                at=at,
            )
        elif allocation_consumes_allowance(source, kind_defaults, work.category, work.mode):
            # The use of the month was read under the lock: the cache is
            # written in one statement (an upsert), not read again.
            used_before = locked.used.get((pk, month), 0)
            post_entry(
                locked.row(pk),
                reason=Reason.CONSUME,
                minutes=-allocation.minutes,
                allowance_month=month,
                allowance_used_before=used_before,
                work_rating=rating,
                acting_user=acting_user,
                at=at,
            )
            locked.used[pk, month] = used_before + allocation.minutes
    for use in result.incidents:
        row = locked.row(by_reference[use.entitlement])
        post_entry(
            row,
            reason=Reason.CONSUME,
            incidents=-use.count,
            work_rating=rating,
            acting_user=acting_user,
            at=at,
        )
        request.incident_entitlement = row
        request.save(update_fields=["incident_entitlement"])
    return rating


# --- Channels, attachments, the first-response clock -------------------------

ALWAYS_OPEN_CHANNELS = ("portal", "email")
"""Written channels every vendor has: the portal is the product itself and
mail intake is configured on its own."""

_CHAT_LIKE = "chat"


def allowed_channels(policy_row: Any) -> tuple[str, ...]:
    """The channels requests may come through: the policy's plus the portal
    and e-mail, in the policy's order."""
    channels = list(policy_row.channels or [])
    channels += [c for c in ALWAYS_OPEN_CHANNELS if c not in channels]
    return tuple(channels)


def mode_of_channel(channel: str) -> str:
    """The mode a channel rates as: a mode's own name, else a written
    messaging channel (WhatsApp, VK, ...) rates as chat."""
    return channel if channel in MODES else _CHAT_LIKE


def _user_or_none(acting_user: User | None) -> Any:
    return acting_user if getattr(acting_user, "pk", None) else None


ALLOWED_CONTENT_TYPES: dict[str, tuple[bytes, ...]] = {
    # content type -> accepted leading bytes (empty: any).
    "text/plain": (),
    "text/csv": (),
    "message/rfc822": (),
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
}
"""Attachment types accepted, each with the magic bytes its content must
start with; anything else (HTML, SVG, executables, ...) is refused."""

DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class _CheckedFile:
    filename: str
    content_type: str
    content: bytes


def attachment_max_bytes() -> int:
    """The size limit of one attachment, bytes (setting
    ``DESK_ATTACHMENT_MAX_BYTES``, default 10 MiB)."""
    return int(getattr(settings, "DESK_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _clean_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip().strip(".")
    try:
        cleaned = get_valid_filename(name)
    except Exception:  # SuspiciousFileOperation for names like ".."
        cleaned = ""
    return cleaned[:200] or "attachment"


def _check_attachment(filename: str, content_type: str, content: bytes) -> _CheckedFile:
    name = _clean_filename(filename)
    declared = (content_type or "").split(";")[0].strip().lower()
    limit = attachment_max_bytes()
    if len(content) > limit:
        raise ActionRefused(
            "attachment_too_large",
            "attachments: "
            + _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": name, "size": len(content), "limit": limit},
        )
    if not content:
        raise ActionRefused(
            "attachment_empty", "attachments: " + _("%(name)s is empty.") % {"name": name}
        )
    if declared not in ALLOWED_CONTENT_TYPES:
        raise ActionRefused(
            "attachment_type_refused",
            "attachments: "
            + _("%(name)s is of type %(type)s, which is not accepted.")
            % {"name": name, "type": declared or _("unknown")},
        )
    guessed = mimetypes.guess_type(name)[0]
    if guessed is not None and guessed != declared and guessed not in ALLOWED_CONTENT_TYPES:
        raise ActionRefused(
            "attachment_type_refused",
            "attachments: "
            + _("the name %(name)s says %(type)s, which is not accepted.")
            % {"name": name, "type": guessed},
        )
    magic = ALLOWED_CONTENT_TYPES[declared]
    if magic and not any(content.startswith(m) for m in magic):
        raise ActionRefused(
            "attachment_type_mismatch",
            "attachments: "
            + _("%(name)s is declared %(type)s but its content is not.")
            % {"name": name, "type": declared},
        )
    return _CheckedFile(name, declared, content)


def _store_attachments(message: Message, files: Sequence[_CheckedFile], at: datetime) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ActionRefused(
            "too_many_attachments",
            "attachments: "
            + _("at most %(count)s files per message.") % {"count": MAX_ATTACHMENTS},
        )
    for item in files:
        attachment = Attachment(
            message=message,
            request_id=message.request_id,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
            created_at=at,
        )
        # Stored under a random name: the uploaded name is only ever shown.
        attachment.file.save(uuid.uuid4().hex, ContentFile(item.content), save=False)
        _delete_on_rollback(attachment.file.storage, attachment.file.name or "")
        attachment.save()


def _delete_on_rollback(storage: Storage, name: str) -> None:
    """Remove the stored file ``name`` again unless the transaction that wrote
    it commits: a refused or failed write (this action's, or an enclosing
    one's) leaves no file behind.

    Django has no rollback hook, but it drops the ``on_commit`` callbacks of a
    transaction or savepoint that is rolled back, and runs them on commit.
    The callback registered here marks the file kept when it runs; when it is
    dropped unrun, its finaliser deletes the file."""
    if not transaction.get_connection().in_atomic_block:
        return
    transaction.on_commit(_KeepFile(storage, name))


class _KeepFile:
    def __init__(self, storage: Storage, name: str) -> None:
        self.kept = [False]
        weakref.finalize(self, _delete_unless_kept, storage, name, self.kept)

    def __call__(self) -> None:
        self.kept[0] = True


def _delete_unless_kept(storage: Storage, name: str, kept: list[bool]) -> None:
    if not kept[0]:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not remove %s after a rolled-back write", name)


def _customer_rules_entitlements(request: Request, policy_row: Any, at: datetime) -> list[Any]:
    day = local_date(at, policy_row.timezone)
    rows = (
        Entitlement.objects.filter(customer_id=request.customer_id, starts__lte=day, ends__gte=day)
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    )
    return _rules_entitlements(rows, policy_row, day)


def _start_response_clock(request: Request, policy_row: Any, at: datetime) -> None:
    values = _customer_rules_entitlements(request, policy_row, at)
    product = request.product.code if request.product is not None else ""
    target = response_target_minutes(values, product, local_date(at, policy_row.timezone))
    if target is None:
        return
    request.response_target_minutes = target
    request.response_due_at = first_response_due(business_calendar(policy_row), at, target)
    request.save(update_fields=["response_target_minutes", "response_due_at"])


def _pause_response_clock(request: Request, policy_row: Any, at: datetime) -> None:
    if request.first_response_at is not None or request.response_due_at is None:
        return
    left = business_calendar(policy_row).business_minutes_between(at, request.response_due_at)
    if left <= 0:
        return  # already late: a late request stays late
    request.response_remaining_minutes = left
    request.response_due_at = None


def _resume_response_clock(request: Request, policy_row: Any, at: datetime) -> None:
    if request.response_remaining_minutes is None:
        return
    if request.first_response_at is None:
        request.response_due_at = first_response_due(
            business_calendar(policy_row), at, request.response_remaining_minutes
        )
    request.response_remaining_minutes = None


def _charge_incident_on_opening(
    request: Request, policy_row: Any, *, acting_user: User | None, at: datetime
) -> None:
    """Charge one incident for a phone request, from the pack the rating
    rules pick for one minute of phone work on it now; no pack, nothing."""
    if not Entitlement.objects.filter(
        customer_id=request.customer_id, kind=Kind.INCIDENT_PACK, balance_incidents__gte=1
    ).exists():
        return
    day = local_date(at, policy_row.timezone)
    probe = WorkEntry(
        work_id=f"opening-{request.reference}",
        request=request,
        started_at=at,
        ended_at=at + timedelta(minutes=1),
        mode=Mode.PHONE,
        category=request.category,
    )
    locked = _lock(request, extra=set(), work=probe, policy_row=policy_row)
    values = _rules_entitlements(locked.held.values(), policy_row, day, locked.used)
    rules_work = Work(
        id=probe.work_id,
        product=request.product.code if request.product is not None else "",
        category=as_category(request.category),
        mode="phone",
        started_at=probe.started_at,
        ended_at=probe.ended_at,
        request=RequestRef(id=request.reference, opened_via=request.opened_via),
    )
    result = rate_work(policy_on(policy_row, day), values, rules_work)
    if isinstance(result, RulesError) or not result.incidents:
        return
    by_reference = {row.reference: row.pk for row in locked.held.values()}
    for use in result.incidents:
        row = locked.row(by_reference[use.entitlement])
        post_entry(
            row,
            reason=Reason.CONSUME,
            incidents=-use.count,
            acting_user=acting_user,
            at=at,
            note=f"phone request {request.reference} opened",
        )
        locked.request.incident_entitlement = row
        locked.request.save(update_fields=["incident_entitlement"])
        request.incident_entitlement = row


# --- The thread ---------------------------------------------------------------


@transaction.atomic
def do_post_message(
    *,
    acting_user: User | None,
    request: Request,
    body_text: str,
    body_html: str = "",
    internal: bool = False,
    author_contact: Contact | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    source_message_id: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Add a public reply or an internal note to ``request``'s thread.

    From a contact (``author_contact``): never internal; a reply to a request
    waiting for the customer, resolved or closed moves it back to ``open``.
    From staff: the first public reply stops the first-response clock, a
    public reply to a new or open request moves it to waiting for the
    customer, and a public reply is queued in the outbox for the request's
    contact. Each move is checked against the transition table, shown in the
    thread and audited.
    Idempotent on ``source_message_id``. ``attachments`` are
    ``(filename, content_type, bytes)``, checked against the size limit and the
    allowed types; one bad file refuses the whole message."""
    at = now or clock.now()
    if source_message_id:
        existing = Message.objects.filter(source_message_id=source_message_id).first()
        if existing is not None:
            return existing
    if author_contact is not None:
        if author_contact.customer_id != request.customer_id:
            raise ActionRefused(
                "wrong_customer", "author_contact: " + _("the contact belongs to another customer.")
            )
        if internal:
            raise ActionRefused(
                "invalid", "internal: " + _("a customer cannot write an internal note.")
            )
    files = [_check_attachment(*item) for item in attachments]
    if not body_text.strip() and not files:
        raise ActionRefused("invalid", "body_text: " + _("the message is empty."))
    request = Request.objects.select_for_update().get(pk=request.pk)
    message = Message.objects.create(
        request=request,
        internal=internal,
        author_contact=author_contact,
        author_user=None if author_contact is not None else _user_or_none(acting_user),
        body_text=body_text,
        body_html=sanitise_html(body_html) if body_html.strip() else "",
        source_message_id=source_message_id or "",
        created_at=at,
    )
    _store_attachments(message, files, at)
    changed = ["updated_at", "search_text"]
    request.updated_at = at
    request.search_text = (request.search_text + "\n" + fold(body_text))[:MAX_SEARCH_TEXT]
    moved: tuple[str, str, str] | None = None
    if author_contact is not None:
        if request.status in (Status.WAITING, Status.RESOLVED, Status.CLOSED):
            moved = (request.status, Status.OPEN, MoveReason.CUSTOMER_REPLY)
    elif not internal:
        if request.first_response_at is None:
            request.first_response_at = at
            changed.append("first_response_at")
        if request.status in STAFF_REPLY_WAITS:
            moved = (request.status, Status.WAITING, MoveReason.STAFF_REPLY)
    if moved is not None:
        _move(request, moved[1], at)
        changed += _STATUS_FIELDS
    request.save(update_fields=sorted(set(changed)))
    if moved is not None:
        _record_move(request, moved[0], moved[2], acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.POST_MESSAGE,
        obj=message,
        at=at,
        detail={"request": request.pk, "internal": internal, "attachments": len(files)},
    )
    if not internal and author_contact is None:
        # A public staff reply is mailed to the request's contact (outbox).
        from supportledger.intake.mailout import queue_reply

        queue_reply(message, at=at)
    return message


# --- Status, assignment, priority --------------------------------------------

_STATUS_FIELDS = [
    "status",
    "resolved_at",
    "waiting_since",
    "response_due_at",
    "response_remaining_minutes",
]


STAFF_REPLY_WAITS = (Status.NEW, Status.OPEN)
"""A public staff reply to a request in one of these statuses moves it to
waiting for the customer (a scheduled request keeps its appointment; a
resolved or closed one stays as it is)."""


def _record_move(
    request: Request, before: str, reason: str, *, acting_user: User | None, at: datetime
) -> StatusChange:
    """Keep a move of ``request`` (already saved in its new status) for its
    thread and the audit log."""
    change = StatusChange.objects.create(
        request=request,
        from_status=before,
        to_status=request.status,
        reason=reason,
        by_user=_user_or_none(acting_user),
        at=at,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CHANGE_REQUEST_STATUS,
        obj=request,
        at=at,
        detail={"from": before, "to": request.status, "reason": reason},
    )
    return change


def move_request_status(
    request: Request, to: str, reason: str, *, acting_user: User | None, at: datetime
) -> bool:
    """Move ``request`` (locked by the caller's transaction) to ``to`` when
    the transition table allows it, recorded and audited; False (nothing
    written) when it does not. For the moves other actions cause (a confirmed
    piece of work, a closed complaint window); a move a person asks for goes
    through ``do_change_request_status``, which refuses instead."""
    if request.status == to or to not in TRANSITIONS.get(request.status, frozenset()):
        return False
    before = request.status
    _move(request, to, at)
    request.updated_at = at
    request.save(update_fields=[*_STATUS_FIELDS, "updated_at"])
    _record_move(request, before, reason, acting_user=acting_user, at=at)
    return True


def _move(request: Request, to: str, at: datetime) -> None:
    """Move ``request`` (locked) to ``to`` along the table, keeping the
    first-response clock: paused while waiting for the customer."""
    if to not in Status.values:
        raise ActionRefused(
            "invalid",
            "to: "
            + _("unknown status %(status)s; one of %(allowed)s.")
            % {"status": repr(to), "allowed": ", ".join(Status.values)},
        )
    current = request.status
    check_transition(
        TRANSITIONS,
        current,
        to,
        sentence="status: "
        + _("a request that is %(current)s cannot become %(to)s (allowed: %(allowed)s)."),
    )
    policy_row = get_vendor_policy()
    if to == Status.WAITING:
        request.waiting_since = at
        _pause_response_clock(request, policy_row, at)
    elif current == Status.WAITING:
        request.waiting_since = None
        _resume_response_clock(request, policy_row, at)
    if to == Status.RESOLVED:
        request.resolved_at = at
    elif to == Status.OPEN and current in (Status.RESOLVED, Status.CLOSED):
        request.resolved_at = None
    request.status = to


@transaction.atomic
def do_change_request_status(
    *, acting_user: User | None, request: Request, to: str, now: datetime | None = None
) -> Request:
    """Move ``request`` to status ``to`` if the transition table allows it;
    otherwise raise ``ActionRefused("invalid_transition")`` naming the
    allowed moves. Waiting for the customer pauses the first-response clock
    (in business minutes); leaving that status resumes it."""
    at = now or clock.now()
    locked = Request.objects.select_for_update().get(pk=request.pk)
    before = locked.status
    _move(locked, to, at)
    locked.updated_at = at
    locked.save(update_fields=[*_STATUS_FIELDS, "updated_at"])
    _record_move(locked, before, MoveReason.STAFF, acting_user=acting_user, at=at)
    _copy_fields(locked, request)
    return locked


def _copy_fields(source: Request, target: Request) -> None:
    if source is not target:
        for field in (*_STATUS_FIELDS, "updated_at", "assignee_id", "priority"):
            setattr(target, field, getattr(source, field))


@transaction.atomic
def do_assign_request(
    *,
    acting_user: User | None,
    request: Request,
    assignee: StaffMember | None,
    now: datetime | None = None,
) -> Request:
    """Give ``request`` to ``assignee`` (None: unassign). Assigning a new
    request opens it."""
    at = now or clock.now()
    locked = Request.objects.select_for_update().get(pk=request.pk)
    before = locked.assignee_id
    locked.assignee = assignee
    fields = ["assignee", "updated_at"]
    opened = assignee is not None and locked.status == Status.NEW
    if opened:
        _move(locked, Status.OPEN, at)
        fields += _STATUS_FIELDS
    locked.updated_at = at
    locked.save(update_fields=fields)
    if opened:
        _record_move(locked, Status.NEW, MoveReason.ASSIGNED, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ASSIGN_REQUEST,
        obj=locked,
        at=at,
        detail={"from": before, "to": assignee.pk if assignee else None},
    )
    _copy_fields(locked, request)
    return locked


@transaction.atomic
def do_set_request_priority(
    *, acting_user: User | None, request: Request, priority: str, now: datetime | None = None
) -> Request:
    at = now or clock.now()
    if priority not in Priority.values:
        raise ActionRefused(
            "invalid",
            "priority: " + _("unknown priority %(priority)s.") % {"priority": repr(priority)},
        )
    locked = Request.objects.select_for_update().get(pk=request.pk)
    before = locked.priority
    locked.priority = priority
    locked.updated_at = at
    locked.save(update_fields=["priority", "updated_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_REQUEST_PRIORITY,
        obj=locked,
        at=at,
        detail={"from": before, "to": priority},
    )
    _copy_fields(locked, request)
    return locked


# --- Time: timers and manual entries -----------------------------------------


@transaction.atomic
def do_start_timer(
    *,
    acting_user: User | None,
    request: Request,
    agent: StaffMember,
    mode: str,
    now: datetime | None = None,
) -> Timer:
    """Start ``agent``'s timer on ``request`` (one per agent and request;
    starting a running timer returns it unchanged)."""
    at = now or clock.now()
    if mode not in MODES:
        raise ActionRefused(
            "invalid", "mode: " + _("unknown mode %(mode)s.") % {"mode": repr(mode)}
        )
    if request.status not in ACTIVE_STATUSES:
        raise ActionRefused(
            "request_not_active",
            _("%(request)s is %(status)s.")
            % {"request": request.reference, "status": request.status},
        )
    timer, created = Timer.objects.get_or_create(
        agent=agent, request=request, defaults={"mode": mode, "started_at": at}
    )
    if created:
        write_audit(
            acting_user=acting_user,
            action=AuditAction.START_TIMER,
            obj=timer,
            at=at,
            detail={"mode": mode},
        )
    return timer


@transaction.atomic
def do_stop_timer(
    *,
    acting_user: User | None,
    request: Request,
    agent: StaffMember,
    category: str | None = None,
    city: str | None = None,
    now: datetime | None = None,
) -> WorkEntry:
    """Stop ``agent``'s timer on ``request`` and record the time as work
    (``do_record_work``: authorisation, rating, ledger). If the work is
    refused nothing is written and the timer keeps running."""
    at = now or clock.now()
    timer = Timer.objects.select_for_update().filter(agent=agent, request=request).first()
    if timer is None:
        raise ActionRefused(
            "no_timer",
            _("No timer is running on %(request)s.") % {"request": request.reference},
        )
    if request.product is None:
        raise ActionRefused("no_product", "product: " + _("set the request's product before work."))
    work = do_record_work(
        acting_user=acting_user,
        work_id=f"timer-{timer.pk}-{uuid.uuid4().hex[:12]}",
        request=request,
        agent=agent,
        started_at=timer.started_at,
        ended_at=max(at, timer.started_at + timedelta(seconds=1)),
        mode=timer.mode,
        category=category or request.category,
        product=request.product,
        city=city,
        licence=request.licence,
        now=at,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.STOP_TIMER,
        obj=timer,
        at=at,
        detail={"work": work.pk},
    )
    timer.delete()
    return work


@transaction.atomic
def do_discard_timer(
    *, acting_user: User | None, timer: Timer, now: datetime | None = None
) -> None:
    """Throw a running timer away without recording work (it was started by
    mistake, or its work was refused and will be entered by hand)."""
    at = now or clock.now()
    locked = Timer.objects.select_for_update().filter(pk=timer.pk).first()
    if locked is None:
        raise ActionRefused("no_timer", _("The timer is not running any more."))
    write_audit(
        acting_user=acting_user,
        action=AuditAction.DISCARD_TIMER,
        obj=locked,
        at=at,
        detail={"request": locked.request_id, "started_at": locked.started_at.isoformat()},
    )
    locked.delete()


@transaction.atomic
def do_correct_timer(
    *,
    acting_user: User | None,
    timer: Timer,
    started_at: datetime,
    mode: str,
    now: datetime | None = None,
) -> Timer:
    """Correct when a running timer started (it was started late) and its
    mode. The start must be in the past, at most 24 hours ago."""
    at = now or clock.now()
    if mode not in MODES:
        raise ActionRefused(
            "invalid", "mode: " + _("unknown mode %(mode)s.") % {"mode": repr(mode)}
        )
    if started_at > at:
        raise ActionRefused("invalid", "started_at: " + _("a timer cannot start in the future."))
    if started_at < at - timedelta(hours=24):
        raise ActionRefused(
            "invalid", "started_at: " + _("a timer runs at most 24 hours; enter the work by hand.")
        )
    locked = Timer.objects.select_for_update().filter(pk=timer.pk).first()
    if locked is None:
        raise ActionRefused("no_timer", _("The timer is not running any more."))
    before = {"started_at": locked.started_at.isoformat(), "mode": locked.mode}
    locked.started_at, locked.mode = started_at, mode
    locked.save(update_fields=["started_at", "mode"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CORRECT_TIMER,
        obj=locked,
        at=at,
        detail={"before": before, "started_at": started_at.isoformat(), "mode": mode},
    )
    return locked


def do_record_manual_work(
    *,
    acting_user: User | None,
    request: Request,
    agent: StaffMember,
    started_at: datetime,
    minutes: int,
    mode: str,
    category: str | None = None,
    city: str | None = None,
    now: datetime | None = None,
) -> WorkEntry:
    """Record ``minutes`` of work entered by hand, from ``started_at``,
    through ``do_record_work``."""
    if request.product is None:
        raise ActionRefused("no_product", "product: " + _("set the request's product before work."))
    if minutes < 1:
        raise ActionRefused("invalid", "minutes: " + _("work lasts at least one minute."))
    return do_record_work(
        acting_user=acting_user,
        work_id=f"manual-{uuid.uuid4().hex}",
        request=request,
        agent=agent,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=minutes),
        mode=mode,
        category=category or request.category,
        product=request.product,
        city=city,
        licence=request.licence,
        now=now,
    )


# --- The queue: merging duplicates, saved filters, canned replies -------------


@transaction.atomic
def do_merge_request(
    *,
    acting_user: User | None,
    duplicate: Request,
    into: Request,
    now: datetime | None = None,
) -> Request:
    """Merge ``duplicate`` into ``into`` (both of one customer): its messages,
    attachments and work move to ``into`` (ratings, ledger entries and
    invoice lines follow the work, so nothing is counted twice), a note on
    each thread links the other, and the duplicate is closed along the
    transition table (through resolved when it is active) with
    ``merged_into`` set. Refused while a timer runs on the duplicate, or
    when either is already merged. Returns ``into``."""
    at = now or clock.now()
    if duplicate.pk == into.pk:
        raise ActionRefused("invalid", "into: " + _("a request cannot be merged into itself."))
    first, second = sorted([duplicate.pk, into.pk])
    locked = {r.pk: r for r in Request.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[duplicate.pk], locked[into.pk]
    if source.customer_id != target.customer_id:
        raise ActionRefused(
            "wrong_customer", "into: " + _("the requests belong to different customers.")
        )
    if source.merged_into_id is not None:
        raise ActionRefused(
            "already_merged",
            _("%(request)s was already merged into %(into)s.")
            % {"request": source.reference, "into": request_reference(source.merged_into_id)},
        )
    if target.merged_into_id is not None:
        raise ActionRefused(
            "already_merged",
            "into: "
            + _("%(request)s was merged into %(into)s; merge into that one.")
            % {"request": target.reference, "into": request_reference(target.merged_into_id)},
        )
    if Timer.objects.filter(request=source).exists():
        raise ActionRefused(
            "timer_running",
            _("A timer runs on %(request)s; stop it first.") % {"request": source.reference},
        )
    moved_messages = Message.objects.filter(request=source).update(request=target)
    Attachment.objects.filter(request=source).update(request=target)
    moved_work = WorkEntry.objects.filter(request=source).update(request=target)
    if target.incident_entitlement_id is None and source.incident_entitlement_id is not None:
        target.incident_entitlement_id = source.incident_entitlement_id
    user = _user_or_none(acting_user)
    Message.objects.create(
        request=target,
        internal=True,
        author_user=user,
        body_text=_("%(duplicate)s was merged into this request.")
        % {"duplicate": source.reference},
        created_at=at,
    )
    Message.objects.create(
        request=source,
        internal=True,
        author_user=user,
        body_text=_("Merged into %(request)s.") % {"request": target.reference},
        created_at=at,
    )
    target.search_text = (target.search_text + "\n" + source.search_text)[:MAX_SEARCH_TEXT]
    target.updated_at = at
    target.save(update_fields=["incident_entitlement", "search_text", "updated_at"])
    source.merged_into = target
    # Its messages now belong to ``target``: only its own subject is left to find.
    source.search_text = search_text_of(source.subject, source.customer.organisation, [])
    source.save(update_fields=["merged_into", "search_text"])
    for step in (Status.RESOLVED, Status.CLOSED):
        move_request_status(source, step, MoveReason.MERGED, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.MERGE_REQUEST,
        obj=source,
        at=at,
        detail={"into": target.pk, "messages": moved_messages, "work": moved_work},
    )
    return target


SAVED_FILTER_FIELDS = ("q", "status", "assignee", "customer", "product", "priority", "overdue")
"""The queue's filter fields a saved filter keeps (never the page)."""


@transaction.atomic
def do_save_queue_filter(
    *,
    acting_user: User | None,
    agent: StaffMember,
    name: str,
    query: Mapping[str, str],
    now: datetime | None = None,
) -> SavedFilter:
    """Save the queue filter ``query`` (its fields, ``SAVED_FILTER_FIELDS``)
    under ``name`` for ``agent``; saving a name again replaces its filter."""
    at = now or clock.now()
    name = " ".join(name.split())
    if not name:
        raise ActionRefused("invalid", "name: " + _("give the filter a name."))
    if len(name) > 60:
        raise ActionRefused("invalid", "name: " + _("at most 60 characters."))
    kept = urlencode([(key, query[key]) for key in SAVED_FILTER_FIELDS if query.get(key)])
    if len(kept) > 500:
        raise ActionRefused("invalid", "q: " + _("the filter is too long to save."))
    saved, _created = SavedFilter.objects.update_or_create(
        agent=agent, name=name, defaults={"query": kept, "created_at": at}
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SAVE_QUEUE_FILTER,
        obj=saved,
        at=at,
        detail={"name": name, "query": kept},
    )
    return saved


@transaction.atomic
def do_delete_queue_filter(
    *, acting_user: User | None, saved: SavedFilter, now: datetime | None = None
) -> None:
    at = now or clock.now()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.DELETE_QUEUE_FILTER,
        obj=saved,
        at=at,
        detail={"name": saved.name, "query": saved.query},
    )
    saved.delete()


@transaction.atomic
def do_save_canned_reply(
    *,
    acting_user: User | None,
    title: str,
    language: str,
    body: str,
    reply: CannedReply | None = None,
    now: datetime | None = None,
) -> CannedReply:
    """Add a canned reply in ``language`` (one of the site's languages), or
    change ``reply``. A title is used once per language."""
    at = now or clock.now()
    title = " ".join(title.split())
    if not title:
        raise ActionRefused("invalid", "title: " + _("give the reply a title."))
    if language not in dict(settings.LANGUAGES):
        raise ActionRefused(
            "invalid",
            "language: "
            + _("unknown language %(language)s; one of %(allowed)s.")
            % {"language": repr(language), "allowed": ", ".join(dict(settings.LANGUAGES))},
        )
    if not body.strip():
        raise ActionRefused("invalid", "body: " + _("the reply is empty."))
    clash = CannedReply.objects.filter(language=language, title=title)
    if reply is not None:
        clash = clash.exclude(pk=reply.pk)
    if clash.exists():
        raise ActionRefused(
            "duplicate", "title: " + _("a reply with this title exists in this language.")
        )
    reply = reply or CannedReply(created_at=at)
    reply.title, reply.language, reply.body = title[:100], language, body
    reply.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SAVE_CANNED_REPLY,
        obj=reply,
        at=at,
        detail={"title": reply.title, "language": language},
    )
    return reply


@transaction.atomic
def do_delete_canned_reply(
    *, acting_user: User | None, reply: CannedReply, now: datetime | None = None
) -> None:
    at = now or clock.now()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.DELETE_CANNED_REPLY,
        obj=reply,
        at=at,
        detail={"title": reply.title, "language": reply.language},
    )
    reply.delete()
