"""Messages sent with smtplib over loopback into the real listener."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from supportledger.desk.models import Request
from supportledger.mail.models import InboundMessage, InboundStatus
from tests.intake.conftest import eml

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def on_the_wire(raw: bytes) -> bytes:
    """The message with CRLF line ends, as SMTP carries it (smtplib sends
    bytes unchanged)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send(controller, raw: bytes, sender: str = "anna.petrova@acme.example") -> dict:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        return client.sendmail(sender, ["support@support.example"], on_the_wire(raw))


def test_unparseable_message_over_smtp_is_accepted_and_quarantined(mail_cast, smtp_listener):
    assert send(smtp_listener, eml("garbage.eml")) == {}
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.QUARANTINED
    assert stored.received_via == "smtp"
    assert stored.envelope_from == "anna.petrova@acme.example"
    assert bytes(stored.raw).startswith(b"\x00\x01\xff\xfe")


def test_oversized_message_declared_with_size_is_refused_with_552(mail_cast, smtp_listener):
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(smtp_listener, eml("oversized.eml"))
    assert refused.value.smtp_code == 552
    assert InboundMessage.objects.count() == 0


def test_oversized_message_sent_without_size_is_refused_with_552_after_data(
    mail_cast, smtp_listener
):
    with smtplib.SMTP(smtp_listener.hostname, smtp_listener.port, timeout=10) as client:
        client.ehlo()
        assert client.mail("anna.petrova@acme.example")[0] == 250
        assert client.rcpt("support@support.example")[0] == 250
        code, _message = client.data(on_the_wire(eml("oversized.eml")))
    assert code == 552
    assert InboundMessage.objects.count() == 0


def test_same_message_delivered_twice_over_smtp_is_stored_once(mail_cast, smtp_listener):
    send(smtp_listener, eml("bounce_plain_daemon.eml"), sender="")
    send(smtp_listener, eml("bounce_plain_daemon.eml"), sender="")
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.IGNORED_AUTO
    assert stored.duplicate_deliveries == 1
    assert mail.outbox == []


def test_unknown_sender_under_reject_policy_gets_550_and_is_kept(
    mail_cast, smtp_listener, settings
):
    settings.INTAKE_UNKNOWN_SENDERS = "reject"
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_listener, eml("unknown_sender.eml"), sender="jan.kowalski@nowy-klient.example")
    assert refused.value.smtp_code == 550
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED_UNKNOWN_SENDER
    assert Request.objects.count() == 0


def test_auto_reply_over_smtp_opens_nothing_and_is_not_answered(mail_cast, smtp_listener):
    send(smtp_listener, eml("auto_reply.eml"))
    assert InboundMessage.objects.get().status == InboundStatus.IGNORED_AUTO
    assert Request.objects.count() == 0
    assert mail.outbox == []
