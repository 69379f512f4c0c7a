"""Mail out: the outbox every outbound mail goes through, its delivery by the
worker, and the intake's own notifications (acknowledgements, staff replies,
balance alerts, release announcements).

An action that causes a mail calls ``queue_mail`` (or one of the
``queue_*`` notifications below) inside its own transaction: the mail is a
row of ``OutboundMail`` committed with the write that caused it, or rolled
back with it. Nothing here talks to the mail server inside a request.
``deliver_due_mail`` (a worker job, run every poll) sends what is due, each
row locked while it is sent; a failure is retried with exponential back-off
and given up after ``INTAKE_OUTBOX_MAX_ATTEMPTS``; staff put a given-up mail
back with ``do_retry_outbound_mail``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Contact, Customer
from supportledger.desk.models import Request
from supportledger.intake import conf
from supportledger.intake.models import (
    OUTBOUND_TRANSITIONS,
    InboundMessage,
    InboundStatus,
    OutboundAttachment,
    OutboundKind,
    OutboundMail,
    OutboundStatus,
)
from supportledger.intake.outbound import (
    OutgoingMail,
    new_message_id,
    references_for,
    render_mail,
    supported_language,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ATTACHMENT_RENDERERS",
    "DeliveryReport",
    "deliver_due_mail",
    "do_retry_outbound_mail",
    "queue_acknowledgement",
    "queue_balance_alerts",
    "queue_contact_verification",
    "queue_mail",
    "queue_message",
    "queue_release_mails",
    "queue_reply",
    "register_attachment_renderer",
    "retry_delay",
]


# --- The outbox ---------------------------------------------------------------


def queue_mail(mail: OutgoingMail, *, kind: str, at: datetime, **links: Any) -> OutboundMail:
    """Write ``mail`` to the outbox, due at once. Call it inside the
    transaction of the action that causes the mail: the row commits (and the
    mail leaves) only with that action. ``links`` are the row's foreign keys
    (``request``, ``contact``, ``desk_message``, ``release``,
    ``balance_alert``)."""
    headers: dict[str, str] = {"Content-Language": mail.language}
    if mail.in_reply_to:
        headers["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in mail.references[-20:])
    if mail.automatic:
        headers["Auto-Submitted"] = mail.automatic
        # Asks Exchange and similar not to answer with out-of-office mail.
        headers["X-Auto-Response-Suppress"] = "All"
    row = OutboundMail.objects.create(
        message_id=mail.message_id,
        kind=kind,
        status=OutboundStatus.PENDING,
        from_email=str(settings.DEFAULT_FROM_EMAIL)[:320],
        to=mail.to[:320],
        subject=mail.subject[:300],
        body=mail.body,
        headers=headers,
        language=mail.language,
        queued_at=at,
        next_attempt_at=at,
        **links,
    )
    OutboundAttachment.objects.bulk_create(
        OutboundAttachment(
            mail=row, filename=filename[:255], content_type=content_type[:127], content=content
        )
        for filename, content_type, content in mail.attachments
    )
    return row


# Attachments made at delivery: name -> function(source id) -> bytes. An app
# registers its renderers when it starts (billing: an issued invoice's PDF),
# so the action that queues the mail stays quick and the outbox needs no
# import of the app.
ATTACHMENT_RENDERERS: dict[str, Callable[[int], bytes]] = {}


def register_attachment_renderer(name: str, render: Callable[[int], bytes]) -> None:
    ATTACHMENT_RENDERERS[name] = render


def _render_deferred_attachments(row: OutboundMail) -> None:
    """Make the attachments queued with a renderer and no content yet, and
    keep them, so every later attempt sends the same bytes. Raises what the
    renderer raises (the attempt then counts as failed and is retried)."""
    for attachment in row.attachments.exclude(renderer=""):
        if attachment.source_id is None or len(bytes(attachment.content)):
            continue
        render = ATTACHMENT_RENDERERS.get(attachment.renderer)
        if render is None:
            raise LookupError(f"no attachment renderer {attachment.renderer!r} is registered")
        attachment.content = render(attachment.source_id)
        attachment.save(update_fields=["content"])


def queue_message(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    language: str,
    at: datetime,
    automatic: str = "auto-generated",
    attachments: Sequence[tuple[str, str, bytes]] = (),
    rendered_attachments: Sequence[tuple[str, str, str, int]] = (),
    **links: Any,
) -> OutboundMail:
    """``queue_mail`` for a notification already rendered by its app
    (visits, billing, the portal): a new Message-ID, no thread.

    ``rendered_attachments`` are ``(filename, content type, renderer,
    source id)``: written with the mail (in the caller's transaction) and
    made by the registered renderer at the first delivery attempt."""
    row = queue_mail(
        OutgoingMail(
            to=to,
            subject=" ".join(subject.split())[:250],
            body=body,
            language=language,
            message_id=new_message_id(),
            automatic=automatic,
            attachments=tuple(attachments),
        ),
        kind=kind,
        at=at,
        **links,
    )
    OutboundAttachment.objects.bulk_create(
        OutboundAttachment(
            mail=row,
            filename=filename[:255],
            content_type=content_type[:127],
            content=b"",
            renderer=renderer,
            source_id=source_id,
        )
        for filename, content_type, renderer, source_id in rendered_attachments
    )
    return row


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its ``attempts``-th failed attempt:
    ``INTAKE_OUTBOX_RETRY_SECONDS`` (default 60) doubled for every earlier
    failure, at most six hours."""
    base = int(conf.setting("INTAKE_OUTBOX_RETRY_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 60 * 60))


def max_attempts() -> int:
    return int(conf.setting("INTAKE_OUTBOX_MAX_ATTEMPTS", 10))


def build_outbound_email(row: OutboundMail, *, connection: Any = None) -> EmailMessage:
    """The mail of an outbox row, exactly as queued (same Message-ID on every
    attempt, so a receiver that got it once can tell a repeat)."""
    email = EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers={"Message-ID": f"<{row.message_id}>", **row.headers},
        connection=connection,
    )
    for attachment in row.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return email


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    given_up: int


def deliver_due_mail(*, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """The worker job: send every pending mail whose next attempt is due, the
    oldest first, at most ``limit``. Each row is locked while it is sent
    (``SKIP LOCKED`` on PostgreSQL: two workers never send the same mail)
    and marked sent in the same transaction; a failure counts an attempt and
    sets the next one ``retry_delay`` later, or gives up after
    ``max_attempts``. Returns what happened."""
    at = now or clock.now()
    due = list(
        OutboundMail.objects.filter(status=OutboundStatus.PENDING, next_attempt_at__lte=at)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failed = given_up = 0
    for pk in due:
        with transaction.atomic():
            row = (
                OutboundMail.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboundStatus.PENDING)
                .first()
            )
            if row is None:
                continue  # another worker has it, or sent it meanwhile
            row.attempts += 1
            try:
                _render_deferred_attachments(row)
                connection = get_connection(fail_silently=False)
                build_outbound_email(row, connection=connection).send()
            except Exception as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if row.attempts >= max_attempts():
                    row.status = OutboundStatus.FAILED
                    row.next_attempt_at = None
                    given_up += 1
                    logger.error("Gave up on mail %s to %s: %s", row.pk, row.to, row.last_error)
                else:
                    row.next_attempt_at = at + retry_delay(row.attempts)
                    failed += 1
            else:
                row.status = OutboundStatus.SENT
                row.sent_at = at
                row.next_attempt_at = None
                row.last_error = ""
                sent += 1
            row.save(
                update_fields=["status", "attempts", "next_attempt_at", "last_error", "sent_at"]
            )
    return DeliveryReport(sent=sent, failed=failed, given_up=given_up)


@transaction.atomic
def do_retry_outbound_mail(
    *, acting_user: Any, mail: OutboundMail, now: datetime | None = None
) -> OutboundMail:
    """Staff send an undelivered mail again: it is due at once, with a fresh
    count of attempts. A sent mail is refused (it would arrive twice)."""
    at = now or clock.now()
    row = OutboundMail.objects.select_for_update().get(pk=mail.pk)
    if row.status == OutboundStatus.PENDING:
        row.next_attempt_at = at
        row.save(update_fields=["next_attempt_at"])
    elif OutboundStatus.PENDING in OUTBOUND_TRANSITIONS[row.status]:
        row.status = OutboundStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = at
        row.save(update_fields=["status", "attempts", "next_attempt_at"])
    else:
        raise ActionRefused("already_sent", _("This mail has been delivered already."))
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RETRY_OUTBOUND_MAIL,
        obj=row,
        at=at,
        detail={"kind": row.kind, "to": row.to, "last_error": row.last_error},
    )
    return row


# --- The intake's notifications -------------------------------------------------


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
    dated += [(m.queued_at, 1, m.pk, m.message_id) for m in sent]
    return [entry[3] for entry in sorted(dated)]


def queue_acknowledgement(inbound: InboundMessage, *, at: datetime) -> OutboundMail | None:
    """Acknowledge the request ``inbound`` opened, to its contact, in the
    contact's language, marked ``Auto-Submitted: auto-replied``. Never for
    automatic mail; at most once per request; at most
    ``INTAKE_ACKNOWLEDGEMENTS_PER_DAY`` to one address in 24 hours, so a
    system that answers each acknowledgement with new unmarked mail meets
    this cap instead of looping (RFC 3834 5.1)."""
    request = inbound.request
    if inbound.auto_generated or request is None or not inbound.opened_request:
        return None
    contact = request.contact
    if contact is None:
        return None
    if OutboundMail.objects.filter(request=request, kind=OutboundKind.ACKNOWLEDGEMENT).exists():
        return None
    recent = OutboundMail.objects.filter(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        to__iexact=contact.email,
        queued_at__gt=at - timedelta(days=1),
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
    queued = queue_mail(
        mail, kind=OutboundKind.ACKNOWLEDGEMENT, at=at, request=request, contact=contact
    )
    write_audit(acting_user=None, action=AuditAction.QUEUE_ACKNOWLEDGEMENT, obj=queued, at=at)
    return queued


def queue_reply(message: Any, *, at: datetime) -> OutboundMail | None:
    """Queue a public reply staff posted on a request for the request's
    contact, in the contact's language: ``Re: [REQ-n] subject``, threaded
    with In-Reply-To (the customer's latest mail) and References, its
    attachments included, no Auto-Submitted (a person wrote it). Once per
    message; nothing for an internal note or a customer's own message."""
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
    return queue_mail(
        mail,
        kind=OutboundKind.REPLY,
        at=at,
        request=request,
        contact=contact,
        desk_message=message,
    )


def queue_balance_alerts(*, acting_user: Any = None, now: datetime | None = None) -> int:
    """Queue every balance alert not yet notified for its customer's
    contacts, each in the contact's language, and mark it notified, in one
    transaction per alert (locked, so two workers never queue it twice).
    Called by the worker. Returns the number of alerts notified."""
    from supportledger.entitlements.queries import list_unnotified_balance_alerts

    at = now or clock.now()
    notified = 0
    for alert_id in list(list_unnotified_balance_alerts().values_list("pk", flat=True)):
        with transaction.atomic():
            notified += _queue_balance_alert(alert_id, acting_user=acting_user, at=at)
    return notified


def _queue_balance_alert(alert_id: int, *, acting_user: Any, at: datetime) -> int:
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
        queue_mail(
            mail, kind=OutboundKind.BALANCE_ALERT, at=at, balance_alert=alert, contact=contact
        )
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


def queue_release_mails(*, acting_user: Any = None, release: Any, at: datetime) -> int:
    """Queue the announcement of ``release`` for every contact of every
    customer that may download it today (``rules.eligibility.may_download``,
    policy time zone), each in the contact's language; once per contact and
    release however often it is called. Call it in the transaction that
    publishes the release. Returns the number of mails queued."""
    from supportledger.core.convert import kind_defaults_from_row
    from supportledger.core.queries import get_vendor_policy
    from supportledger.entitlements.convert import (
        entitlement_to_rules,
        licence_to_rules,
        local_date,
    )
    from supportledger.entitlements.models import Entitlement, Licence
    from supportledger.rules import types as rules
    from supportledger.rules.eligibility import may_download

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
    queued = 0
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
            row = queue_mail(
                mail, kind=OutboundKind.RELEASE, at=at, release=release, contact=contact
            )
            write_audit(
                acting_user=acting_user, action=AuditAction.QUEUE_RELEASE_MAIL, obj=row, at=at
            )
            queued += 1
    return queued


def queue_contact_verification(contact: Contact, *, at: datetime) -> OutboundMail:
    """Queue the link that proves ``contact``'s address, to that address, in
    the contact's language. Until it is followed, mail from the address is
    quarantined (``sender_unverified``)."""
    from django.urls import reverse

    from supportledger.customers.verification import (
        VERIFICATION_DAYS,
        make_verification_token,
    )

    token = make_verification_token(contact.pk, contact.email)
    link = conf.public_url() + reverse("portal:verify_email", args=[token])
    language = supported_language(contact.language)
    subject, body = render_mail(
        "contact_verification",
        {"contact": contact, "link": link, "days": VERIFICATION_DAYS},
        language,
    )
    return queue_mail(
        OutgoingMail(
            to=contact.email,
            subject=subject,
            body=body,
            language=language,
            message_id=new_message_id(),
            automatic="auto-generated",
        ),
        kind=OutboundKind.CONTACT_VERIFICATION,
        at=at,
        contact=contact,
    )
