"""Writes of the intake: receiving a message, routing it from quarantine,
and every mail the intake sends.

Receiving never loses a message: the raw bytes are stored first, in the same
transaction as whatever routing does, and routing runs inside a savepoint, so
a refusal by the desk (or any failure) rolls back only the half-made request
and leaves the message in quarantine with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
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
from supportledger.desk.models import Request
from supportledger.intake import conf
from supportledger.intake.classify import automatic_mail_reason
from supportledger.intake.models import (
    INBOUND_TRANSITIONS,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMail,
)
from supportledger.intake.outbound import (
    OutgoingMail,
    build_email,
    new_message_id,
    references_for,
    render_mail,
    supported_language,
)
from supportledger.intake.parse import (
    MailParseError,
    ParsedMail,
    message_key,
    parse_message,
    read_message_id,
)
from supportledger.intake.thread import find_contacts, find_thread

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Receipt:
    """What became of one delivery. ``outcome`` is an ``InboundStatus`` value
    or ``"duplicate"`` (a second delivery of a stored message: nothing new
    was created; ``message`` is the first delivery's row)."""

    outcome: str
    message: InboundMessage

    @property
    def reason(self) -> str:
        return self.message.reason


class _Quarantine(Exception):
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
) -> _Quarantine:
    """A quarantine whose reason is stored in English (``msgid``, marked with
    ``gettext_noop``) and told in the active language."""
    return _Quarantine(code, msgid % params, status, message=_(msgid) % params)


