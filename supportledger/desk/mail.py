"""The desk's mail: a public staff reply sent to the request's contact,
threaded with the customer's mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supportledger.mail.compose import (
    OutgoingMail,
    new_message_id,
    references_for,
    render_mail,
    supported_language,
)
from supportledger.mail.models import InboundMessage, InboundStatus, OutboundKind, OutboundMail
from supportledger.mail.outbox import queue_mail, thread_ids


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
    thread = thread_ids(request)
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
