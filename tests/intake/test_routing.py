"""Routing real .eml files into the desk: new requests, replies by
In-Reply-To and by subject reference, acknowledgements (never to automatic
mail), unknown senders, and staff routing from quarantine."""

from __future__ import annotations

import pytest
from django.core import mail

from supportledger.customers.models import Contact, Customer
from supportledger.desk.models import Attachment, Message, Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.intake.actions.route import do_route_inbound_message
from supportledger.mail.models import InboundMessage, InboundStatus, OutboundMail
from tests.intake.conftest import eml
from tests.outbox import delivering

pytestmark = pytest.mark.django_db


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Receive as the listener does: the acknowledgement goes out once the
    receiving transaction commits."""

    def receive(raw: bytes, **kwargs):
        with delivering():
            return do_receive_mail(raw=raw, received_via=kwargs.pop("via", "file"), **kwargs)

    return receive


def test_new_message_from_a_contact_opens_a_request_and_is_acknowledged_in_bulgarian(
    mail_cast, receive
):
    receipt = receive(eml("plain.eml"))
    assert receipt.outcome == InboundStatus.ROUTED
    request = Request.objects.get()
    assert request.customer == mail_cast.cast.acme
    assert request.contact == mail_cast.anna
    assert request.subject == "Invoice printing stopped after the update"
    assert request.opened_via == "email"
    assert "no longer prints" in Message.objects.get(request=request).body_text
    stored = InboundMessage.objects.get()
    assert stored.request == request
    assert stored.opened_request
    (ack,) = mail.outbox
    assert ack.to == ["anna.petrova@acme.example"]
    assert f"[{request.reference}]" in ack.subject
    assert "Получихме Вашата заявка" in ack.subject
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["In-Reply-To"] == "<20260302101500.4242@mail.acme.example>"
    assert ack.extra_headers["Content-Language"] == "bg"


def test_the_same_message_delivered_twice_creates_nothing_new(mail_cast, receive):
    receive(eml("plain.eml"))
    again = receive(eml("plain.eml"), via="smtp")
    assert again.outcome == "duplicate"
    assert Request.objects.count() == 1
    assert Message.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_reply_with_in_reply_to_joins_the_thread_without_acknowledgement(mail_cast, receive):
    receive(eml("plain.eml"))
    receipt = receive(eml("reply_in_reply_to.eml"))
    assert receipt.outcome == InboundStatus.ROUTED
    request = Request.objects.get()
    assert receipt.message.request == request
    assert not receipt.message.opened_request
    messages = list(Message.objects.filter(request=request).order_by("id"))
    assert len(messages) == 2
    assert messages[1].author_contact == mail_cast.anna
    assert "printing to PDF works" in messages[1].body_text
    assert len(mail.outbox) == 1  # only the first message's acknowledgement


def test_reply_with_only_the_reference_in_the_subject_joins_that_request(mail_cast, receive):
    receive(eml("plain.eml"))
    request = Request.objects.get()
    raw = eml("reply_subject_only.eml").replace(b"REQ-7", request.reference.encode())
    receipt = receive(raw)
    assert receipt.outcome == InboundStatus.ROUTED
    assert receipt.message.request == request
    assert Request.objects.count() == 1
    assert Message.objects.filter(request=request).count() == 2


def test_reference_to_another_customers_request_is_quarantined(mail_cast, receive):
    receive(eml("plain.eml"))
    request = Request.objects.get()
    raw = (
        eml("reply_subject_only.eml")
        .replace(b"REQ-7", request.reference.encode())
        .replace(b"Anna Petrova <anna.petrova@acme.example>", b"Nikos <nikos@zeta.example>")
    )
    receipt = receive(raw)
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_not_of_customer"
    assert Message.objects.filter(request=request).count() == 1


def test_attachments_are_kept_on_the_request(mail_cast, receive):
    receive(eml("attachments.eml"))
    request = Request.objects.get()
    names = sorted(Attachment.objects.filter(request=request).values_list("filename", flat=True))
    assert names == sorted(["invoice-0042.pdf", "screen.png", "фактура.txt"])


def test_html_reply_is_stored_sanitised(mail_cast, receive):
    receive(eml("plain.eml"))
    raw = eml("html_alternative.eml").replace(
        b"Message-ID: <CAF=html.alt.0001@mail.acme.example>",
        b"Message-ID: <CAF=html.alt.0001@mail.acme.example>\n"
        b"In-Reply-To: <20260302101500.4242@mail.acme.example>",
    )
    receipt = receive(raw)
    assert receipt.outcome == InboundStatus.ROUTED
    message = Message.objects.filter(request=receipt.message.request).order_by("-id").first()
    assert "<b>payroll</b>" in message.body_html
    for forbidden in ("<script", "onclick", "<img", "javascript:"):
        assert forbidden not in message.body_html
        assert forbidden not in receipt.message.body_html


def test_russian_contact_is_acknowledged_in_russian(mail_cast, receive):
    receive(eml("windows1251.eml"))
    request = Request.objects.get()
    assert request.subject == "Не запускается программа после обновления"  # noqa: RUF001
    (ack,) = mail.outbox
    assert "Мы получили ваше обращение" in ack.subject


def test_unknown_sender_opens_a_request_for_a_new_prospect_under_the_open_policy(
    mail_cast, receive, settings
):
    settings.INTAKE_UNKNOWN_SENDERS = "open"
    receipt = receive(eml("unknown_sender.eml"))
    assert receipt.outcome == InboundStatus.ROUTED
    contact = Contact.objects.get(email="jan.kowalski@nowy-klient.example")
    assert contact.language == "pl"
    assert Customer.objects.filter(pk=contact.customer_id).exists()
    assert Request.objects.get().contact == contact
    (ack,) = mail.outbox
    assert "Otrzymaliśmy zgłoszenie" in ack.subject


def test_automatic_mail_is_never_acknowledged_even_when_staff_route_it(
    mail_cast, receive, django_capture_on_commit_callbacks
):
    receipt = receive(eml("auto_reply.eml"))
    assert receipt.outcome == InboundStatus.IGNORED_AUTO
    with delivering():
        routed = do_route_inbound_message(acting_user=None, message=receipt.message)
    assert routed.status == InboundStatus.ROUTED
    assert Request.objects.count() == 1
    assert mail.outbox == []
    assert not OutboundMail.objects.exists()


def test_staff_route_a_quarantined_unknown_sender_after_adding_the_contact(
    mail_cast, receive, django_capture_on_commit_callbacks
):
    from supportledger.customers.actions import do_add_contact

    receipt = receive(eml("unknown_sender.eml"))
    assert receipt.outcome == InboundStatus.QUARANTINED
    do_add_contact(
        verified=True,
        acting_user=None,
        customer=mail_cast.sklad,
        name="Jan Kowalski",
        email="jan.kowalski@nowy-klient.example",
        language="pl",
    )
    with delivering():
        routed = do_route_inbound_message(acting_user=None, message=receipt.message)
    assert routed.status == InboundStatus.ROUTED
    assert routed.request.customer == mail_cast.sklad
    assert len(mail.outbox) == 1


def test_a_routed_message_cannot_be_routed_again(mail_cast, receive):
    from supportledger.core.errors import ActionRefused

    receipt = receive(eml("plain.eml"))
    with pytest.raises(ActionRefused) as refused:
        do_route_inbound_message(acting_user=None, message=receipt.message)
    assert refused.value.code == "invalid_transition"


def test_unparseable_message_cannot_be_routed_by_staff(mail_cast, receive):
    from supportledger.core.errors import ActionRefused

    receipt = receive(eml("garbage.eml"))
    with pytest.raises(ActionRefused) as refused:
        do_route_inbound_message(acting_user=None, message=receipt.message)
    assert refused.value.code == "unparseable"
    assert InboundMessage.objects.get().status == InboundStatus.QUARANTINED


def test_mail_from_our_own_address_is_automatic_and_never_answered(mail_cast, receive):
    raw = eml("plain.eml").replace(
        b"From: Anna Petrova <Anna.Petrova@acme.example>",
        b"From: Support <support@support.example>",
    )
    receipt = receive(raw)
    assert receipt.outcome == InboundStatus.IGNORED_AUTO
    assert receipt.reason == "own_mail"
    assert mail.outbox == []


def test_acknowledgements_to_one_address_are_capped_per_day(mail_cast, receive, settings):
    """A system that answers each acknowledgement with a new message that is
    not marked automatic still cannot loop with us."""
    settings.INTAKE_ACKNOWLEDGEMENTS_PER_DAY = 2
    for number in range(4):
        raw = eml("plain.eml").replace(b"4242@", b"%d@" % number)
        assert receive(raw).outcome == InboundStatus.ROUTED
    assert Request.objects.count() == 4
    assert len(mail.outbox) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_message_arriving_on_two_connections_at_once_is_stored_once(mail_cast):
    """Real concurrency needs PostgreSQL: the SQLite test database lives in
    shared-cache memory, where a locked table fails at once instead of
    waiting."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(str(do_receive_mail(raw=eml("plain.eml"), received_via="smtp").outcome))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["duplicate", "routed"]
    assert InboundMessage.objects.count() == 1
    assert Request.objects.count() == 1
    assert Message.objects.count() == 1