def do_receive_mail(
    *,
    acting_user: User | None = None,
    raw: bytes,
    received_via: str,
    envelope_from: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Store ``raw`` and route it: a reply joins its request, a new message
    from a contact opens one (and is acknowledged), automatic mail is kept
    but not acted on, an unknown sender follows ``INTAKE_UNKNOWN_SENDERS``,
    what cannot be read or routed is quarantined with the reason.

    A message whose key (Message-ID, else the hash of its bytes) is already
    stored creates nothing: the first row's ``duplicate_deliveries`` goes up.
    ``envelope_from`` is the SMTP ``MAIL FROM`` ("" for ``<>``), None when
    unknown."""
    at = now or clock.now()
    key = message_key(raw, read_message_id(raw))
    existing = InboundMessage.objects.filter(message_key=key).first()
    if existing is not None:
        return _count_duplicate(existing, acting_user=acting_user, at=at)
    try:
        with transaction.atomic():
            return _receive(
                raw=raw,
                key=key,
                received_via=received_via,
                envelope_from=envelope_from,
                acting_user=acting_user,
                at=at,
            )
    except IntegrityError:
        # The same message arrived on another connection at the same moment.
        existing = InboundMessage.objects.filter(message_key=key).first()
        if existing is None:
            raise
        return _count_duplicate(existing, acting_user=acting_user, at=at)


@transaction.atomic
def _count_duplicate(message: InboundMessage, *, acting_user: User | None, at: datetime) -> Receipt:
    InboundMessage.objects.filter(pk=message.pk).update(
        duplicate_deliveries=F("duplicate_deliveries") + 1
    )
    message.refresh_from_db(fields=["duplicate_deliveries"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RECEIVE_DUPLICATE_MAIL,
        obj=message,
        at=at,
        detail={"deliveries": message.duplicate_deliveries + 1},
    )
    return Receipt(DUPLICATE, message)


def _receive(
    *,
    raw: bytes,
    key: str,
    received_via: str,
    envelope_from: str | None,
    acting_user: User | None,
    at: datetime,
) -> Receipt:
    inbound = InboundMessage(
        message_key=key,
        raw=raw,
        size=len(raw),
        received_at=at,
        received_via=received_via,
        envelope_from=(envelope_from or "")[:320],
        status=InboundStatus.QUARANTINED,
    )
    parsed: ParsedMail | None = None
    try:
        if len(raw) > conf.max_message_bytes():
            raise _Quarantine(
                "too_large", f"{len(raw)} bytes; the limit is {conf.max_message_bytes()}."
            )
        try:
            parsed = parse_message(raw)
        except MailParseError as exc:
            raise _Quarantine(exc.code, exc.detail) from exc
        _describe(inbound, parsed)
        automatic = automatic_mail_reason(parsed, envelope_from=envelope_from)
        if automatic:
            inbound.auto_generated = True
            raise _Quarantine(
                automatic, "Automatic mail is kept, not acted on.", InboundStatus.IGNORED_AUTO
            )
        inbound.save()
        _route_in_savepoint(inbound, parsed, acting_user=acting_user, at=at)
    except _Quarantine as stop:
        inbound.status = stop.status
        inbound.reason = stop.code
        inbound.reason_detail = stop.detail[:500]
        inbound.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RECEIVE_MAIL,
        obj=inbound,
        at=at,
        detail={"status": inbound.status, "reason": inbound.reason, "via": received_via},
    )
    if inbound.status == InboundStatus.ROUTED and inbound.opened_request:
        inbound_id = inbound.pk
        transaction.on_commit(lambda: send_acknowledgement(inbound_id, now=at))
    return Receipt(inbound.status, inbound)


def _describe(inbound: InboundMessage, parsed: ParsedMail) -> None:
    inbound.from_address = parsed.from_address[:320]
    inbound.subject = parsed.subject[:300]
    inbound.body_text = parsed.text
    inbound.body_html = parsed.html
    inbound.attachment_count = len(parsed.attachments)


def _route_in_savepoint(
    inbound: InboundMessage, parsed: ParsedMail, *, acting_user: User | None, at: datetime
) -> None:
    """Route ``inbound``; on refusal only the routing is rolled back and the
    message is quarantined with the refusal's code. Routing runs in English,
    so the reason kept on the message is English whoever delivered it."""
    try:
        with translation.override("en"), transaction.atomic():
            _route(inbound, parsed, acting_user=acting_user, at=at)
    except ActionRefused as refused:
        raise _Quarantine(refused.code, refused.message) from refused
    except _Quarantine:
        raise
    except Exception as exc:
        logger.exception("Routing inbound message %s failed", inbound.message_key)
        raise _Quarantine("routing_failed", f"{type(exc).__name__}: {exc}"[:500]) from exc


def _route(
    inbound: InboundMessage,
    parsed: ParsedMail,
    *,
    acting_user: User | None,
    at: datetime,
    request: Request | None = None,
    contact: Contact | None = None,
) -> None:
    """Join the thread, or open a request. ``request``/``contact`` are given
    when staff route a message by hand."""
    how = "staff"
    if request is None and contact is None:
        request, how = find_thread(parsed)
    contacts = find_contacts(parsed.from_address)
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
    from supportledger.desk.actions import do_open_request

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
    from supportledger.desk.actions import do_post_message

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
    now: datetime | None = None,
) -> InboundMessage:
    """Staff release a message that was not routed: into ``request`` (the
    sender's contact of that customer is the author when there is one,
    otherwise it is posted as an internal note), or as a new request for
    ``contact``, or, with neither, by the automatic rules again (say after
    the sender was added as a contact). Automatic mail released this way is
    never acknowledged."""
    at = now or clock.now()
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    check_transition(
        INBOUND_TRANSITIONS,
        locked.status,
        InboundStatus.ROUTED,
        sentence=_("The message is already %(current)s."),
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
            _route(locked, parsed, acting_user=acting_user, at=at, request=request, contact=contact)
    except _Quarantine as stop:
        raise ActionRefused(stop.code, stop.message) from stop
    locked.routed_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.save(update_fields=["routed_by"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ROUTE_INBOUND_MESSAGE,
        obj=locked,
        at=at,
        detail={"request": locked.request_id, "opened": locked.opened_request},
    )
    if locked.opened_request and not locked.auto_generated:
        inbound_id = locked.pk
        transaction.on_commit(lambda: send_acknowledgement(inbound_id, now=at))
    return locked


# --- Outbound ---------------------------------------------------------------


def _send(mail: OutgoingMail, *, kind: str, at: datetime, **links: Any) -> OutboundMail:
    """Send one mail through the configured backend and log it. Raises when
    the backend fails; nothing is logged then."""
    connection = get_connection(fail_silently=False)
    build_email(mail, connection=connection).send()
    return OutboundMail.objects.create(
        message_id=mail.message_id,
        kind=kind,
        to=mail.to[:320],
        subject=mail.subject[:300],
        language=mail.language,
        sent_at=at,
        **links,
    )


def _thread_ids(request: Request) -> list[str]:
    """Message-IDs of a request's mail, oldest first: what it received and
    what was sent for it."""
    received = InboundMessage.objects.filter(request=request, status=InboundStatus.ROUTED)
    sent = OutboundMail.objects.filter(request=request)
    # At the same instant what was received comes before what answered it.
    dated = [
        (m.received_at, 0, m.pk, m.message_key)
        for m in received
        if not m.message_key.startswith("sha256:")
    ]
    dated += [(m.sent_at, 1, m.pk, m.message_id) for m in sent]
    return [entry[3] for entry in sorted(dated)]


def send_acknowledgement(inbound_id: int, *, now: datetime | None = None) -> OutboundMail | None:
    """Acknowledge the request a message opened, to its sender, in the
    contact's language, marked ``Auto-Submitted: auto-replied``. Never for
    automatic mail; at most once per message. Runs after the receiving
    transaction commits; a failing mail server is logged, not raised, so
    receiving is never undone by it."""
    at = now or clock.now()
    inbound = InboundMessage.objects.select_related("request__contact").get(pk=inbound_id)
    request = inbound.request
    if inbound.auto_generated or request is None or not inbound.opened_request:
        return None
    contact = request.contact
    if contact is None:
        return None
    if OutboundMail.objects.filter(request=request, kind=OutboundKind.ACKNOWLEDGEMENT).exists():
        return None
    # A system that answers our acknowledgements with new mail (and marks
    # none of it automatic) meets this cap instead of looping (RFC 3834 5.1).
    recent = OutboundMail.objects.filter(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        to__iexact=contact.email,
        sent_at__gt=at - timedelta(days=1),
    ).count()
    if recent >= conf.acknowledgements_per_day():
        logger.warning(
            "Not acknowledging %s: %s had %d today", request.reference, contact.email, recent
        )
        return None
    language = supported_language(contact.language)
    subject, body = render_mail(
        "acknowledgement", {"request": request, "contact": contact}, language
    )
    mail = OutgoingMail(
        to=contact.email,
        subject=subject,
        body=body,
        language=language,
        message_id=new_message_id(),
        in_reply_to=inbound.message_key if not inbound.message_key.startswith("sha256:") else "",
        references=references_for(_thread_ids(request)),
        automatic="auto-replied",
    )
    try:
        with transaction.atomic():
            sent = _send(
                mail, kind=OutboundKind.ACKNOWLEDGEMENT, at=at, request=request, contact=contact
            )
            write_audit(acting_user=None, action=AuditAction.SEND_ACKNOWLEDGEMENT, obj=sent, at=at)
    except Exception:
        logger.exception("Acknowledgement of %s could not be sent", request.reference)
        return None
    return sent


def do_send_balance_alerts(*, acting_user: User | None = None, now: datetime | None = None) -> int:
    """Mail every balance alert not yet notified to its customer's contacts,
    each in the contact's language, and mark it notified. Called by the
    worker. Each alert is locked while it is sent, so two workers never send
    it twice; when the mail server fails the alert stays unnotified and the
    next run tries again. Returns the number of alerts notified."""
    from supportledger.entitlements.queries import list_unnotified_balance_alerts

    at = now or clock.now()
    notified = 0
    for alert_id in list(list_unnotified_balance_alerts().values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                notified += _send_balance_alert(alert_id, acting_user=acting_user, at=at)
        except Exception:
            logger.exception("Balance alert %s could not be sent; will retry", alert_id)
    return notified


def _send_balance_alert(alert_id: int, *, acting_user: User | None, at: datetime) -> int:
    from supportledger.entitlements.models import BalanceAlert

    alert = (
        BalanceAlert.objects.select_for_update(of=("self",))
        .select_related("entitlement__customer")
        .get(pk=alert_id)
    )
    if alert.notified_at is not None:
        return 0
    entitlement = alert.entitlement
    customer = entitlement.customer
    for contact in Contact.objects.filter(customer=customer).order_by("pk"):
        language = supported_language(contact.language, customer.language)
        context = {
            "alert": alert,
            "entitlement": entitlement,
            "customer": customer,
            "contact": contact,
            "hours_left": _hours(entitlement.balance_minutes),
        }
        subject, body = render_mail("balance_alert", context, language)
        mail = OutgoingMail(
            to=contact.email,
            subject=subject,
            body=body,
            language=language,
            message_id=new_message_id(),
            automatic="auto-generated",
        )
        _send(mail, kind=OutboundKind.BALANCE_ALERT, at=at, balance_alert=alert, contact=contact)
    alert.notified_at = at
    alert.save(update_fields=["notified_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SEND_BALANCE_ALERT,
        obj=alert,
        at=at,
        detail={"threshold": alert.threshold, "entitlement": entitlement.reference},
    )
    return 1


def _hours(minutes: int) -> str:
    """Whole minutes as H:MM, the way a balance of hours is read."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def do_send_release_mails(
    *, acting_user: User | None = None, release: Any, now: datetime | None = None
) -> int:
    """Announce ``release`` to every contact of every customer that may
    download it today (``rules.eligibility.may_download``, policy time zone),
    each in the contact's language; once per contact and release whatever
    how often it is called. Returns the number of mails sent."""
    from supportledger.core.convert import kind_defaults_from_row
    from supportledger.entitlements.convert import (
        entitlement_to_rules,
        licence_to_rules,
        local_date,
    )
    from supportledger.entitlements.models import Entitlement, Licence
    from supportledger.rules import types as rules
    from supportledger.rules.eligibility import may_download

    at = now or clock.now()
    policy = get_vendor_policy()
    today = local_date(at, policy.timezone)
    kind_defaults = kind_defaults_from_row(policy)
    product = release.product
    rules_release = rules.Release(product.code, release.version, release.released_on)
    licences_by_customer: dict[int, list[rules.Licence]] = {}
    for licence in Licence.objects.filter(product=product).select_related("product"):
        licences_by_customer.setdefault(licence.customer_id, []).append(licence_to_rules(licence))
    already = set(
        OutboundMail.objects.filter(kind=OutboundKind.RELEASE, release=release).values_list(
            "contact_id", flat=True
        )
    )
    sent = 0
    for customer in Customer.objects.filter(pk__in=licences_by_customer).order_by("pk"):
        rows = (
            Entitlement.objects.filter(customer=customer)
            .select_related("licence__product")
            .prefetch_related("products")
        )
        entitlements = [entitlement_to_rules(row, kind_defaults=kind_defaults) for row in rows]
        verdict = may_download(
            licences_by_customer[customer.pk], entitlements, rules_release, today
        )
        if not verdict.allowed:
            continue
        for contact in customer.contacts.order_by("pk"):
            if contact.pk in already:
                continue
            language = supported_language(contact.language, customer.language)
            subject, body = render_mail(
                "release",
                {"release": release, "product": product, "customer": customer, "contact": contact},
                language,
            )
            mail = OutgoingMail(
                to=contact.email,
                subject=subject,
                body=body,
                language=language,
                message_id=new_message_id(),
                automatic="auto-generated",
            )
            try:
                with transaction.atomic():
                    logged = _send(
                        mail, kind=OutboundKind.RELEASE, at=at, release=release, contact=contact
                    )
                    write_audit(
                        acting_user=acting_user,
                        action=AuditAction.SEND_RELEASE_MAIL,
                        obj=logged,
                        at=at,
                    )
            except Exception:
                logger.exception("Release mail to %s could not be sent", contact.email)
                continue
            sent += 1
    return sent


