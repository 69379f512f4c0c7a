"""Receiving mail that is not routed: every message is stored raw with its
status and reason, nothing is ever dropped, nothing is answered."""

from __future__ import annotations

import pytest
from django.core import mail

from supportledger.desk.models import Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import InboundMessage, InboundStatus
from tests.intake.conftest import eml

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("garbage.eml", "no_headers"),
        ("no_from.eml", "no_sender"),
        ("oversized.eml", "too_large"),
    ],
)
def test_message_that_cannot_be_read_is_quarantined_raw_with_the_reason(mail_cast, name, reason):
    raw = eml(name)
    receipt = do_receive_mail(raw=raw, received_via="file")
    assert receipt.outcome == InboundStatus.QUARANTINED
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.QUARANTINED
    assert stored.reason == reason
    assert bytes(stored.raw) == raw
    assert stored.size == len(raw)
    assert Request.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "auto_submitted"),
        ("precedence_bulk.eml", "precedence_bulk"),
        ("bounce_mailer_daemon.eml", "delivery_report"),
        ("bounce_plain_daemon.eml", "mailer_daemon"),
    ],
)
def test_automatic_mail_is_kept_but_opens_nothing_and_gets_no_answer(mail_cast, name, reason):
    receipt = do_receive_mail(raw=eml(name), received_via="file")
    assert receipt.outcome == InboundStatus.IGNORED_AUTO
    stored = InboundMessage.objects.get()
    assert stored.auto_generated
    assert stored.reason == reason
    assert Request.objects.count() == 0
    assert mail.outbox == []


def test_unknown_sender_is_quarantined_under_the_default_policy(mail_cast):
    receipt = do_receive_mail(raw=eml("unknown_sender.eml"), received_via="file")
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "unknown_sender"
    assert InboundMessage.objects.get().from_address == "jan.kowalski@nowy-klient.example"
    assert Request.objects.count() == 0
    assert mail.outbox == []


def test_unknown_sender_is_rejected_but_kept_under_the_reject_policy(mail_cast, settings):
    settings.INTAKE_UNKNOWN_SENDERS = "reject"
    receipt = do_receive_mail(raw=eml("unknown_sender.eml"), received_via="file")
    assert receipt.outcome == InboundStatus.REJECTED_UNKNOWN_SENDER
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED_UNKNOWN_SENDER
    assert mail.outbox == []


def test_second_delivery_of_a_stored_message_creates_nothing(mail_cast):
    first = do_receive_mail(raw=eml("no_from.eml"), received_via="smtp")
    again = do_receive_mail(raw=eml("no_from.eml"), received_via="imap")
    assert again.outcome == "duplicate"
    assert again.message.pk == first.message.pk
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().duplicate_deliveries == 1


def test_message_without_message_id_is_deduplicated_by_its_bytes(mail_cast, settings):
    settings.INTAKE_UNKNOWN_SENDERS = "reject"
    raw = eml("unknown_sender.eml").replace(
        b"Message-ID: <unknown.0001@nowy-klient.example>\n", b""
    )
    do_receive_mail(raw=raw, received_via="file")
    assert do_receive_mail(raw=raw, received_via="file").outcome == "duplicate"
    stored = InboundMessage.objects.get()
    assert stored.message_key.startswith("sha256:")
