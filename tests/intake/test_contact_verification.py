"""Mail is routed by a contact's address only once the address is proven:
a new or changed address gets a link (through the outbox) and its mail
waits in quarantine until the link is followed."""

from __future__ import annotations

import re

import pytest

from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import (
    do_add_contact,
    do_change_contact_email,
    do_confirm_contact_email,
)
from supportledger.desk.models import Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.intake.actions.route import do_route_inbound_message
from supportledger.mail.models import InboundStatus, OutboundKind, OutboundMail
from tests.intake.conftest import eml
from tests.outbox import deliver_mail

pytestmark = pytest.mark.django_db


def mail_from(address: str, number: int = 1) -> bytes:
    return (
        f"From: Someone <{address}>\n"
        "To: support@support.example\n"
        "Subject: The printer again\n"
        f"Message-ID: <verify.{number}@example.test>\n"
        "\nIt does not print.\n"
    ).encode()


def link_path(outbound: OutboundMail) -> str:
    return re.search(r"https?://[^/\s]+(/portal/verify-email/\S+/)", outbound.body).group(1)


def test_mail_from_an_unproven_address_waits_in_quarantine_until_the_link_is_followed(
    mail_cast, client, mailoutbox
):
    petar = do_add_contact(
        acting_user=mail_cast.cast.maria.user,
        customer=mail_cast.cast.acme,
        name="Petar Ivanov",
        email="petar@acme.example",
        language="bg",
    )
    assert petar.email_verified_at is None
    receipt = do_receive_mail(raw=mail_from("petar@acme.example"), received_via="file")
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_unverified"
    assert "has not confirmed its address" in receipt.message.reason_detail
    assert Request.objects.count() == 0

    deliver_mail()
    (message,) = mailoutbox
    assert message.to == ["petar@acme.example"]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    path = link_path(OutboundMail.objects.get(kind=OutboundKind.CONTACT_VERIFICATION))
    page = client.get(path)  # a link scanner's fetch proves nothing
    assert page.status_code == 200
    petar.refresh_from_db()
    assert petar.email_verified_at is None
    assert client.post(path).status_code == 200
    petar.refresh_from_db()
    assert petar.email_verified_at is not None

    # Staff release the held message by the rules again: it now opens a request.
    do_route_inbound_message(acting_user=mail_cast.cast.maria.user, message=receipt.message)
    assert Request.objects.get().contact == petar
    later = do_receive_mail(raw=mail_from("petar@acme.example", 2), received_via="file")
    assert later.outcome == InboundStatus.ROUTED


def test_a_reply_into_a_thread_from_an_unproven_address_is_quarantined(mail_cast):
    do_receive_mail(raw=eml("plain.eml"), received_via="file")
    request = Request.objects.get()
    do_add_contact(
        acting_user=mail_cast.cast.maria.user,
        customer=mail_cast.cast.acme,
        name="Petar Ivanov",
        email="petar@acme.example",
    )
    raw = mail_from("petar@acme.example").replace(
        b"Subject: The printer again", f"Subject: Re: [{request.reference}] x".encode()
    )
    receipt = do_receive_mail(raw=raw, received_via="file")
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_unverified"


def test_another_customers_unproven_copy_of_an_address_does_not_make_its_mail_ambiguous(
    mail_cast,
):
    """The takeover the second half of the finding describes: staff-added or
    not, an unproven copy of Anna's address at Zeta neither steals nor blocks
    Anna's mail."""
    do_add_contact(
        acting_user=mail_cast.cast.maria.user,
        customer=mail_cast.cast.zeta,
        name="Not Anna",
        email="ANNA.PETROVA@acme.example",
    )
    receipt = do_receive_mail(raw=eml("plain.eml"), received_via="file")
    assert receipt.outcome == InboundStatus.ROUTED
    assert receipt.message.request.customer == mail_cast.cast.acme


def test_a_customer_cannot_add_another_customers_address_but_staff_can(mail_cast):
    with pytest.raises(ActionRefused) as refused:
        do_add_contact(
            acting_user=None,
            customer=mail_cast.cast.zeta,
            name="Mallory",
            email="Anna.Petrova@ACME.example",
            by_customer=True,
        )
    assert refused.value.code == "email_taken"
    with pytest.raises(ActionRefused):
        do_change_contact_email(
            acting_user=None,
            contact=mail_cast.nikos,
            email="anna.petrova@acme.example",
            by_customer=True,
        )
    mail_cast.nikos.refresh_from_db()
    assert mail_cast.nikos.email == "nikos@zeta.example"
    assert mail_cast.nikos.email_verified_at is not None


def test_a_changed_address_is_unproven_again_and_the_old_link_is_worthless(mail_cast):
    nikos = mail_cast.nikos
    do_change_contact_email(acting_user=None, contact=nikos, email="nikos.p@zeta.example")
    first = OutboundMail.objects.get(kind=OutboundKind.CONTACT_VERIFICATION)
    assert first.to == "nikos.p@zeta.example"
    nikos.refresh_from_db()
    assert nikos.email_verified_at is None
    receipt = do_receive_mail(raw=mail_from("nikos.p@zeta.example"), received_via="file")
    assert receipt.reason == "sender_unverified"
    do_change_contact_email(acting_user=None, contact=nikos, email="nikos@zeta.example")
    token = first.body.split("/portal/verify-email/")[1].split("/")[0]
    with pytest.raises(ActionRefused) as refused:
        do_confirm_contact_email(token=token)
    assert refused.value.code == "invalid_link"
    with pytest.raises(ActionRefused):
        do_confirm_contact_email(token=token[:-3] + "abc")
