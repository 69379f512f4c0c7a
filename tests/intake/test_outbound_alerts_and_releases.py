"""Balance alerts at 80/95/100 % and new-release mails: each queued once, to
the customer's contacts, in each contact's language, and delivered by the
outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from supportledger.customers.actions import do_add_contact
from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.mail import queue_balance_alerts, queue_release_mails
from supportledger.entitlements.models import BalanceAlert
from supportledger.mail.models import OutboundKind, OutboundMail, OutboundStatus
from supportledger.mail.outbox import deliver_due_mail
from tests.outbox import deliver_mail

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def voucher_for(mail_cast, minutes=600):
    return do_sell_voucher(
        acting_user=None,
        customer=mail_cast.cast.acme,
        minutes=minutes,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=NOW,
    )


def test_crossing_80_percent_mails_every_contact_once_in_their_language(mail_cast):
    do_add_contact(
        verified=True,
        acting_user=None,
        customer=mail_cast.cast.acme,
        name="Elena Nagy",
        email="elena@acme.example",
        language="hu",
        now=NOW,
    )
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-500, note="used", now=NOW)
    assert queue_balance_alerts(now=NOW) == 1
    assert mail.outbox == []  # queued, not sent by the action
    deliver_mail()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"anna.petrova@acme.example", "elena@acme.example"}
    bulgarian = by_recipient["anna.petrova@acme.example"]
    hungarian = by_recipient["elena@acme.example"]
    assert f"80 % {voucher.reference}" not in bulgarian.subject
    assert voucher.reference in bulgarian.subject
    assert "1:40" in bulgarian.body
    assert bulgarian.subject != hungarian.subject
    assert bulgarian.extra_headers["Auto-Submitted"] == "auto-generated"
    assert BalanceAlert.objects.get().notified_at == NOW
    assert queue_balance_alerts(now=NOW) == 0
    deliver_mail()
    assert len(mail.outbox) == 2


def test_using_a_voucher_up_sends_one_mail_per_threshold(mail_cast):
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-600, note="used", now=NOW)
    assert queue_balance_alerts(now=NOW) == 3
    deliver_mail()
    assert len(mail.outbox) == 3
    assert OutboundMail.objects.filter(kind=OutboundKind.BALANCE_ALERT).count() == 3


def test_a_failing_mail_server_keeps_the_alert_mail_for_a_later_attempt(mail_cast, settings):
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-500, note="used", now=NOW)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens there
    assert queue_balance_alerts(now=NOW) == 1
    assert BalanceAlert.objects.get().notified_at == NOW
    report = deliver_due_mail(now=NOW)
    assert (report.sent, report.failed) == (0, 1)
    queued = OutboundMail.objects.get(kind=OutboundKind.BALANCE_ALERT)
    assert queued.status == OutboundStatus.PENDING
    assert queued.attempts == 1
    assert "refused" in queued.last_error
    assert queued.next_attempt_at == NOW + timedelta(seconds=60)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_due_mail(now=NOW + timedelta(seconds=59)).sent == 0  # not due yet
    assert deliver_due_mail(now=NOW + timedelta(seconds=60)).sent == 1
    assert len(mail.outbox) == 1


def test_release_mail_goes_only_to_customers_whose_support_covers_it(mail_cast):
    cast = mail_cast.cast
    for customer in (cast.acme, cast.zeta):
        do_sell_licence(
            acting_user=None,
            customer=customer,
            product=cast.accounting,
            sold_on=date(2025, 6, 1),
            now=NOW,
        )
    do_sell_contract(
        acting_user=None,
        customer=cast.zeta,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        updates=True,
        products=[cast.accounting],
        now=NOW,
    )
    release = do_publish_release(
        acting_user=None,
        product=cast.accounting,
        version="7.2",
        released_on=date(2026, 3, 9),
        kind="feature",
        notes="New VAT report.",
        now=NOW,
    )
    deliver_mail()
    (message,) = mail.outbox
    assert message.to == ["nikos@zeta.example"]
    assert "7.2" in message.subject
    assert message.subject != "Accounting 7.2 is available"  # Greek, not English
    assert "New VAT report." in message.body
    assert queue_release_mails(release=release, at=NOW) == 0
    deliver_mail()
    assert len(mail.outbox) == 1
