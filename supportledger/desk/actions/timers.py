"""An agent's running timers: started, stopped (recording the work), discarded
or corrected.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import StaffMember
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import ACTIVE_STATUSES, Request, Timer, WorkEntry
from supportledger.rules.types import MODES


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
