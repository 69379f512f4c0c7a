"""Writes of the desk: opening requests, recording and re-rating work.

Recording work is where the ledger is drawn on. In one transaction it locks
the request and every entitlement the customer holds that day (in id order,
so two recordings never deadlock), reads their balances under the lock,
rates the work with ``rules.rating.rate_work`` and posts the consumptions.
On PostgreSQL the locks are ``SELECT ... FOR UPDATE``; on SQLite the
IMMEDIATE transaction mode already serialises writers.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.entitlements.actions import post_entry, reverse_entry
from supportledger.entitlements.convert import (
    allocation_consumes_allowance,
    entitlement_to_rules,
    local_date,
    month_start,
    policy_on,
    previous_month_start,
)
from supportledger.entitlements.models import (
    AllowanceUsage,
    Entitlement,
    Kind,
    LedgerEntry,
    Licence,
    Reason,
)
from supportledger.rules.rating import rate_work
from supportledger.rules.types import CATEGORIES, MODES, RequestRef, RulesError, Work


@transaction.atomic
def do_open_request(
    *,
    acting_user: Any,
    customer: Customer,
    subject: str,
    category: str,
    opened_via: str,
    contact: Contact | None = None,
    product: Product | None = None,
    now: datetime | None = None,
) -> Request:
    at = now or clock.now()
    if category not in CATEGORIES:
        raise ActionRefused("invalid", f"Unknown category {category!r}.")
    if opened_via not in MODES:
        raise ActionRefused("invalid", f"Unknown channel {opened_via!r}.")
    if contact is not None and contact.customer_id != customer.pk:
        raise ActionRefused("wrong_customer", "The contact belongs to another customer.")
    request = Request.objects.create(
        customer=customer,
        contact=contact,
        product=product,
        category=category,
        opened_via=opened_via,
        subject=subject,
        created_at=at,
    )
    write_audit(acting_user=acting_user, action="open_request", obj=request, at=at)
    return request


def do_record_work(
    *,
    acting_user: Any,
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
    customer are mixed in, or the rules refuse (``not_entitled``,
    ``outside_service_area``, ``invalid_work``).
    """
    existing = WorkEntry.objects.filter(work_id=work_id).first()
    if existing is not None:
        return existing
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
                at=now or clock.now(),
            )
    except IntegrityError:
        # Another transaction recorded the same work id first.
        existing = WorkEntry.objects.filter(work_id=work_id).first()
        if existing is None:
            raise
        return existing


def _record_work(
    *,
    acting_user: Any,
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
) -> WorkEntry:
    customer = request.customer
    if customer.on_hold:
        raise ActionRefused(
            "customer_on_hold", f"{customer} is on hold ({customer.on_hold_reason})."
        )
    if licence is not None and licence.customer_id != customer.pk:
        raise ActionRefused("wrong_customer", "The licence belongs to another customer.")
    _check_authorised(agent, product)
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
    rating = _rate_and_post(work, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action="record_work",
        obj=work,
        at=at,
        detail={
            "rating": rating.pk,
            "counted": rating.counted_minutes,
            "billable": rating.billable_minutes,
            "amount": str(rating.amount),
        },
    )
    return work


def _check_authorised(agent: StaffMember, product: Product) -> None:
    if not agent.products.filter(pk=product.pk).exists():
        raise ActionRefused(
            "agent_not_authorised",
            f"{agent} is not an authorised specialist for {product.code}.",
        )


@transaction.atomic
def do_edit_work(
    *,
    acting_user: Any,
    work: WorkEntry,
    now: datetime | None = None,
    **changes: Any,
) -> WorkEntry:
    """Change a recorded piece of work (``started_at``, ``ended_at``, ``mode``,
    ``category``, ``product``, ``city``, ``agent``) and re-rate it."""
    allowed = {"started_at", "ended_at", "mode", "category", "product", "city", "agent"}
    unknown = set(changes) - allowed
    if unknown:
        raise ActionRefused("invalid", f"Cannot edit {', '.join(sorted(unknown))} of work.")
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().get(pk=work.pk)
    before = {name: str(getattr(work, name)) for name in changes}
    for name, value in changes.items():
        setattr(work, name, value if name != "city" else value or "")
    _check_authorised(work.agent, work.product)
    work.save(update_fields=list(changes))
    _rerate(work, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action="edit_work",
        obj=work,
        at=at,
        detail={"before": before, "after": {name: str(getattr(work, name)) for name in changes}},
    )
    return work


