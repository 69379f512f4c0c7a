"""Receiving a message. Receiving never loses a message: the raw bytes are
stored first, in the same transaction as whatever routing does, and routing
runs inside a savepoint, so a refusal by the desk (or any failure) rolls
back only the half-made request and leaves the message in quarantine with
the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.intake import conf
from supportledger.intake.actions.route import Quarantine, route_message
from supportledger.intake.authenticate import SenderCheck, check_sender
from supportledger.intake.classify import automatic_mail_reason
from supportledger.intake.mail import queue_acknowledgement
from supportledger.intake.parse import (
    MailParseError,
    ParsedMail,
    body_digest,
    message_key,
    parse_message,
    read_message_id,
    reused_id_key,
)
from supportledger.mail.models import InboundMessage, InboundStatus

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
    One whose Message-ID is stored but whose body differs is a new message,
    stored under the hash of id and body with ``reused_message_id`` set.
    ``envelope_from`` is the SMTP ``MAIL FROM`` ("" for ``<>``), None when
    unknown."""
    at = now or clock.now()
    message_id = read_message_id(raw)
    key = message_key(raw, message_id)
    reused_id = False
    existing = InboundMessage.objects.filter(message_key=key).first()
    if existing is not None and message_id and body_digest(bytes(existing.raw)) != body_digest(raw):
        # The same Message-ID on a different body is another message (a
        # sloppy client, or someone hoping the first one's id shadows it):
        # kept under its own key and flagged, never silently dropped.
        reused_id = True
        key = reused_id_key(message_id, raw)
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
                reused_id=reused_id,
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
    reused_id: bool = False,
) -> Receipt:
    inbound = InboundMessage(
        message_key=key,
        reused_message_id=reused_id,
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
            raise Quarantine(
                "too_large", f"{len(raw)} bytes; the limit is {conf.max_message_bytes()}."
            )
        try:
            parsed = parse_message(raw)
        except MailParseError as exc:
            raise Quarantine(exc.code, exc.detail) from exc
        _describe(inbound, parsed)
        automatic = automatic_mail_reason(parsed, envelope_from=envelope_from)
        if automatic:
            inbound.auto_generated = True
            raise Quarantine(
                automatic, "Automatic mail is kept, not acted on.", InboundStatus.IGNORED_AUTO
            )
        sender = check_sender(raw, parsed.from_address)
        inbound.authentication = sender.summary[:200]
        inbound.save()
        _route_in_savepoint(
            inbound,
            parsed,
            acting_user=acting_user,
            at=at,
            sender=sender,
            envelope_from=envelope_from,
        )
    except Quarantine as stop:
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
        queue_acknowledgement(inbound, at=at)
    return Receipt(inbound.status, inbound)


def _describe(inbound: InboundMessage, parsed: ParsedMail) -> None:
    inbound.from_address = parsed.from_address[:320]
    inbound.subject = parsed.subject[:300]
    inbound.body_text = parsed.text
    inbound.body_html = parsed.html
    inbound.attachment_count = len(parsed.attachments)


def _route_in_savepoint(
    inbound: InboundMessage,
    parsed: ParsedMail,
    *,
    acting_user: User | None,
    at: datetime,
    sender: SenderCheck | None = None,
    envelope_from: str | None = None,
) -> None:
    """Route ``inbound``; on refusal only the routing is rolled back and the
    message is quarantined with the refusal's code. Routing runs in English,
    so the reason kept on the message is English whoever delivered it."""
    try:
        with translation.override("en"), transaction.atomic():
            route_message(
                inbound,
                parsed,
                acting_user=acting_user,
                at=at,
                sender=sender,
                envelope_from=envelope_from,
            )
    except ActionRefused as refused:
        raise Quarantine(refused.code, refused.message) from refused
    except Quarantine:
        raise
    except Exception as exc:
        logger.exception("Routing inbound message %s failed", inbound.message_key)
        raise Quarantine("routing_failed", f"{type(exc).__name__}: {exc}"[:500]) from exc