def send_reply(message_id: int, *, now: datetime | None = None) -> OutboundMail | None:
    """Mail a public reply that staff posted on a request to the request's
    contact, in the contact's language: ``Re: [REQ-n] subject``, threaded with
    In-Reply-To (the customer's latest mail) and References, attachments
    included, no Auto-Submitted (a person wrote it). Once per message. Runs
    after the posting transaction commits; a failing mail server is logged,
    not raised, so the reply stays posted."""
    from supportledger.desk.models import Message

    at = now or clock.now()
    message = Message.objects.select_related("request__contact").get(pk=message_id)
    request = message.request
    contact = request.contact
    if message.internal or message.author_contact_id is not None or contact is None:
        return None
    if OutboundMail.objects.filter(kind=OutboundKind.REPLY, desk_message=message).exists():
        return None
    language = supported_language(contact.language)
    subject, body = render_mail(
        "reply", {"request": request, "contact": contact, "body": message.body_text}, language
    )
    thread = _thread_ids(request)
    customer_ids = [
        key
        for key in InboundMessage.objects.filter(request=request, status=InboundStatus.ROUTED)
        .order_by("-received_at", "-id")
        .values_list("message_key", flat=True)
        if not key.startswith("sha256:")
    ]
    attachments = []
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            attachments.append((attachment.filename, attachment.content_type, handle.read()))
    mail = OutgoingMail(
        to=contact.email,
        subject=subject,
        body=body,
        language=language,
        message_id=new_message_id(),
        in_reply_to=customer_ids[0] if customer_ids else (thread[-1] if thread else ""),
        references=references_for(thread),
        attachments=tuple(attachments),
    )
    try:
        with transaction.atomic():
            sent = _send(
                mail,
                kind=OutboundKind.REPLY,
                at=at,
                request=request,
                contact=contact,
                desk_message=message,
            )
            write_audit(acting_user=None, action=AuditAction.SEND_REPLY, obj=sent, at=at)
    except Exception:
        logger.exception("Reply %s on %s could not be mailed", message.pk, request.reference)
        return None
    return sent
