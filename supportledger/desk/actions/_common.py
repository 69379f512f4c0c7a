"""What several desk actions share: the acting user as stored on a row, and
the lock a request and its customer's entitlements are written under.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.locking import Locked, lock_for_rating
from supportledger.desk.models import Request, WorkEntry
from supportledger.entitlements.convert import local_date, month_start, previous_month_start


def lock_for_work(
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


def user_or_none(acting_user: User | None) -> Any:
    return acting_user if getattr(acting_user, "pk", None) else None
