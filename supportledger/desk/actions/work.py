"""Recording and re-rating work: where the ledger is drawn on.

Recording work locks the request and every entitlement the customer holds
that day (in id order, so two recordings never deadlock), reads their
balances under the lock, rates the work with ``rules.rating.rate_work`` and
posts the consumptions, in one transaction. On PostgreSQL the locks are
``SELECT ... FOR UPDATE``; on SQLite the IMMEDIATE transaction mode already
serialises writers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product
from supportledger.core import clock, policy_cache
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.input import FUTURE_WORK_TOLERANCE
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Customer, StaffMember
from supportledger.desk.actions._common import lock_for_work
from supportledger.desk.convert import RECENTLY_EXPIRED, with_passed_over_context
from supportledger.desk.convert import rules_entitlements as _rules_entitlements
from supportledger.desk.locking import Locked, lock_for_rating
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.entitlements.actions.ledger import post_entry, reverse_entry
from supportledger.entitlements.convert import (
    allocation_consumes_allowance,
    local_date,
    month_start,
    policy_on,
    previous_month_start,
)
from supportledger.entitlements.models import Entitlement, Kind, LedgerEntry, Licence, Reason
from supportledger.rules.explanation import steps_to_json
from supportledger.rules.rating import rate_work
from supportledger.rules.types import PassedOver, RequestRef, RulesError, Work, as_category, as_mode


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
        locked = lock_for_work(work.request, extra={e.entitlement_id for e in entries}, work=work)
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
        locked = lock_for_work(work.request, extra=set(), work=work, policy_row=policy_row)
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
