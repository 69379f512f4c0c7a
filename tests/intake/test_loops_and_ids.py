"""Loop protection beyond RFC 3834 (the headers Exchange, Outlook and
forwarding systems use), and a reused Message-ID on a different body."""

from __future__ import annotations

import pytest

from supportledger.desk.models import Request
from supportledger.intake.actions.receive import DUPLICATE, do_receive_mail
from supportledger.mail.models import InboundMessage, InboundStatus, OutboundMail
from tests.intake.conftest import eml

pytestmark = pytest.mark.django_db


def with_header(raw: bytes, header: bytes) -> bytes:
    return raw.replace(b"MIME-Version: 1.0\n", header + b"\nMIME-Version: 1.0\n", 1)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b"X-Auto-Response-Suppress: All", "auto_response_suppress"),
        (b"X-Auto-Response-Suppress: OOF, AutoReply", "auto_response_suppress"),
        (b"X-Loop: helpdesk@acme.example", "x_loop"),
        (b"X-MS-Exchange-Inbox-Rules-Loop: anna.petrova@acme.example", "exchange_rules_loop"),
    ],
)
def test_loop_headers_mark_mail_automatic_so_it_opens_nothing_and_gets_no_answer(
    mail_cast, header, reason
):
    receipt = do_receive_mail(raw=with_header(eml("plain.eml"), header), received_via="file")
    assert receipt.outcome == InboundStatus.IGNORED_AUTO
    assert receipt.message.reason == reason
    assert receipt.message.auto_generated
    assert Request.objects.count() == 0
    assert not OutboundMail.objects.exists()


def test_each_turn_of_an_exchange_rule_loop_opens_nothing(mail_cast):
    """A customer's inbox rule forwards our acknowledgement back to us, and
    we would acknowledge that: each turn carries the loop header."""
    first = do_receive_mail(raw=eml("plain.eml"), received_via="file")
    assert first.outcome == InboundStatus.ROUTED
    for turn in range(3):
        raw = with_header(
            eml("plain.eml").replace(b"4242@", b"loop%d@" % turn),
            b"X-MS-Exchange-Inbox-Rules-Loop: anna.petrova@acme.example",
        )
        assert do_receive_mail(raw=raw, received_via="file").outcome == InboundStatus.IGNORED_AUTO
    assert Request.objects.count() == 1
    assert OutboundMail.objects.count() == 1  # the first acknowledgement only


def test_a_second_delivery_of_the_same_message_adds_nothing(mail_cast):
    raw = eml("plain.eml")
    do_receive_mail(raw=raw, received_via="file")
    relayed = b"Received: from relay.example by mx.support.example; Mon, 2 Mar 2026\n" + raw
    again = do_receive_mail(raw=relayed.replace(b"\n", b"\r\n"), received_via="smtp")
    assert again.outcome == DUPLICATE
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().duplicate_deliveries == 1


def test_the_same_message_id_on_a_different_body_is_kept_as_a_new_flagged_message(mail_cast):
    raw = eml("plain.eml")
    first = do_receive_mail(raw=raw, received_via="file")
    other = raw.replace(b"Windows 11", b"Windows 10 and Windows 11")
    second = do_receive_mail(raw=other, received_via="file")
    assert second.outcome != DUPLICATE
    assert second.message.pk != first.message.pk
    assert second.message.reused_message_id
    assert not first.message.reused_message_id
    assert second.message.message_key.startswith("sha256:")
    assert "Windows 10 and Windows 11" in second.message.body_text
    # The same variant delivered again is a duplicate of the second.
    third = do_receive_mail(raw=other, received_via="file")
    assert third.outcome == DUPLICATE
    assert third.message.pk == second.message.pk
    assert InboundMessage.objects.count() == 2
