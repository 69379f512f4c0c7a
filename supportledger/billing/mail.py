"""Mail to customers: issued invoices and credit notes, renewal reminders and
on-hold notices.

Written in the customer's language, to every contact of the customer, and
queued in the outbox (``supportledger.mail.outbox``) in the transaction
of the write that causes it: a mail leaves only once that write has
committed, never for a rolled-back one, and is retried when the mail server
is down.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.core.locale_format import format_date, format_money
from supportledger.customers.models import Contact, Customer
from supportledger.mail.outbox import queue_message

logger = logging.getLogger(__name__)


def _recipients(customer: Customer) -> list[str]:
    return sorted({c.email for c in customer.contacts.all() if c.email})


def _queue(customer: Customer, subject: str, body: str, *, kind: str, at: datetime) -> None:
    recipients = _recipients(customer)
    if not recipients:
        logger.info("No contact to mail for customer %s", customer.pk)
        return
    for address in recipients:
        queue_message(
            kind=kind, to=address, subject=subject, body=body, language=customer.language, at=at
        )


def queue_on_hold_notice(customer: Customer, invoice: Any, *, at: datetime) -> None:
    language = customer.language
    with override(language):
        subject = _("Your account is on hold: invoice %(number)s is overdue") % {
            "number": invoice.number
        }
        body = _(
            "Dear customer,\n\n"
            "invoice %(number)s of %(issued)s for %(total)s was due on %(due)s and is still "
            "unpaid. Your account is on hold: we cannot take new support work until it is "
            "paid. Paying the invoice lifts the hold.\n\n"
            "Kind regards"
        ) % {
            "number": invoice.number,
            "issued": format_date(invoice.issued_on, language),
            "total": format_money(invoice.total_amount, invoice.currency, language),
            "due": format_date(invoice.due_on, language),
        }
    _queue(customer, subject, body, kind="on_hold", at=at)


def queue_renewal_reminder(due: Any, *, at: datetime) -> None:
    entitlement = due.entitlement
    customer = entitlement.customer
    language = customer.language
    what = entitlement.licence.product.name if entitlement.licence_id else entitlement.reference
    values = {
        "what": what,
        "reference": entitlement.reference,
        "ends": format_date(entitlement.ends, language),
        "price": format_money(due.price, due.currency, language),
        "until": format_date(due.renew_until, language) if due.renew_until else "",
        "grace_ends": format_date(due.grace_ends, language) if due.grace_ends else "",
    }
    with override(language):
        if due.grace_ends is not None:
            subject = _("Last week to renew your support for %(what)s at the grace price") % values
            body = (
                _(
                    "Dear customer,\n\n"
                    "your support %(reference)s for %(what)s ended on %(ends)s. Until "
                    "%(grace_ends)s renewing costs %(price)s and extends it until %(until)s, "
                    "including the updates released meanwhile. After that day a renewal "
                    "costs the full renewal rate and runs from the day it is bought.\n\n"
                    "Kind regards"
                )
                % values
            )
        elif due.stage == "grace":
            subject = _("Your support for %(what)s has ended: renew it now") % values
            body = (
                _(
                    "Dear customer,\n\n"
                    "your support %(reference)s for %(what)s ended on %(ends)s. Renewing today "
                    "costs %(price)s and extends it until %(until)s, including the updates "
                    "released meanwhile.\n\n"
                    "Kind regards"
                )
                % values
            )
        else:
            subject = _("Your support for %(what)s ends on %(ends)s") % values
            body = (
                _(
                    "Dear customer,\n\n"
                    "your support %(reference)s for %(what)s ends on %(ends)s. Renewing today "
                    "costs %(price)s and extends it until %(until)s.\n\n"
                    "Kind regards"
                )
                % values
            )
    _queue(customer, subject, body, kind="renewal_reminder", at=at)


INVOICE_PDF_RENDERER = "billing.invoice_pdf"


def billing_recipient(customer: Customer) -> Any:
    """The contact who receives the customer's invoices: its billing contact,
    else its first contact (oldest) with a proven address; ``None`` when it
    has neither."""
    return billing_recipients([customer])[customer.pk]


def billing_recipients(customers: Sequence[Customer]) -> dict[int, Any]:
    """``billing_recipient`` of each of ``customers``, by customer id, in two
    queries whatever their number (the monthly run mails a batch at once)."""
    chosen: dict[int, Any] = {}
    named = Contact.objects.in_bulk(
        {c.billing_contact_id for c in customers if c.billing_contact_id is not None}
    )
    for customer in customers:
        contact = named.get(customer.billing_contact_id)
        if contact is not None and contact.customer_id == customer.pk and contact.email:
            chosen[customer.pk] = contact
    rest = [c.pk for c in customers if c.pk not in chosen]
    if rest:
        proven = (
            Contact.objects.filter(customer_id__in=rest, email_verified_at__isnull=False)
            .exclude(email="")
            .order_by("customer_id", "pk")
        )
        for contact in proven:
            chosen.setdefault(contact.customer_id, contact)
    return {c.pk: chosen.get(c.pk) for c in customers}


def invoice_filename(invoice: Any) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in invoice.number)
    return f"{safe}.pdf"


def queue_invoice_mail(
    invoice: Any, *, at: datetime, recipients: dict[int, Any] | None = None
) -> Any:
    """Queue the issued ``invoice`` (or credit note) to the customer's billing
    contact, in the invoice's language, with its PDF attached (made by the
    worker at the first delivery attempt, from what the invoice froze at
    issue). Call it in the issuing transaction. Returns the outbox row, or
    ``None`` when the customer has no contact to mail. ``recipients``: the
    ``billing_recipients`` already looked up, by customer id."""
    from supportledger.billing.models import InvoiceKind

    if recipients is not None:
        contact = recipients[invoice.customer_id]
    else:
        contact = billing_recipient(invoice.customer)
    if contact is None:
        logger.info("No billing contact to mail invoice %s to", invoice.pk)
        return None
    language = invoice.language
    values = {
        "number": invoice.number,
        "issued": format_date(invoice.issued_on, language),
        "total": format_money(invoice.total_amount, invoice.currency, language),
        "due": format_date(invoice.due_on, language) if invoice.due_on else "",
    }
    with override(language):
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            subject = _("Credit note %(number)s") % values
            body = (
                _(
                    "Dear customer,\n\n"
                    "attached is our credit note %(number)s of %(issued)s for %(total)s.\n\n"
                    "Kind regards"
                )
                % values
            )
        else:
            subject = _("Invoice %(number)s") % values
            body = (
                _(
                    "Dear customer,\n\n"
                    "attached is our invoice %(number)s of %(issued)s for %(total)s, "
                    "due on %(due)s.\n\n"
                    "Kind regards"
                )
                % values
            )
    return queue_message(
        kind="invoice",
        to=contact.email,
        subject=subject,
        body=body,
        language=language,
        at=at,
        rendered_attachments=[
            (invoice_filename(invoice), "application/pdf", INVOICE_PDF_RENDERER, invoice.pk)
        ],
        contact=contact,
    )
