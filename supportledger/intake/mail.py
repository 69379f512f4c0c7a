"""The intake's mail: the acknowledgement of a request opened by mail."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.intake import conf
from supportledger.mail.compose import (
    OutgoingMail,
    new_message_id,
    references_for,
    render_mail,
    supported_language,
)
from supportledger.mail.models import InboundMessage, OutboundKind, OutboundMail
from supportledger.mail.outbox import queue_mail, thread_ids

logger = logging.getLogger(__name__)


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
        references=references_for(thread_ids(request)),
        automatic="auto-replied",
    )
    queued = queue_mail(
        mail, kind=OutboundKind.ACKNOWLEDGEMENT, at=at, request=request, contact=contact
    )
    write_audit(acting_user=None, action=AuditAction.QUEUE_ACKNOWLEDGEMENT, obj=queued, at=at)
    return queued
