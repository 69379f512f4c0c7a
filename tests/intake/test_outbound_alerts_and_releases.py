"""Balance alerts at 80/95/100 % and new-release mails: each sent once, to the
customer's contacts, in each contact's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core import mail

from supportledger.catalog.actions import do_publish_release
from supportledger.customers.actions import do_add_contact
from supportledger.entitlements.actions import (
    do_adjust_balance,
    do_sell_contract,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import BalanceAlert
from supportledger.intake.actions import do_send_balance_alerts, do_send_release_mails
from supportledger.intake.models import OutboundKind, OutboundMail

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
        acting_user=None,
        customer=mail_cast.cast.acme,
        name="Elena Nagy",
        email="elena@acme.example",
        language="hu",
        now=NOW,
    )
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-500, note="used", now=NOW)
    assert do_send_balance_alerts(now=NOW) == 1
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
    assert do_send_balance_alerts(now=NOW) == 0
    assert len(mail.outbox) == 2


def test_using_a_voucher_up_sends_one_mail_per_threshold(mail_cast):
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-600, note="used", now=NOW)
    assert do_send_balance_alerts(now=NOW) == 3
    assert len(mail.outbox) == 3
    assert OutboundMail.objects.filter(kind=OutboundKind.BALANCE_ALERT).count() == 3


def test_a_failing_mail_server_leaves_the_alert_for_the_next_run(mail_cast, settings):
    voucher = voucher_for(mail_cast)
    do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-500, note="used", now=NOW)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens there
    assert do_send_balance_alerts(now=NOW) == 0
    assert BalanceAlert.objects.get().notified_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert do_send_balance_alerts(now=NOW) == 1


def test_release_mail_goes_only_to_customers_whose_support_covers_it(
    mail_cast, django_capture_on_commit_callbacks
):
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
    with django_capture_on_commit_callbacks(execute=True):
        release = do_publish_release(
            acting_user=None,
            product=cast.accounting,
            version="7.2",
            released_on=date(2026, 3, 9),
            kind="feature",
            notes="New VAT report.",
            now=NOW,
        )
    (message,) = mail.outbox
    assert message.to == ["nikos@zeta.example"]
    assert "7.2" in message.subject
    assert message.subject != "Accounting 7.2 is available"  # Greek, not English
    assert "New VAT report." in message.body
    assert do_send_release_mails(release=release, now=NOW) == 0
    assert len(mail.outbox) == 1
