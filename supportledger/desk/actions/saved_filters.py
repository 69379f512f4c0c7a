"""The queue's saved filters, one set per staff member."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import StaffMember
from supportledger.desk.models import SavedFilter

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
