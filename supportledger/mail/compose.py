"""Building outbound mail: subject and body rendered in the recipient's
language, the threading and loop-prevention headers. Queueing and sending
happen in ``mail.outbox``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from supportledger.mail.conf import mail_domain

__all__ = ["OutgoingMail", "build_email", "new_message_id", "render_mail", "supported_language"]


@dataclass(frozen=True)
class OutgoingMail:
    """A mail ready to send. Ids are without angle brackets. ``automatic``
    is the RFC 3834 ``Auto-Submitted`` value, or "" for mail a person sent."""

    to: str
    subject: str
    body: str
    language: str
    message_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    automatic: str = ""
    attachments: tuple[tuple[str, str, bytes], ...] = ()


def supported_language(code: str | None, fallback: str = "en") -> str:
    """``code`` when the product speaks it (``bg-BG`` counts as ``bg``), else
    ``fallback``."""
    known = {language for language, _name in settings.LANGUAGES}
    for candidate in (code or "", fallback):
        short = candidate.strip().lower().replace("_", "-").split("-")[0]
        if short in known:
            return short
    return "en"


def new_message_id() -> str:
    return make_msgid(domain=mail_domain()).strip("<>")


def render_mail(kind: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Subject (one line) and body of ``mail/<kind>_subject.txt`` and
    ``<kind>_body.txt``, rendered with ``language`` active."""
    with translation.override(language):
        subject = render_to_string(f"mail/{kind}_subject.txt", context)
        body = render_to_string(f"mail/{kind}_body.txt", context)
    return " ".join(subject.split())[:250], body.strip() + "\n"


def build_email(mail: OutgoingMail, *, connection: Any = None) -> EmailMessage:
    headers = {"Message-ID": f"<{mail.message_id}>", "Content-Language": mail.language}
    if mail.in_reply_to:
        headers["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in mail.references[-20:])
    if mail.automatic:
        headers["Auto-Submitted"] = mail.automatic
        # Asks Exchange and similar not to answer with out-of-office mail.
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers=headers,
        connection=connection,
    )
    for filename, content_type, content in mail.attachments:
        email.attach(filename, content, content_type)
    return email


def references_for(ids: Sequence[str]) -> tuple[str, ...]:
    """Unique ids in order, the oldest first, as References wants them."""
    seen: dict[str, None] = {}
    for message_id in ids:
        if message_id:
            seen.setdefault(message_id, None)
    return tuple(seen)
