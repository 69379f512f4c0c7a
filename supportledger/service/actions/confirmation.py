"""Confirmation of work by the customer, by hand or automatically once the
policy's delay has passed, and requests closed when their complaint window
has passed (DESIGN 3.6).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact
from supportledger.desk.actions.status import move_request_status
from supportledger.desk.models import MoveReason, Request, Status, WorkEntry
from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.claims import auto_confirmation_at, claim_window, is_complaint_in_time
from supportledger.rules.types import Policy
from supportledger.service.actions._common import rules_policy
from supportledger.service.models import (
    Claim,
    ClaimStatus,
    WorkConfirmation,
)


def _confirm(
    *,
    acting_user: User | None,
    work: WorkEntry,
    confirmed_at: datetime,
    contact: Contact | None,
    automatic: bool,
) -> WorkConfirmation:
    confirmation = WorkConfirmation.objects.create(
        work=work,
        confirmed_at=confirmed_at,
        contact=contact,
        automatic=automatic,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.AUTO_CONFIRM_WORK if automatic else AuditAction.CONFIRM_WORK,
        obj=work,
        at=confirmed_at,
        detail={"contact": contact.pk if contact else None, "automatic": automatic},
    )
    _resolve_when_all_work_confirmed(work, acting_user=acting_user, at=confirmed_at)
    return confirmation


def _resolve_when_all_work_confirmed(
    work: WorkEntry, *, acting_user: User | None, at: datetime
) -> None:
    """Once every piece of work on ``work``'s request is confirmed (by the
    customer or automatically) and no timer runs on it, the request is
    resolved, if the transition table allows it from where it is."""
    request = Request.objects.select_for_update().get(pk=work.request_id)
    if WorkEntry.objects.filter(request=request, confirmation__isnull=True).exists():
        return
    if request.timers.exists():
        return
    move_request_status(
        request, Status.RESOLVED, MoveReason.WORK_CONFIRMED, acting_user=acting_user, at=at
    )


@transaction.atomic
def do_confirm_work(
    *,
    acting_user: User | None,
    work: WorkEntry,
    contact: Contact | None = None,
    now: datetime | None = None,
) -> WorkConfirmation:
    """The customer confirms ``work`` (``contact``: who, or staff recording it).
    The complaint deadline and the service warranty count from now."""
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().select_related("request").get(pk=work.pk)
    if contact is not None and contact.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    if WorkConfirmation.objects.filter(work=work).exists():
        raise ActionRefused("already_confirmed", _("This work has already been confirmed."))
    if at < work.ended_at:
        raise ActionRefused("invalid", _("Work can be confirmed only after it has ended."))
    return _confirm(
        acting_user=acting_user, work=work, confirmed_at=at, contact=contact, automatic=False
    )


def auto_confirm_work(now: datetime | None = None) -> int:
    """Confirm every piece of work the customer left unconfirmed for the
    policy's ``auto_confirm_days``; the confirmation instant is the moment
    it counted as confirmed (the rules' ``auto_confirmation_at``), not when
    this ran. Returns how many were confirmed: none where the vendor's
    policy does not have ``auto_confirm`` among its features."""
    at = now or clock.now()
    if "auto_confirm" not in (get_vendor_policy().features or ()):
        return 0
    claims = rules_policy().claims
    cutoff = at - timedelta(days=claims.auto_confirm_days)
    candidates = WorkEntry.objects.filter(
        confirmation__isnull=True, ended_at__lte=cutoff
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(candidates):
        with transaction.atomic():
            work = WorkEntry.objects.select_for_update().get(pk=pk)
            if WorkConfirmation.objects.filter(work=work).exists():
                continue
            when = auto_confirmation_at(claims, work.ended_at)
            if when > at:
                continue
            _confirm(acting_user=None, work=work, confirmed_at=when, contact=None, automatic=True)
            done += 1
    return done


def close_requests_past_complaint_window(now: datetime | None = None) -> int:
    """Close every resolved request whose time for complaints has passed:
    the complaint deadline (DESIGN 3.6, the policy's business days, no next
    service counted) of each confirmed piece of work on it and of its
    resolution is before ``now``, and no claim on it awaits a decision. Each close goes
    through the transition table and is audited; returns how many closed."""
    at = now or clock.now()
    policy = policy_from_row(get_vendor_policy(), {})
    calendar = BusinessCalendar.for_policy(policy)
    done = 0
    candidates = Request.objects.filter(status=Status.RESOLVED, resolved_at__lte=at)
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            request = Request.objects.select_for_update().get(pk=pk)
            if request.status != Status.RESOLVED or request.resolved_at is None:
                continue
            if Claim.objects.filter(work__request=request, status=ClaimStatus.FILED).exists():
                continue
            if not _complaint_window_passed(request, calendar, policy, at):
                continue
            if move_request_status(
                request,
                Status.CLOSED,
                MoveReason.COMPLAINT_WINDOW_CLOSED,
                acting_user=None,
                at=at,
            ):
                done += 1
    return done


def _complaint_window_passed(
    request: Request, calendar: BusinessCalendar, policy: Policy, at: datetime
) -> bool:
    """True when the complaint deadline of every confirmation on ``request``,
    and the one counted from its resolution, are before ``at``."""
    instants = list(
        WorkConfirmation.objects.filter(work__request=request).values_list(
            "confirmed_at", flat=True
        )
    )
    if request.resolved_at is not None:
        instants.append(request.resolved_at)
    return all(
        not is_complaint_in_time(claim_window(calendar, policy.claims, instant, None), at)
        for instant in instants
    )