@transaction.atomic
def do_rerate_work(*, acting_user: Any, work: WorkEntry, now: datetime | None = None) -> WorkRating:
    """Rate ``work`` again against the entitlements as they are now recorded
    (after a retroactive change): the old rating's ledger entries are
    reversed, new ones posted, the old rating kept with ``current=False``."""
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().get(pk=work.pk)
    rating = _rerate(work, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action="rerate_work",
        obj=work,
        at=at,
        detail={
            "rating": rating.pk,
            "counted": rating.counted_minutes,
            "billable": rating.billable_minutes,
            "amount": str(rating.amount),
        },
    )
    return rating


def _rerate(work: WorkEntry, *, acting_user: Any, at: datetime) -> WorkRating:
    old = WorkRating.objects.filter(work=work, current=True).first()
    if old is not None:
        entries = list(
            LedgerEntry.objects.filter(
                work_rating=old, reason=Reason.CONSUME, reversed_by__isnull=True
            )
        )
        locked = _lock(work.request, extra={e.entitlement_id for e in entries}, work=work)
        for entry in entries:
            entry.entitlement = locked.entitlements[entry.entitlement_id]
            reverse_entry(entry, acting_user=acting_user, at=at, note="re-rated")
            if entry.incidents_delta and locked.request.incident_entitlement_id == (
                entry.entitlement_id
            ):
                locked.request.incident_entitlement = None
                locked.request.save(update_fields=["incident_entitlement"])
        old.current = False
        old.save(update_fields=["current"])
    return _rate_and_post(work, acting_user=acting_user, at=at)


class _Locked:
    def __init__(self, request: Request, entitlements: dict[int, Entitlement]) -> None:
        self.request = request
        self.entitlements = entitlements


def _lock(request: Request, *, extra: set[int], work: WorkEntry) -> _Locked:
    """Lock the request, then the customer's entitlements valid on the work's
    day (plus ``extra``), in id order."""
    policy_row = get_vendor_policy()
    day = local_date(work.started_at, policy_row.timezone)
    request = Request.objects.select_for_update().get(pk=request.pk)
    rows = (
        Entitlement.objects.select_for_update(of=("self",))
        .filter(
            Q(customer_id=request.customer_id, starts__lte=day, ends__gte=day) | Q(pk__in=extra)
        )
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    )
    entitlements = {row.pk: row for row in rows}
    if any(row.customer_id != request.customer_id for row in entitlements.values()):
        raise ActionRefused("wrong_customer", "An entitlement belongs to another customer.")
    return _Locked(request, entitlements)


def _rate_and_post(work: WorkEntry, *, acting_user: Any, at: datetime) -> WorkRating:
    policy_row = get_vendor_policy()
    day = local_date(work.started_at, policy_row.timezone)
    month, last_month = month_start(day), previous_month_start(day)
    locked = _lock(work.request, extra=set(), work=work)
    request = locked.request
    if request.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", "The request belongs to another customer.")
    kind_defaults = kind_defaults_from_row(policy_row)
    contracts = [e.pk for e in locked.entitlements.values() if e.kind == Kind.CONTRACT]
    usage = {
        (u.entitlement_id, u.month): u.used_minutes
        for u in AllowanceUsage.objects.filter(
            entitlement_id__in=contracts, month__in=[month, last_month]
        )
    }
    by_reference: dict[str, Entitlement] = {}
    values = []
    for row in locked.entitlements.values():
        unused_last = 0
        if row.rollover and row.starts < month:
            unused_last = max(0, row.minutes_per_month - usage.get((row.pk, last_month), 0))
        values.append(
            entitlement_to_rules(
                row,
                kind_defaults=kind_defaults,
                used_this_month=usage.get((row.pk, month), 0),
                unused_last_month=unused_last,
            )
        )
        by_reference[row.reference] = row
    incident_from = request.incident_entitlement
    rules_work = Work(
        id=work.work_id,
        product=work.product.code,
        category=work.category,
        mode=work.mode,
        started_at=work.started_at,
        ended_at=work.ended_at,
        request=RequestRef(
            id=request.reference,
            opened_via=request.opened_via,
            incident_from=incident_from.reference if incident_from is not None else None,
        ),
        city=work.city or None,
    )
    result = rate_work(policy_on(policy_row, day), values, rules_work)
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
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=at,
    )
    for allocation in result.allocations:
        row = by_reference[allocation.entitlement]
        if row.kind == Kind.PREPAID_HOURS:
            post_entry(
                row,
                reason=Reason.CONSUME,
                minutes=-allocation.minutes,
                work_rating=rating,
                acting_user=acting_user,
                at=at,
            )
        elif allocation_consumes_allowance(row, kind_defaults, work.category, work.mode):
            post_entry(
                row,
                reason=Reason.CONSUME,
                minutes=-allocation.minutes,
                allowance_month=month,
                work_rating=rating,
                acting_user=acting_user,
                at=at,
            )
    for use in result.incidents:
        row = by_reference[use.entitlement]
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
