"""Opening a request: the channels a customer may open one on, its first
attachments, the first-response clock started, and an incident charged when
the customer's contract counts incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact, Customer
from supportledger.desk.actions._common import lock_for_work, user_or_none
from supportledger.desk.actions.attachments import check_attachment, store_attachments
from supportledger.desk.convert import business_calendar
from supportledger.desk.convert import rules_entitlements as _rules_entitlements
from supportledger.desk.models import Message, Mode, Priority, Request, WorkEntry
from supportledger.desk.search import search_text_of
from supportledger.entitlements.actions.ledger import post_entry
from supportledger.entitlements.convert import local_date, policy_on
from supportledger.entitlements.models import Entitlement, Kind, Licence, Reason
from supportledger.rules.rating import rate_work
from supportledger.rules.response import first_response_due, response_target_minutes
from supportledger.rules.types import CATEGORIES, MODES, RequestRef, RulesError, Work, as_category


@transaction.atomic
def do_open_request(
    *,
    acting_user: User | None,
    customer: Customer,
    subject: str,
    body: str = "",
    category: str,
    channel: str | None = None,
    contact: Contact | None = None,
    product: Product | None = None,
    licence: Licence | None = None,
    priority: str = Priority.NORMAL,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    source_message_id: str | None = None,
    now: datetime | None = None,
    opened_via: str | None = None,
) -> Request:
    """Open a request for ``customer`` that came in through ``channel`` (one
    of the policy's channels; the portal and e-mail are always open). ``body``
    becomes the first public message of the thread, from ``contact``.

    Idempotent on ``source_message_id``: opening again with the Message-ID of
    an e-mail that already opened a request returns that request. The
    first-response target is the tightest ``response_business_minutes`` of
    the customer's contracts valid today, counted in business time. A phone
    request for a customer holding an incident pack consumes one incident now
    (the pack chosen by the same rating rules that charge work).
    ``opened_via`` is the older name of ``channel``, still accepted."""
    at = now or clock.now()
    channel = channel or opened_via
    if channel is None:
        raise ActionRefused("invalid", "channel: " + _("say how the request came in."))
    if source_message_id:
        existing = Request.objects.filter(source_message_id=source_message_id).first()
        if existing is not None:
            return existing
    policy_row = get_vendor_policy()
    subject = " ".join(subject.split())
    if not subject:
        raise ActionRefused("invalid", "subject: " + _("a request needs a subject."))
    if category not in CATEGORIES:
        raise ActionRefused(
            "invalid",
            "category: " + _("unknown category %(category)s.") % {"category": repr(category)},
        )
    if channel not in allowed_channels(policy_row):
        raise ActionRefused(
            "invalid",
            "channel: "
            + _("%(channel)s is not offered; one of %(allowed)s.")
            % {"channel": repr(channel), "allowed": ", ".join(allowed_channels(policy_row))},
        )
    if priority not in Priority.values:
        raise ActionRefused(
            "invalid",
            "priority: " + _("unknown priority %(priority)s.") % {"priority": repr(priority)},
        )
    if contact is not None and contact.customer_id != customer.pk:
        raise ActionRefused(
            "wrong_customer", "contact: " + _("the contact belongs to another customer.")
        )
    if licence is not None:
        if licence.customer_id != customer.pk:
            raise ActionRefused(
                "wrong_customer", "licence: " + _("the licence belongs to another customer.")
            )
        if product is None:
            product = licence.product
        elif licence.product_id != product.pk:
            raise ActionRefused(
                "wrong_product",
                "licence: "
                + _("the licence is for %(licence)s, not %(product)s.")
                % {"licence": licence.product.code, "product": product.code},
            )
    files = [check_attachment(*item) for item in attachments]
    request = Request.objects.create(
        customer=customer,
        contact=contact,
        product=product,
        licence=licence,
        category=category,
        channel=channel,
        opened_via=mode_of_channel(channel),
        subject=subject[:200],
        priority=priority,
        source_message_id=source_message_id or "",
        search_text=search_text_of(subject[:200], customer.organisation, [body]),
        created_at=at,
        updated_at=at,
    )
    _start_response_clock(request, policy_row, at)
    if body.strip() or files:
        message = Message.objects.create(
            request=request,
            internal=False,
            author_contact=contact,
            author_user=None if contact is not None else user_or_none(acting_user),
            body_text=body,
            created_at=at,
        )
        store_attachments(message, files, at)
    if request.opened_via == Mode.PHONE:
        _charge_incident_on_opening(request, policy_row, acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.OPEN_REQUEST,
        obj=request,
        at=at,
        detail={"channel": channel, "customer": customer.pk},
    )
    return request


ALWAYS_OPEN_CHANNELS = ("portal", "email")
"""Written channels every vendor has: the portal is the product itself and
mail intake is configured on its own."""


_CHAT_LIKE = "chat"


def allowed_channels(policy_row: Any) -> tuple[str, ...]:
    """The channels requests may come through: the policy's plus the portal
    and e-mail, in the policy's order."""
    channels = list(policy_row.channels or [])
    channels += [c for c in ALWAYS_OPEN_CHANNELS if c not in channels]
    return tuple(channels)


def mode_of_channel(channel: str) -> str:
    """The mode a channel rates as: a mode's own name, else a written
    messaging channel (WhatsApp, VK, ...) rates as chat."""
    return channel if channel in MODES else _CHAT_LIKE


def _customer_rules_entitlements(request: Request, policy_row: Any, at: datetime) -> list[Any]:
    day = local_date(at, policy_row.timezone)
    rows = (
        Entitlement.objects.filter(customer_id=request.customer_id, starts__lte=day, ends__gte=day)
        .select_related("licence__product")
        .prefetch_related("products")
        .order_by("id")
    )
    return _rules_entitlements(rows, policy_row, day)


def _start_response_clock(request: Request, policy_row: Any, at: datetime) -> None:
    values = _customer_rules_entitlements(request, policy_row, at)
    product = request.product.code if request.product is not None else ""
    target = response_target_minutes(values, product, local_date(at, policy_row.timezone))
    if target is None:
        return
    request.response_target_minutes = target
    request.response_due_at = first_response_due(business_calendar(policy_row), at, target)
    request.save(update_fields=["response_target_minutes", "response_due_at"])


def _charge_incident_on_opening(
    request: Request, policy_row: Any, *, acting_user: User | None, at: datetime
) -> None:
    """Charge one incident for a phone request, from the pack the rating
    rules pick for one minute of phone work on it now; no pack, nothing."""
    if not Entitlement.objects.filter(
        customer_id=request.customer_id, kind=Kind.INCIDENT_PACK, balance_incidents__gte=1
    ).exists():
        return
    day = local_date(at, policy_row.timezone)
    probe = WorkEntry(
        work_id=f"opening-{request.reference}",
        request=request,
        started_at=at,
        ended_at=at + timedelta(minutes=1),
        mode=Mode.PHONE,
        category=request.category,
    )
    locked = lock_for_work(request, extra=set(), work=probe, policy_row=policy_row)
    values = _rules_entitlements(locked.held.values(), policy_row, day, locked.used)
    rules_work = Work(
        id=probe.work_id,
        product=request.product.code if request.product is not None else "",
        category=as_category(request.category),
        mode="phone",
        started_at=probe.started_at,
        ended_at=probe.ended_at,
        request=RequestRef(id=request.reference, opened_via=request.opened_via),
    )
    result = rate_work(policy_on(policy_row, day), values, rules_work)
    if isinstance(result, RulesError) or not result.incidents:
        return
    by_reference = {row.reference: row.pk for row in locked.held.values()}
    for use in result.incidents:
        row = locked.row(by_reference[use.entitlement])
        post_entry(
            row,
            reason=Reason.CONSUME,
            incidents=-use.count,
            acting_user=acting_user,
            at=at,
            note=f"phone request {request.reference} opened",
        )
        locked.request.incident_entitlement = row
        locked.request.save(update_fields=["incident_entitlement"])
        request.incident_entitlement = row
