"""Why a customer is on hold, as the reader reads it.

A hold that billing places for an overdue invoice points at that invoice
(``Customer.on_hold_invoice``); every page that shows a hold (portal,
console, service, the API) writes its reason from the invoice, in the
reader's language. A reason staff typed is shown as typed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from supportledger.core.locale_format import format_date


def describe_hold_reason(customer: Any, language: str | None = None) -> str:
    """Why ``customer`` is on hold, in ``language`` (default: the active
    one): a hold billing placed for an overdue invoice is written from the
    invoice, with the date the reader's way; a reason staff typed is shown
    as they typed it. Reads ``on_hold_invoice`` (one query if not selected)."""
    invoice = customer.on_hold_invoice
    if invoice is None or invoice.due_on is None:
        return str(customer.on_hold_reason)
    language = language or get_language() or "en"
    with override(language):
        return _("Overdue invoice %(number)s, due %(due)s") % {
            "number": invoice.number,
            "due": format_date(invoice.due_on, language),
        }
