"""Claims (complaints about work, seed S4): filed within the complaint window,
accepted with a service warranty, or rejected with the travel charged;
only where the vendor's policy offers claims.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from supportledger.catalog.queries import get_service_price_on
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.models import Contact
from supportledger.desk.models import WorkEntry
from supportledger.entitlements.actions.sales import do_grant_service_warranty
from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.claims import is_complaint_in_time
from supportledger.service.actions._common import rules_policy
from supportledger.service.mail import format_local
from supportledger.service.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimStatus,
    TravelCharge,
)
from supportledger.service.queries import (
    get_claim_window,
)


def _require_claims() -> None:
    """Claims exist only where the vendor's policy offers them (``claims``
    among its features), at every door; refused with ``not_offered``."""
    if "claims" not in (get_vendor_policy().features or ()):
        raise ActionRefused(
            "not_offered",
            _("This vendor takes no complaints about work: claims are off in its policy."),
        )


@transaction.atomic
def do_file_claim(
    *,
    acting_user: User | None,
    work: WorkEntry,
    contact: Contact,
    description: str,
    now: datetime | None = None,
) -> Claim:
    """A complaint about confirmed ``work``. Refused after the complaint
    deadline (DESIGN 3.6), with the deadline in the active language and the
    vendor's time zone. A piece of work has one claim: filing again returns
    the claim already filed."""
    _require_claims()
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().select_related("request").get(pk=work.pk)
    if contact.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    # The work row is locked: a repeated or simultaneous filing waits here
    # and is answered with the claim already filed (one per work, a
    # database constraint too).
    existing = Claim.objects.filter(work=work).first()
    if existing is not None:
        return existing
    description = (description or "").strip()
    if not description:
        raise ActionRefused("invalid", "description: " + _("say what is wrong with the work."))
    window = get_claim_window(work)
    if window is None:
        raise ActionRefused(
            "not_confirmed", _("The work has not been confirmed yet; confirm it or reply to it.")
        )
    if not is_complaint_in_time(window, at):
        timezone = get_vendor_policy().timezone
        deadline = format_local(
            window.complaint_deadline, timezone, translation.get_language() or "en"
        )
        raise ActionRefused(
            "claim_too_late",
            _("The deadline for complaints about this work was %(deadline)s.")
            % {"deadline": deadline},
        )
    claim = Claim.objects.create(
        work=work,
        contact=contact,
        description=description,
        filed_at=at,
        deadline=window.complaint_deadline,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.FILE_CLAIM,
        obj=claim,
        at=at,
        detail={"work": work.work_id, "deadline": window.complaint_deadline.isoformat()},
    )
    return claim


@transaction.atomic
def do_accept_claim(
    *,
    acting_user: User | None,
    claim: Claim,
    note: str = "",
    now: datetime | None = None,
) -> Claim:
    """Accept a claim: the customer gets a ``service_warranty`` entitlement
    that makes the rework of the work complained about free: the work's
    request, product and category, from the day after the work (at the
    earliest the confirmation date) to the end of the service warranty (at
    least until today). Only that request's work is re-rated; the work
    complained about stays as it was rated."""
    _require_claims()
    at = now or clock.now()
    claim = Claim.objects.select_for_update().select_related("work__request").get(pk=claim.pk)
    check_transition(
        CLAIM_TRANSITIONS,
        claim.status,
        ClaimStatus.ACCEPTED,
        states=ClaimStatus,
        sentence=_("The claim is %(current)s; it cannot become %(to)s."),
    )
    window = get_claim_window(claim.work)
    assert window is not None  # a claim is filed only on confirmed work
    calendar = BusinessCalendar.for_policy(rules_policy())
    today = calendar.local_date(at)
    work = claim.work
    starts = max(window.confirmed_on, calendar.local_date(work.started_at) + timedelta(days=1))
    grant = do_grant_service_warranty(
        acting_user=acting_user,
        customer=work.request.customer,
        starts=starts,
        ends=max(window.service_warranty_ends, today, starts),
        products=[work.product],
        request=work.request,
        covers=[work.category],
        now=at,
    )
    claim.status = ClaimStatus.ACCEPTED
    claim.decided_at = at
    claim.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    claim.decision_note = note.strip()
    claim.service_warranty = grant
    claim.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "service_warranty"]
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ACCEPT_CLAIM,
        obj=claim,
        at=at,
        detail={"service_warranty": grant.pk, "ends": grant.ends.isoformat()},
    )
    return claim


@transaction.atomic
def do_reject_claim(
    *,
    acting_user: User | None,
    claim: Claim,
    note: str,
    visited_on_site: bool = False,
    now: datetime | None = None,
) -> Claim:
    """Reject a claim with the reason (``note``). When a technician travelled
    to check it (``visited_on_site``) the customer pays the travel: one
    ``TravelCharge`` at ``travel`` of the price list in force today."""
    _require_claims()
    at = now or clock.now()
    claim = Claim.objects.select_for_update().select_related("work__request").get(pk=claim.pk)
    check_transition(
        CLAIM_TRANSITIONS,
        claim.status,
        ClaimStatus.REJECTED,
        states=ClaimStatus,
        sentence=_("The claim is %(current)s; it cannot become %(to)s."),
    )
    note = (note or "").strip()
    if not note:
        raise ActionRefused("invalid", "note: " + _("give the reason for the rejection."))
    claim.status = ClaimStatus.REJECTED
    claim.decided_at = at
    claim.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    claim.decision_note = note
    claim.visited_on_site = visited_on_site
    claim.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "visited_on_site"]
    )
    detail: dict[str, Any] = {"visited_on_site": visited_on_site}
    if visited_on_site:
        charge = _charge_travel(claim, at)
        detail.update(travel_charge=charge.pk, amount=str(charge.amount))
    write_audit(
        acting_user=acting_user, action=AuditAction.REJECT_CLAIM, obj=claim, at=at, detail=detail
    )
    return claim


def _charge_travel(claim: Claim, at: datetime) -> TravelCharge:
    calendar = BusinessCalendar.for_policy(rules_policy())
    today = calendar.local_date(at)
    prices = get_service_price_on(today)
    if prices is None:
        raise ActionRefused(
            "no_price_list",
            _("No service price list is in force on %(day)s.")
            % {"day": format_date(today, translation.get_language() or "en")},
        )
    return TravelCharge.objects.create(
        claim=claim,
        customer=claim.work.request.customer,
        amount=Decimal(prices.travel),
        currency=prices.currency,
        price_list=prices,
        charged_on=today,
        created_at=at,
    )


@transaction.atomic
def do_mark_travel_charge_billed(
    *, acting_user: User | None, charge: TravelCharge, now: datetime | None = None
) -> TravelCharge:
    """The billing run took ``charge`` onto an invoice; a charge is billed once."""
    at = now or clock.now()
    charge = TravelCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.billed_at is not None:
        raise ActionRefused("already_billed", _("This travel charge has already been billed."))
    charge.billed_at = at
    charge.save(update_fields=["billed_at"])
    write_audit(acting_user=acting_user, action=AuditAction.BILL_TRAVEL_CHARGE, obj=charge, at=at)
    return charge
