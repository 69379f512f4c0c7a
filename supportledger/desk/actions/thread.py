"""A request's thread: replies and notes, with their attachments, and the
status move a staff reply causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.html import sanitise_html
from supportledger.customers.models import Contact
from supportledger.desk.actions._common import user_or_none
from supportledger.desk.actions.attachments import check_attachment, store_attachments
from supportledger.desk.actions.status import (
    STAFF_REPLY_WAITS,
    STATUS_FIELDS,
    apply_move,
    record_move,
)
from supportledger.desk.mail import queue_reply
from supportledger.desk.models import Message, MoveReason, Request, Status
from supportledger.desk.search import MAX_SEARCH_TEXT, fold


@transaction.atomic
def do_post_message(
    *,
    acting_user: User | None,
    request: Request,
    body_text: str,
    body_html: str = "",
    internal: bool = False,
    author_contact: Contact | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    source_message_id: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Add a public reply or an internal note to ``request``'s thread.

    From a contact (``author_contact``): never internal; a reply to a request
    waiting for the customer, resolved or closed moves it back to ``open``.
    From staff: the first public reply stops the first-response clock, a
    public reply to a new or open request moves it to waiting for the
    customer, and a public reply is queued in the outbox for the request's
    contact. Each move is checked against the transition table, shown in the
    thread and audited.
    Idempotent on ``source_message_id``. ``attachments`` are
    ``(filename, content_type, bytes)``, checked against the size limit and the
    allowed types; one bad file refuses the whole message."""
    at = now or clock.now()
    if source_message_id:
        existing = Message.objects.filter(source_message_id=source_message_id).first()
        if existing is not None:
            return existing
    if author_contact is not None:
        if author_contact.customer_id != request.customer_id:
            raise ActionRefused(
                "wrong_customer", "author_contact: " + _("the contact belongs to another customer.")
            )
        if internal:
            raise ActionRefused(
                "invalid", "internal: " + _("a customer cannot write an internal note.")
            )
    files = [check_attachment(*item) for item in attachments]
    if not body_text.strip() and not files:
        raise ActionRefused("invalid", "body_text: " + _("the message is empty."))
    request = Request.objects.select_for_update().get(pk=request.pk)
    message = Message.objects.create(
        request=request,
        internal=internal,
        author_contact=author_contact,
        author_user=None if author_contact is not None else user_or_none(acting_user),
        body_text=body_text,
        body_html=sanitise_html(body_html) if body_html.strip() else "",
        source_message_id=source_message_id or "",
        created_at=at,
    )
    store_attachments(message, files, at)
    changed = ["updated_at", "search_text"]
    request.updated_at = at
    request.search_text = (request.search_text + "\n" + fold(body_text))[:MAX_SEARCH_TEXT]
    moved: tuple[str, str, str] | None = None
    if author_contact is not None:
        if request.status in (Status.WAITING, Status.RESOLVED, Status.CLOSED):
            moved = (request.status, Status.OPEN, MoveReason.CUSTOMER_REPLY)
    elif not internal:
        if request.first_response_at is None:
            request.first_response_at = at
            changed.append("first_response_at")
        if request.status in STAFF_REPLY_WAITS:
            moved = (request.status, Status.WAITING, MoveReason.STAFF_REPLY)
    if moved is not None:
        apply_move(request, moved[1], at)
        changed += STATUS_FIELDS
    request.save(update_fields=sorted(set(changed)))
    if moved is not None:
        record_move(request, moved[0], moved[2], acting_user=acting_user, at=at)
    write_audit(
        acting_user=acting_user,
        action=AuditAction.POST_MESSAGE,
        obj=message,
        at=at,
        detail={"request": request.pk, "internal": internal, "attachments": len(files)},
    )
    if not internal and author_contact is None:
        # A public staff reply is mailed to the request's contact (outbox).
        queue_reply(message, at=at)
    return message
