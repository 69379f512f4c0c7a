"""A public reply staff post in the desk is mailed to the contact in their
language, threaded so the customer's answer finds its request; through
locmem and through a real SMTP exchange on loopback."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Message, Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import InboundMessage, InboundStatus, OutboundKind, OutboundMail
from tests.intake.conftest import eml
from tests.outbox import deliver_mail, delivering


def post_reply(request, user, text="Please reinstall the printer driver.", **kwargs):
    return do_post_message(acting_user=user, request=request, body_text=text, **kwargs)


@pytest.mark.django_db
def test_staff_reply_is_mailed_in_the_contacts_language_and_threaded(
    mail_cast, django_capture_on_commit_callbacks
):
    with delivering():
        do_receive_mail(raw=eml("plain.eml"), received_via="file")
    request = Request.objects.get()
    ack = OutboundMail.objects.get(kind=OutboundKind.ACKNOWLEDGEMENT)
    mail.outbox.clear()
    with delivering():
        post_reply(
            request,
            mail_cast.cast.maria.user,
            attachments=[("steps.txt", "text/plain", b"1. Remove\n2. Install\n")],
        )
    (reply,) = mail.outbox
    assert reply.to == ["anna.petrova@acme.example"]
    assert reply.subject == f"Re: [{request.reference}] Invoice printing stopped after the update"
    assert "Please reinstall the printer driver." in reply.body
    assert "запазите" in reply.body  # the Bulgarian footer
    assert reply.extra_headers["In-Reply-To"] == "<20260302101500.4242@mail.acme.example>"
    references = reply.extra_headers["References"].split()
    assert references == ["<20260302101500.4242@mail.acme.example>", f"<{ack.message_id}>"]
    assert "Auto-Submitted" not in reply.extra_headers
    assert reply.attachments == [("steps.txt", "1. Remove\n2. Install\n", "text/plain")]
    logged = OutboundMail.objects.get(kind=OutboundKind.REPLY)
    assert reply.extra_headers["Message-ID"] == f"<{logged.message_id}>"


@pytest.mark.django_db
def test_internal_notes_and_customer_messages_are_not_mailed(
    mail_cast, django_capture_on_commit_callbacks
):
    with delivering():
        do_receive_mail(raw=eml("plain.eml"), received_via="file")
    request = Request.objects.get()
    mail.outbox.clear()
    with delivering():
        post_reply(request, mail_cast.cast.maria.user, text="Driver bug, see KB-12.", internal=True)
        post_reply(request, None, text="Any news?", author_contact=mail_cast.anna)
    assert mail.outbox == []


@pytest.mark.django_db
def test_customer_answer_to_our_reply_finds_the_request_by_in_reply_to(
    mail_cast, django_capture_on_commit_callbacks
):
    with delivering():
        do_receive_mail(raw=eml("plain.eml"), received_via="file")
        request = Request.objects.get()
    with delivering():
        post_reply(request, mail_cast.cast.maria.user)
    sent = OutboundMail.objects.get(kind=OutboundKind.REPLY)
    answer = (
        b"From: Anna Petrova <anna.petrova@acme.example>\n"
        b"To: support@support.example\n"
        b"Subject: Re: the printer\n"
        b"Message-ID: <answer.1@mail.acme.example>\n"
        b"In-Reply-To: <" + sent.message_id.encode() + b">\n"
        b"\nDone, it prints now.\n"
    )
    receipt = do_receive_mail(raw=answer, received_via="file")
    assert receipt.outcome == InboundStatus.ROUTED
    assert receipt.message.request == request
    assert Message.objects.filter(request=request, body_text="Done, it prints now.").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_round_trip_over_real_smtp_in_greek(mail_cast, smtp_listener, smtp_sink):
    """Nikos writes in Greek through the listener; the acknowledgement and the
    staff reply leave through Django's SMTP backend to a sink on loopback."""
    raw = eml("greek_iso8859_7.eml").replace(b"\n", b"\r\n")
    with smtplib.SMTP(smtp_listener.hostname, smtp_listener.port, timeout=10) as client:
        client.sendmail("nikos@zeta.example", ["support@support.example"], raw)
    assert smtp_sink.messages == []  # queued by the listener, sent by the worker
    deliver_mail()
    request = Request.objects.get()
    assert request.contact == mail_cast.nikos
    assert request.subject == "Πρόβλημα με την ενημέρωση της μισθοδοσίας"
    assert InboundMessage.objects.get().status == InboundStatus.ROUTED

    (ack_envelope,) = smtp_sink.messages
    sender, recipients, ack = ack_envelope
    assert recipients == ["nikos@zeta.example"]
    assert sender == "support@support.example"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert "Λάβαμε το αίτημά σας" in ack["Subject"]
    assert ack["In-Reply-To"] == "<greek.0001@zeta.example>"

    post_reply(request, mail_cast.cast.maria.user, text="Παρακαλώ δοκιμάστε ξανά.")
    deliver_mail()
    assert len(smtp_sink.messages) == 2
    _sender, recipients, reply = smtp_sink.messages[1]
    assert recipients == ["nikos@zeta.example"]
    assert str(reply["Subject"]).strip() == (
        f"Re: [{request.reference}] Πρόβλημα με την ενημέρωση της μισθοδοσίας"
    )
    assert reply["Auto-Submitted"] is None
    assert reply["In-Reply-To"] == "<greek.0001@zeta.example>"
    assert reply["Content-Language"] == "el"
    body = reply.get_body(preferencelist=("plain",)).get_content()
    assert "Παρακαλώ δοκιμάστε ξανά." in body
    assert "διατηρώντας" in body


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_auto_reply_over_real_smtp_gets_nothing_back(mail_cast, smtp_listener, smtp_sink):
    with smtplib.SMTP(smtp_listener.hostname, smtp_listener.port, timeout=10) as client:
        client.sendmail(
            "anna.petrova@acme.example",
            ["support@support.example"],
            eml("auto_reply.eml").replace(b"\n", b"\r\n"),
        )
        client.sendmail(
            "", ["support@support.example"], eml("bounce_mailer_daemon.eml").replace(b"\n", b"\r\n")
        )
    assert InboundMessage.objects.filter(status=InboundStatus.IGNORED_AUTO).count() == 2
    deliver_mail()
    assert smtp_sink.messages == []
    assert not OutboundMail.objects.exists()
