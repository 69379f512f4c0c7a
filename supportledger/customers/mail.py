"""The customers' mail: the link that verifies a contact's address."""

from __future__ import annotations

from datetime import datetime

from supportledger.customers.models import Contact
from supportledger.mail import conf
from supportledger.mail.compose import OutgoingMail, new_message_id, render_mail, supported_language
from supportledger.mail.models import OutboundKind, OutboundMail
from supportledger.mail.outbox import queue_mail


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
