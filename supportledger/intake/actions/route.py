"""Routing an inbound message: into a new or an existing request when its
sender is a contact whose mail passed authentication, else into quarantine
(or ignored, or rejected) with the reason; and staff routing a quarantined
message by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.actions import do_add_contact, do_create_customer
from supportledger.customers.models import Contact, Customer
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Request
from supportledger.intake import conf
from supportledger.intake.authenticate import SenderCheck, domains_align
from supportledger.intake.mail import queue_acknowledgement
from supportledger.intake.parse import (
    MailParseError,
    ParsedMail,
    parse_message,
)
from supportledger.intake.thread import find_contacts, find_thread
from supportledger.mail.compose import supported_language
from supportledger.mail.models import INBOUND_TRANSITIONS, InboundMessage, InboundStatus


class Quarantine(Exception):
    """``detail`` is kept on the message (in English); ``message`` is for the
    person who routes by hand, in their language (``detail`` when not given)."""

    def __init__(
        self,
        code: str,
        detail: str,
        status: str = InboundStatus.QUARANTINED,
        *,
        message: str | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.status = status
        self.message = detail if message is None else message


def _quarantine(
    code: str, msgid: str, params: dict[str, Any], status: str = InboundStatus.QUARANTINED
) -> Quarantine:
    """A quarantine whose reason is stored in English (``msgid``, marked with
    ``gettext_noop``) and told in the active language."""
    return Quarantine(code, msgid % params, status, message=_(msgid) % params)


def route_message(
    inbound: InboundMessage,
    parsed: ParsedMail,
    *,
    acting_user: User | None,
    at: datetime,
    request: Request | None = None,
    contact: Contact | None = None,
    sender: SenderCheck | None = None,
    envelope_from: str | None = None,
) -> None:
    """Join the thread, or open a request. ``request``/``contact`` are given
    when staff route a message by hand (then ``sender`` is not consulted).

    Without staff: a message whose sender fails authentication (``sender``)
    is quarantined; so is a reply into an existing thread whose envelope
    sender's domain differs from the From: domain unless the sender passed
    authentication (the spoof the From: header alone makes easy)."""
    how = "staff"
    if request is None and contact is None:
        request, how = find_thread(parsed)
        _check_sender(parsed, sender, envelope_from, into_thread=request is not None)
    found = find_contacts(parsed.from_address)
    # Only a proven address routes mail; staff routing by hand decides itself.
    contacts = [c for c in found if c.email_verified_at is not None]
    if found and not contacts and how != "staff":
        raise _quarantine(
            "sender_unverified",
            gettext_noop(
                "%(sender)s has not confirmed its address yet (the link mailed to it was "
                "not followed); mail from it is routed once it is confirmed."
            ),
            {"sender": parsed.from_address},
        )
    if how == "staff":
        contacts = found
    if request is not None:
        author = contact or next(
            (c for c in contacts if c.customer_id == request.customer_id), None
        )
        if author is None and how != "staff":
            raise _quarantine(
                "sender_not_of_customer",
                gettext_noop(
                    "%(sender)s is no contact of %(customer)s, whose request "
                    "%(request)s the message names."
                ),
                {
                    "sender": parsed.from_address,
                    "customer": request.customer,
                    "request": request.reference,
                },
            )
        _post_to_request(inbound, parsed, request, author, acting_user=acting_user, at=at)
        return
    if contact is None:
        customers = {c.customer_id for c in contacts}
        if len(customers) > 1:
            raise _quarantine(
                "ambiguous_sender",
                gettext_noop("%(sender)s is a contact of %(count)s customers."),
                {"sender": parsed.from_address, "count": len(customers)},
            )
        if contacts:
            contact = contacts[0]
        else:
            contact = _unknown_sender(parsed, acting_user=acting_user, at=at)
    _open_request(inbound, parsed, contact, acting_user=acting_user, at=at)


# Reasons a message was held because its sender may be forged: staff must
# confirm before routing it by hand.
UNAUTHENTICATED_REASONS = ("sender_failed_authentication", "sender_not_authenticated")


def _check_sender(
    parsed: ParsedMail, sender: SenderCheck | None, envelope_from: str | None, *, into_thread: bool
) -> None:
    if sender is None:
        return
    if sender.failed:
        raise _quarantine(
            "sender_failed_authentication",
            gettext_noop(
                "%(sender)s failed sender authentication (%(results)s): the message may be forged."
            ),
            {"sender": parsed.from_address, "results": sender.summary},
        )
    if (
        into_thread
        and envelope_from
        and not sender.authenticated
        and not domains_align(envelope_from, parsed.from_address)
    ):
        raise _quarantine(
            "sender_not_authenticated",
            gettext_noop(
                "The envelope sender %(envelope)s is of another domain than the From: address "
                "%(sender)s, and neither DKIM nor our server's checks prove the sender."
            ),
            {"envelope": envelope_from, "sender": parsed.from_address},
        )


def _unknown_sender(parsed: ParsedMail, *, acting_user: User | None, at: datetime) -> Contact:
    policy = conf.unknown_sender_policy()
    if policy == "reject":
        raise _quarantine(
            "unknown_sender",
            gettext_noop("%(sender)s is no contact; unknown senders are rejected."),
            {"sender": parsed.from_address},
            InboundStatus.REJECTED_UNKNOWN_SENDER,
        )
    if policy == "quarantine":
        raise _quarantine(
            "unknown_sender",
            gettext_noop("%(sender)s is no contact of any customer."),
            {"sender": parsed.from_address},
        )
    vendor = get_vendor_policy()
    language = supported_language(parsed.content_language, vendor.language)
    domain = parsed.from_address.partition("@")[2]
    customer: Customer = do_create_customer(
        acting_user=acting_user,
        organisation=(parsed.from_name or domain or parsed.from_address)[:200],
        city="?",
        country=vendor.country or "XX",
        language=language,
        currency=vendor.currency,
        now=at,
    )
    return do_add_contact(
        acting_user=acting_user,
        customer=customer,
        name=(parsed.from_name or parsed.from_address)[:200],
        email=parsed.from_address,
        language=language,
        # Its own mail opens the request; what else it sends waits for the
        # same proof as any other address's (Authentication-Results, DKIM).
        verified=True,
        now=at,
    )


def _open_request(
    inbound: InboundMessage,
    parsed: ParsedMail,
    contact: Contact,
    *,
    acting_user: User | None,
    at: datetime,
) -> None:
    request = do_open_request(
        acting_user=acting_user,
        customer=contact.customer,
        contact=contact,
        subject=(parsed.subject or "(no subject)")[:200],
        body=parsed.text,
        category=conf.default_category(),
        channel="email",
        attachments=tuple(a.as_tuple() for a in parsed.attachments),
        source_message_id=inbound.message_key,
        now=at,
    )
    _mark_routed(inbound, request, opened=True, at=at)


def _post_to_request(
    inbound: InboundMessage,
    parsed: ParsedMail,
    request: Request,
    author: Contact | None,
    *,
    acting_user: User | None,
    at: datetime,
) -> None:
    do_post_message(
        acting_user=acting_user,
        request=request,
        body_text=parsed.text,
        body_html=parsed.html,
        internal=author is None,
        author_contact=author,
        attachments=tuple(a.as_tuple() for a in parsed.attachments),
        source_message_id=inbound.message_key,
        now=at,
    )
    _mark_routed(inbound, request, opened=False, at=at)


def _mark_routed(inbound: InboundMessage, request: Request, *, opened: bool, at: datetime) -> None:
    inbound.status = InboundStatus.ROUTED
    inbound.reason = ""
    inbound.reason_detail = ""
    inbound.request = request
    inbound.opened_request = opened
    inbound.routed_at = at
    inbound.save()


@transaction.atomic
def do_route_inbound_message(
    *,
    acting_user: User | None,
    message: InboundMessage,
    request: Request | None = None,
    contact: Contact | None = None,
    confirm_unauthenticated: bool = False,
    now: datetime | None = None,
) -> InboundMessage:
    """Staff release a message that was not routed: into ``request`` (the
    sender's contact of that customer is the author when there is one,
    otherwise it is posted as an internal note), or as a new request for
    ``contact``, or, with neither, by the automatic rules again (say after
    the sender was added as a contact). Automatic mail released this way is
    never acknowledged.

    A message held because its sender failed authentication (it may be
    forged) is refused with ``confirm_unauthenticated``, naming the reason,
    unless the staff member confirmed (``confirm_unauthenticated=True``);
    the audit row then keeps the reason and the results."""
    at = now or clock.now()
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    check_transition(
        INBOUND_TRANSITIONS,
        locked.status,
        InboundStatus.ROUTED,
        sentence=_("The message is already %(current)s."),
    )
    unauthenticated = None
    if locked.reason in UNAUTHENTICATED_REASONS:
        unauthenticated = {
            "reason": locked.reason,
            "detail": locked.reason_detail,
            "authentication": locked.authentication,
        }
        if not confirm_unauthenticated:
            raise ActionRefused(
                "confirm_unauthenticated",
                "confirm_unauthenticated: "
                + _(
                    "the sender failed authentication (%(reason)s: %(detail)s); the message "
                    "may be forged. Confirm that you checked it to route it anyway."
                )
                % {"reason": locked.reason, "detail": locked.reason_detail},
            )
    try:
        parsed = parse_message(bytes(locked.raw))
    except MailParseError as exc:
        raise ActionRefused(
            "unparseable",
            _("The message cannot be read (%(detail)s); download it instead.")
            % {"detail": exc.detail},
        ) from exc
    if contact is not None and request is not None and contact.customer_id != request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    try:
        with transaction.atomic():
            route_message(
                locked, parsed, acting_user=acting_user, at=at, request=request, contact=contact
            )
    except Quarantine as stop:
        raise ActionRefused(stop.code, stop.message) from stop
    locked.routed_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.save(update_fields=["routed_by"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ROUTE_INBOUND_MESSAGE,
        obj=locked,
        at=at,
        detail={
            "request": locked.request_id,
            "opened": locked.opened_request,
            **({"unauthenticated_sender": unauthenticated} if unauthenticated else {}),
        },
    )
    if locked.opened_request and not locked.auto_generated:
        queue_acknowledgement(locked, at=at)
    return locked
