"""Mail to customers: renewal reminders and on-hold notices.

Written in the customer's language, to every contact of the customer, and
queued in the outbox (``supportledger.intake.mailout``) in the transaction
of the write that causes it: a mail leaves only once that write has
committed, never for a rolled-back one, and is retried when the mail server
is down.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from supportledger.core.locale_format import format_date, format_money
from supportledger.customers.models import Customer

logger = logging.getLogger(__name__)


def _recipients(customer: Customer) -> list[str]:
    return sorted({c.email for c in customer.contacts.all() if c.email})


def _queue(customer: Customer, subject: str, body: str, *, kind: str, at: datetime) -> None:
    from supportledger.intake.mailout import queue_message

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
