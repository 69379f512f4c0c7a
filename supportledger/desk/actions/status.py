"""A request's status along the transition table, its assignee and its
priority; a move keeps the first-response clock (paused while waiting for
the customer) and is recorded on the thread and in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.models import StaffMember
from supportledger.desk.actions._common import user_or_none
from supportledger.desk.convert import business_calendar
from supportledger.desk.models import (
    TRANSITIONS,
    MoveReason,
    Priority,
    Request,
    Status,
    StatusChange,
)
from supportledger.rules.response import first_response_due


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


STATUS_FIELDS = [
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


def record_move(
    request: Request, before: str, reason: str, *, acting_user: User | None, at: datetime
) -> StatusChange:
    """Keep a move of ``request`` (already saved in its new status) for its
    thread and the audit log."""
    change = StatusChange.objects.create(
        request=request,
        from_status=before,
        to_status=request.status,
        reason=reason,
        by_user=user_or_none(acting_user),
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
    apply_move(request, to, at)
    request.updated_at = at
    request.save(update_fields=[*STATUS_FIELDS, "updated_at"])
    record_move(request, before, reason, acting_user=acting_user, at=at)
    return True


def apply_move(request: Request, to: str, at: datetime) -> None:
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
    apply_move(locked, to, at)
    locked.updated_at = at
    locked.save(update_fields=[*STATUS_FIELDS, "updated_at"])
    record_move(locked, before, MoveReason.STAFF, acting_user=acting_user, at=at)
    _copy_fields(locked, request)
    return locked


def _copy_fields(source: Request, target: Request) -> None:
    if source is not target:
        for field in (*STATUS_FIELDS, "updated_at", "assignee_id", "priority"):
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
        apply_move(locked, Status.OPEN, at)
        fields += STATUS_FIELDS
    locked.updated_at = at
    locked.save(update_fields=fields)
    if opened:
        record_move(locked, Status.NEW, MoveReason.ASSIGNED, acting_user=acting_user, at=at)
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
