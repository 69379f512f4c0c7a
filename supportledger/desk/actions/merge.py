"""Merging a duplicate request into another of the same customer."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.references import request_reference
from supportledger.desk.actions._common import user_or_none
from supportledger.desk.actions.status import move_request_status
from supportledger.desk.models import (
    Attachment,
    Message,
    MoveReason,
    Request,
    Status,
    Timer,
    WorkEntry,
)
from supportledger.desk.search import MAX_SEARCH_TEXT, search_text_of


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
    user = user_or_none(acting_user)
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
