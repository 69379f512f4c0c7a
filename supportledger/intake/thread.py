"""Which request does a message belong to, and who sent it?"""

from __future__ import annotations

import re

from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.intake.parse import ParsedMail
from supportledger.mail.models import InboundMessage, InboundStatus, OutboundMail

__all__ = ["find_contacts", "find_thread", "request_number_in_subject"]

# The reference desk gives a request (``Request.reference``), e.g. REQ-42,
# found anywhere in the subject, with or without brackets.
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])REQ-(\d{1,12})(?![0-9])", re.IGNORECASE)


def request_number_in_subject(subject: str) -> int | None:
    """The request number quoted in ``subject`` (``[REQ-42]``), or None."""
    found = _REFERENCE.search(subject)
    return int(found.group(1)) if found else None


def find_thread(parsed: ParsedMail) -> tuple[Request | None, str]:
    """The request ``parsed`` replies to, and how it was found: ``in_reply_to``
    (a Message-ID in In-Reply-To or References that we sent or received for a
    request), ``subject`` (a reference in the subject), or ``""`` (none).

    Message-IDs are tried before the subject: they cannot be mistyped."""
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        sent = (
            OutboundMail.objects.filter(message_id__in=ids, request__isnull=False)
            .select_related("request")
            .order_by("-queued_at")
            .first()
        )
        if sent is not None:
            return sent.request, "in_reply_to"
        received = (
            InboundMessage.objects.filter(
                message_key__in=ids, status=InboundStatus.ROUTED, request__isnull=False
            )
            .select_related("request")
            .order_by("-received_at")
            .first()
        )
        if received is not None:
            return received.request, "in_reply_to"
    number = request_number_in_subject(parsed.subject)
    if number is not None:
        request = Request.objects.filter(pk=number).first()
        if request is not None:
            return request, "subject"
    return None, ""


def find_contacts(address: str) -> list[Contact]:
    """Contacts with this e-mail address (compared case-insensitively), of
    any customer; usually one."""
    return list(Contact.objects.filter(email__iexact=address.strip()).select_related("customer"))
