import socket
from datetime import UTC, date, datetime

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import TestCase

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.reminders import do_hold_overdue_customers
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.queries import get_hold_status
from supportledger.customers.actions import do_put_customer_on_hold
from supportledger.customers.models import Customer
from supportledger.jobs.models import ScheduledRun
from supportledger.jobs.schedule import enqueue_due_jobs
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at
from tests.outbox import delivering

DAILY = [
    "daily",
    "appointment_reminders",
    "auto_confirm_work",
    "close_requests",
    "balance_alerts",
    "national_documents",
]


def on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


class AccountsOnHold(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        cls.invoice = do_run_billing(
            acting_user=None, period=Period.month("2026-03"), now=BILLED_AT
        ).invoices[0]

    def test_nobody_is_held_before_the_due_date_has_passed(self):
        assert do_hold_overdue_customers(acting_user=None, now=on(date(2026, 4, 15))) == []

    def test_an_unpaid_invoice_past_its_due_date_puts_the_customer_on_hold_and_mails_them(self):
        with delivering():
            held = do_hold_overdue_customers(acting_user=None, now=on(date(2026, 4, 16)))
        assert held == [self.cast.acme]
        acme = Customer.objects.get(pk=self.cast.acme.pk)
        assert acme.on_hold
        assert acme.on_hold_invoice == self.invoice  # the hold names its invoice
        assert acme.on_hold_reason == ""
        status = get_hold_status(acme, today=date(2026, 4, 16))
        assert status.on_hold
        assert [i.pk for i in status.overdue] == [self.invoice.pk]
        # The invoice itself was mailed when it was issued; then the notice.
        notices = [m for m in mail.outbox if "Фактура" not in m.subject]
        assert len(notices) == 1
        assert "спряна" in notices[0].subject
        # The job runs daily: a held customer is not held or mailed again.
        assert do_hold_overdue_customers(acting_user=None, now=on(date(2026, 4, 17))) == []

    def test_paying_the_invoice_lifts_the_hold(self):
        do_hold_overdue_customers(acting_user=None, now=on(date(2026, 4, 16)))
        do_mark_invoice_paid(acting_user=None, invoice=self.invoice, now=on(date(2026, 4, 20)))
        acme = Customer.objects.get(pk=self.cast.acme.pk)
        assert not acme.on_hold
        assert acme.on_hold_reason == ""
        assert acme.on_hold_invoice is None

    def test_a_hold_staff_placed_is_not_lifted_by_paying_an_invoice(self):
        do_put_customer_on_hold(acting_user=None, customer=self.cast.acme, reason="Licence audit")
        do_mark_invoice_paid(acting_user=None, invoice=self.invoice, now=on(date(2026, 4, 20)))
        acme = Customer.objects.get(pk=self.cast.acme.pk)
        assert acme.on_hold
        assert acme.on_hold_reason == "Licence audit"


class Schedule(TestCase):
    @classmethod
    def setUpTestData(cls):
        build_billing_story()

    def test_the_first_of_the_month_enqueues_the_billing_run_and_the_daily_jobs_once(self):
        assert enqueue_due_jobs(on(date(2026, 4, 1))) == ["billing_run", *DAILY]
        assert enqueue_due_jobs(on(date(2026, 4, 1))) == []
        assert enqueue_due_jobs(on(date(2026, 4, 2))) == DAILY
        assert ScheduledRun.objects.count() == 1 + 2 * len(DAILY)


@pytest.fixture
def smtp_server():
    class Collect:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 OK"

    handler = Collect()
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_schedule_and_mails_through_a_real_smtp_server(
    smtp_server, settings, monkeypatch
):
    controller, handler = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    # No work recorded here: a transactional test's flush cannot delete ledger entries.
    cast, _contract, _request = build_billing_story()
    do_run_billing(acting_user=None, period=Period.month("2026-03"), now=BILLED_AT)
    # Weeks later the invoice is still unpaid; the worker's daily job holds Acme.
    monkeypatch.setattr("supportledger.core.clock.now", lambda: on(date(2026, 5, 2)))
    from django.core.management import call_command

    call_command("worker", "--once")
    assert Customer.objects.get(pk=cast.acme.pk).on_hold
    # The invoice (mailed at issue, with its PDF) and the on-hold notice.
    assert [e.rcpt_tos for e in handler.envelopes] == [["petya@acme.example"]] * 2
    invoice_mail, notice = handler.envelopes
    assert b"application/pdf" in invoice_mail.content
    assert b"INV-2026-000001" in notice.content
    assert b"application/pdf" not in notice.content
