"""The outbox every outbound mail goes through, and its delivery by the worker.

An action that causes a mail calls ``queue_mail`` (or ``queue_message``, or
a notification of its app that calls them) inside its own transaction: the
mail is a row of ``OutboundMail`` committed with the write that caused it,
or rolled back with it. Nothing here talks to the mail server inside a
request. ``deliver_due_mail`` (a worker job, run every poll) sends what is
due, each row locked while it is sent; a failure is retried with
exponential back-off and given up after ``INTAKE_OUTBOX_MAX_ATTEMPTS``;
staff put a given-up mail back with ``do_retry_outbound_mail``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.mail import conf
from supportledger.mail.compose import OutgoingMail, new_message_id
from supportledger.mail.models import (
    OUTBOUND_TRANSITIONS,
    InboundMessage,
    InboundStatus,
    OutboundAttachment,
    OutboundMail,
    OutboundStatus,
)

if TYPE_CHECKING:
    from supportledger.desk.models import Request

logger = logging.getLogger(__name__)


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


def thread_ids(request: Request) -> list[str]:
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
