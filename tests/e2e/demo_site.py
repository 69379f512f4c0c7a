"""The demo vendor (remote_sla_pl: the preset with every portal page, remote
help and complaints) with what the small demo does not make by itself: a
draft billing run done the way the worker does it, a confirmed piece of work
with a complaint, an incoming mail and a caught outgoing one. The
accessibility walk and the console tour use it, so every page with an id in
its address has an object to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

from django.core.management import call_command

from supportledger.billing.actions.invoices import do_issue_invoice
from supportledger.billing.convert import Period
from supportledger.billing.models import Invoice
from supportledger.billing.runs import do_perform_billing_run, do_request_billing_run
from supportledger.catalog.queries import list_current_offers
from supportledger.core import clock
from supportledger.customers.models import Contact, Customer
from supportledger.demo.build import build_small
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Attachment, Request, WorkEntry
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import InboundMessage
from supportledger.ops.caught_mail import store_caught_mail
from supportledger.portal.management.commands.portal_demo import DEMO_PASSWORD
from supportledger.service.actions.claims import do_file_claim
from supportledger.service.actions.confirmation import do_confirm_work

PRESET = "remote_sla_pl"
ADMIN = ("admin", "admin")


@dataclass(frozen=True)
class DemoSite:
    contact: Contact
    customer: Customer
    request: Request
    work: WorkEntry
    invoice: Invoice
    run_id: int
    mail_id: int
    caught_key: str
    offer_code: str
    attachment_id: int
    password: str = DEMO_PASSWORD

    def ids(self) -> dict[str, object]:
        """The value for an id in an address, by the word before it
        (``invoices/<pk>/`` → ``invoices``)."""
        return {
            "invoices": self.invoice.pk,
            "runs": self.run_id,
            "customers": self.customer.pk,
            "requests": self.request.pk,
            "work": self.work.pk,
            "mail": self.mail_id,
            "caught-mail": self.caught_key,
            "offers": self.offer_code,
            "sell": "voucher",
            "xml": "en16931",
            "attachments": self.attachment_id,
        }


def build_demo_site(customers: int = 4) -> DemoSite:
    today = clock.now().date()
    build_small(PRESET, today=today, customers=customers)
    call_command("portal_demo", limit=1, stdout=StringIO())
    contact = Contact.objects.filter(user__isnull=False).select_related("customer").first()
    assert contact is not None
    # Last month's drafts, by the worker's own function, run inline.
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    run = do_request_billing_run(acting_user=None, period=Period.month(last_month), kind="drafts")
    do_perform_billing_run(run_id=run.pk)
    draft = Invoice.objects.order_by("pk").first()
    assert draft is not None, "the demo's billing run made no draft"
    # One issued (it has a PDF and e-invoices); the other drafts stay drafts.
    invoice = do_issue_invoice(acting_user=None, invoice=draft)
    # The contact's latest work, confirmed now, with a complaint.
    work = (
        WorkEntry.objects.filter(request__customer=contact.customer).order_by("-started_at").first()
    )
    assert work is not None
    do_confirm_work(acting_user=None, work=work, contact=contact)
    do_file_claim(
        acting_user=None, work=work, contact=contact, description="The export still fails."
    )
    message = do_post_message(
        acting_user=None,
        request=work.request,
        body_text="The log of the failed export is attached.",
        author_contact=contact,
        attachments=[("export.log", "text/plain", b"export failed: disk full\n")],
    )
    do_receive_mail(
        raw=(
            f"From: {contact.email}\r\nTo: support@example.com\r\n"
            "Subject: Printer stopped\r\nMessage-ID: <demo-site-1@example.com>\r\n\r\n"
            "The printer stopped after the update.\r\n"
        ).encode(),
        received_via="smtp",
    )
    caught = store_caught_mail(
        b"From: support@example.com\r\nTo: someone@example.com\r\n"
        b"Subject: Your request\r\n\r\nWe are on it.\r\n",
        envelope_from="support@example.com",
        envelope_to=["someone@example.com"],
    )
    return DemoSite(
        contact=contact,
        customer=contact.customer,
        request=work.request,
        work=work,
        invoice=invoice,
        run_id=run.pk,
        mail_id=InboundMessage.objects.order_by("pk").values_list("pk", flat=True).first() or 0,
        caught_key=caught,
        attachment_id=Attachment.objects.filter(message=message).values_list("pk", flat=True)[0],
        offer_code=next(o.code for o in list_current_offers() if o.sold),
    )
