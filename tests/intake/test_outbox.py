"""The outbox: mail is queued with the action that causes it, the request
that causes it never waits for or fails on the mail server, and the worker
delivers every mail exactly once after the server comes back; staff see what
was not delivered and send it again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.urls import reverse

from supportledger.core.models import AuditEntry
from supportledger.desk.models import Request
from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.actions.sales import do_sell_voucher
from supportledger.entitlements.mail import queue_balance_alerts
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import OutboundKind, OutboundMail, OutboundStatus
from supportledger.mail.outbox import deliver_due_mail, do_retry_outbound_mail
from tests.intake.conftest import eml
from tests.intake.smtp_fixtures import SinkHandler, free_port

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def smtp_down(settings):
    """Django's SMTP backend pointed at a loopback port where nothing
    listens yet; ``up()`` starts an aiosmtpd sink on that very port."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    handler = SinkHandler()
    controllers: list[Controller] = []

    def up() -> SinkHandler:
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return handler

    yield up
    for controller in controllers:
        controller.stop()


def test_mail_queued_while_the_server_is_down_is_delivered_once_when_it_is_up(
    mail_cast, client, smtp_down
):
    # An acknowledgement (intake), a staff reply posted through the console
    # page, and a balance alert (worker): three kinds, three causes.
    do_receive_mail(raw=eml("plain.eml"), received_via="file", now=T0)
    request = Request.objects.get()
    client.force_login(mail_cast.cast.maria.user)
    response = client.post(
        reverse("console:post_message", args=[request.pk]),
        {"body": "Please reinstall the printer driver."},
        follow=True,
    )
    assert response.status_code == 200
    assert "Message added." in response.content.decode()
    voucher = do_sell_voucher(
        acting_user=None,
        customer=mail_cast.cast.acme,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=T0,
    )
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-500, note="used", now=T0)
    assert queue_balance_alerts(now=T0) == 1
    queued = OutboundMail.objects.filter(status=OutboundStatus.PENDING)
    assert sorted(queued.values_list("kind", flat=True)) == [
        OutboundKind.ACKNOWLEDGEMENT,
        OutboundKind.BALANCE_ALERT,
        OutboundKind.REPLY,
    ]
    # The reply was queued at the real clock; deliver from then on.
    start = max(m.next_attempt_at for m in queued)

    first = deliver_due_mail(now=start)
    assert (first.sent, first.failed) == (0, 3)
    second = deliver_due_mail(now=start + timedelta(seconds=60))
    assert (second.sent, second.failed) == (0, 3)  # the second attempt, a minute later
    assert set(OutboundMail.objects.values_list("attempts", flat=True)) == {2}
    # The pause doubles: nothing is due 100 seconds after the second failure.
    assert deliver_due_mail(now=start + timedelta(seconds=160)).failed == 0

    sink = smtp_down()
    third = deliver_due_mail(now=start + timedelta(seconds=180))
    assert (third.sent, third.failed) == (3, 0)
    assert deliver_due_mail(now=start + timedelta(days=30)).sent == 0
    assert len(sink.messages) == 3
    ids = {message["Message-ID"] for _sender, _to, message in sink.messages}
    assert ids == {f"<{m.message_id}>" for m in OutboundMail.objects.all()}
    assert {to[0] for _sender, to, _message in sink.messages} == {"anna.petrova@acme.example"}
    assert set(OutboundMail.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}


def test_staff_see_mail_that_was_given_up_and_send_it_again(mail_cast, client, smtp_down, settings):
    settings.INTAKE_OUTBOX_MAX_ATTEMPTS = 2
    do_receive_mail(raw=eml("plain.eml"), received_via="file", now=T0)
    ack = OutboundMail.objects.get()
    deliver_due_mail(now=T0)
    assert deliver_due_mail(now=T0 + timedelta(minutes=1)).given_up == 1
    ack.refresh_from_db()
    assert ack.status == OutboundStatus.FAILED
    assert ack.next_attempt_at is None
    assert deliver_due_mail(now=T0 + timedelta(days=1)).sent == 0  # given up stays given up

    client.force_login(mail_cast.cast.maria.user)
    page = client.get(reverse("console:outbox")).content.decode()
    assert "anna.petrova@acme.example" in page
    assert ack.subject in page
    assert "refused" in page  # the last error

    response = client.post(reverse("console:retry_mail", args=[ack.pk]), follow=True)
    assert response.status_code == 200
    ack.refresh_from_db()
    assert ack.status == OutboundStatus.PENDING
    assert ack.attempts == 0
    assert AuditEntry.objects.filter(action="retry_outbound_mail").count() == 1

    sink = smtp_down()
    assert deliver_due_mail(now=ack.next_attempt_at).sent == 1
    assert len(sink.messages) == 1
    page = client.get(reverse("console:outbox")).content.decode()
    assert "Every mail has been delivered." in page
    with pytest.raises(Exception, match="delivered already"):
        do_retry_outbound_mail(acting_user=mail_cast.cast.maria.user, mail=ack)


def test_only_staff_see_the_outbox(client, mail_cast):
    assert client.get(reverse("console:outbox")).status_code == 302
    client.force_login(get_user_model().objects.create_user("outsider"))
    assert client.get(reverse("console:outbox")).status_code == 403
    assert client.post(reverse("console:retry_mail", args=[1])).status_code == 403


def test_a_rolled_back_action_leaves_no_mail_behind(mail_cast):
    from django.db import transaction

    class Abandon(Exception):
        pass

    def receive_then_fail() -> None:
        with transaction.atomic():
            do_receive_mail(raw=eml("plain.eml"), received_via="file", now=T0)
            assert OutboundMail.objects.count() == 1
            raise Abandon

    with pytest.raises(Abandon):
        receive_then_fail()
    assert OutboundMail.objects.count() == 0
