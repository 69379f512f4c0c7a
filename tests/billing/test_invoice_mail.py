"""Issued invoices and credit notes go to the customer's billing contact
through the outbox, with the PDF attached, queued in the issuing transaction
and delivered (with retries) over real SMTP on loopback."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction
from pypdf import PdfReader

from supportledger.billing import pdf
from supportledger.billing.actions.invoices import do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.mail import INVOICE_PDF_RENDERER
from supportledger.billing.models import Invoice
from supportledger.customers.actions import do_add_contact
from supportledger.mail.models import OutboundMail, OutboundStatus
from supportledger.mail.outbox import ATTACHMENT_RENDERERS, deliver_due_mail
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import SET_UP_AT, at
from tests.intake.smtp_fixtures import SinkHandler, free_port, smtp_sink  # noqa: F401
from tests.outbox import FAR_FUTURE

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed():
    cast, _contract, request = build_billing_story()
    record(cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
    return cast


def _run():
    return do_run_billing(acting_user=None, period=Period.month("2026-03"), now=BILLED_AT)


def _pdf_text(content: bytes) -> str:
    import io

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_issued_invoice_is_mailed_to_the_billing_contact_with_its_pdf(
    billed,
    smtp_sink,  # noqa: F811
):
    acme = billed.acme
    billing = do_add_contact(
        verified=True,
        acting_user=None,
        customer=acme,
        name="Accounts",
        email="accounts@acme.example",
        now=SET_UP_AT,
    )
    acme.billing_contact = billing
    acme.save(update_fields=["billing_contact"])
    invoice = _run().invoices[0]
    row = OutboundMail.objects.get(kind="invoice")
    assert (row.to, row.status, row.contact_id) == (
        "accounts@acme.example",
        OutboundStatus.PENDING,
        billing.pk,
    )
    report = deliver_due_mail(now=FAR_FUTURE)
    assert report.sent >= 1
    sent = [m for _f, to, m in smtp_sink.messages if to == ["accounts@acme.example"]]
    assert len(sent) == 1
    message = sent[0]
    assert invoice.number in message["Subject"]
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{invoice.number}.pdf"]
    content = attachments[0].get_content()
    assert content.startswith(b"%PDF")
    # The document the console and the API serve (PDF bytes differ per rendering).
    served = pdf.render_invoice_pdf(Invoice.objects.get(pk=invoice.pk))
    assert _pdf_text(content) == _pdf_text(served)
    assert invoice.number in _pdf_text(content)
    # Nobody else got the invoice.
    assert all(
        "accounts@acme.example" in to or invoice.number not in m["Subject"]
        for _f, to, m in smtp_sink.messages
    )


def test_without_a_billing_contact_the_first_proven_contact_gets_it_and_a_credit_note_too(
    billed,
    smtp_sink,  # noqa: F811
):
    invoice = _run().invoices[0]
    first = billed.acme.contacts.filter(email_verified_at__isnull=False).order_by("pk").first()
    assert OutboundMail.objects.get(kind="invoice").to == first.email
    note = do_credit_invoice(acting_user=None, invoice=invoice, reason="Wrong hours", now=BILLED_AT)
    rows = OutboundMail.objects.filter(kind="invoice").order_by("pk")
    assert [r.subject for r in rows] == [
        f"Фактура {invoice.number}",
        f"Кредитно известие {note.number}",
    ]
    deliver_due_mail(now=FAR_FUTURE)
    sent = {str(m["Subject"]).strip(): m for _f, _to, m in smtp_sink.messages}
    assert f"Кредитно известие {note.number}" in sent, list(sent)
    credit = sent[f"Кредитно известие {note.number}"]
    (attachment,) = credit.iter_attachments()
    assert attachment.get_filename() == f"{note.number}.pdf"
    assert note.number in _pdf_text(attachment.get_content())


def test_an_issue_rolled_back_leaves_no_mail(billed):
    class Boom(Exception):
        pass

    def bill_then_fail():
        with transaction.atomic():
            _run()
            assert OutboundMail.objects.filter(kind="invoice").count() == 1
            raise Boom

    with pytest.raises(Boom):
        bill_then_fail()
    assert not OutboundMail.objects.filter(kind="invoice").exists()
    assert not Invoice.objects.exclude(number="").exists()


def test_the_invoice_mail_is_retried_while_the_server_is_down_and_sent_once_when_up(
    billed, settings
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 5
    invoice = _run().invoices[0]
    row = OutboundMail.objects.get(kind="invoice")
    # Nothing listens: the attempt fails, is counted, and waits for a retry.
    report = deliver_due_mail(now=BILLED_AT)
    row.refresh_from_db()
    assert report.failed >= 1
    assert (row.status, row.attempts) == (OutboundStatus.PENDING, 1)
    assert row.next_attempt_at > BILLED_AT
    # The PDF was made once, kept, and is not made again for the retry.
    kept = bytes(row.attachments.get().content)
    assert kept.startswith(b"%PDF")
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with mock.patch.dict(
            ATTACHMENT_RENDERERS,
            {INVOICE_PDF_RENDERER: mock.Mock(side_effect=AssertionError("rendered again"))},
        ):
            deliver_due_mail(now=FAR_FUTURE)
            deliver_due_mail(now=FAR_FUTURE)
    finally:
        controller.stop()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.SENT, 2)
    invoices = [m for _f, _to, m in handler.messages if invoice.number in m["Subject"]]
    assert len(invoices) == 1
    (attachment,) = invoices[0].iter_attachments()
    assert attachment.get_content() == kept
