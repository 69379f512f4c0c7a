"""Writes shared by every app: the audit row each action leaves behind, and
the refusal of a row its model's own validation rejects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.input import date_in_range, range_message
from supportledger.core.models import AuditEntry, VendorPolicy


def refuse_invalid(
    obj: models.Model, *, exclude: list[str] | None = None, validate_unique: bool = True
) -> None:
    """Refuse (``invalid``) a row its model's validation rejects, with every
    reason it gives; nothing is written."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=validate_unique)
    except ValidationError as exc:
        raise ActionRefused("invalid", "; ".join(exc.messages)) from exc


def write_audit(
    *,
    acting_user: User | None,
    action: AuditAction,
    obj: models.Model,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record who did ``action`` to ``obj``. Called inside an action's
    transaction, so the audit row commits or rolls back with the write."""
    return AuditEntry.objects.create(
        at=at,
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail or {},
    )


CALENDAR_DAY_KINDS = ("closure", "working_day", "normal")
"""What a day of the vendor's calendar can be made: an extra day off, an
extra working day (e.g. a Hungarian working Saturday), or back to what the
weekday and the public holidays say."""


@transaction.atomic
def do_set_calendar_day(
    *,
    acting_user: User | None,
    day: date,
    kind: str,
    now: datetime | None = None,
) -> VendorPolicy:
    """Make ``day`` an extra day off (``closure``, the policy's
    ``closures``), an extra working day (``working_day``,
    ``extra_working_days``, with the hours of the first open day of the
    week) or neither (``normal``). The policy's version is renewed, so
    deadlines, windows and slots read the new calendar at once."""
    at = now or clock.now()
    if kind not in CALENDAR_DAY_KINDS:
        raise ActionRefused(
            "invalid", "kind: " + _("one of %(kinds)s.") % {"kinds": ", ".join(CALENDAR_DAY_KINDS)}
        )
    if not date_in_range(day):
        raise ActionRefused("invalid", "day: " + range_message())
    policy = VendorPolicy.objects.select_for_update().get(pk=1)
    text = day.isoformat()
    closures = sorted(d for d in policy.closures if d != text)
    working = sorted(d for d in policy.extra_working_days if d != text)
    if kind == "closure":
        closures = sorted([*closures, text])
    elif kind == "working_day":
        working = sorted([*working, text])
    if (closures, working) == (sorted(policy.closures), sorted(policy.extra_working_days)):
        return policy
    policy.closures, policy.extra_working_days = closures, working
    policy.save(update_fields=["closures", "extra_working_days"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_CALENDAR_DAY,
        obj=policy,
        at=at,
        detail={"day": text, "kind": kind},
    )
    return policy
