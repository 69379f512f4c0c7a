"""Named reads of the desk."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from supportledger.catalog.models import Product
from supportledger.core.convert import kind_defaults_from_row
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.desk.models import Request
from supportledger.entitlements.convert import (
    entitlement_to_rules,
    local_date,
    month_start,
    policy_on,
    previous_month_start,
)
from supportledger.entitlements.models import AllowanceUsage, Entitlement
from supportledger.rules.rating import rate_work
from supportledger.rules.types import Rating, RequestRef, RulesError, Work


def get_rating_preview(
    customer: Customer,
    *,
    started_at: datetime,
    ended_at: datetime,
    mode: str,
    category: str,
    product: Product,
    city: str = "",
    request: Request | None = None,
) -> Rating | RulesError:
    """What this piece of work would cost ``customer`` now, from the current
    balances, rated by ``rules.rating.rate_work`` exactly as recording would
    rate it. Reads only; nothing is locked or written, so a recording made
    later may differ if balances move in between."""
    policy_row = get_vendor_policy()
    day = local_date(started_at, policy_row.timezone)
    month, last_month = month_start(day), previous_month_start(day)
    rows = list(
        Entitlement.objects.filter(Q(customer=customer, starts__lte=day, ends__gte=day))
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    )
    kind_defaults = kind_defaults_from_row(policy_row)
    usage = {
        (u.entitlement_id, u.month): u.used_minutes
        for u in AllowanceUsage.objects.filter(
            entitlement__in=[r.pk for r in rows], month__in=[month, last_month]
        )
    }
    values = []
    for row in rows:
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
    incident_from = request.incident_entitlement if request is not None else None
    work = Work(
        id="preview",
        product=product.code,
        category=category,
        mode=mode,
        started_at=started_at,
        ended_at=ended_at,
        request=RequestRef(
            id=request.reference if request is not None else "preview",
            opened_via=request.opened_via if request is not None else mode,
            incident_from=incident_from.reference if incident_from is not None else None,
        ),
        city=city or None,
    )
    return rate_work(policy_on(policy_row, day), values, work)
