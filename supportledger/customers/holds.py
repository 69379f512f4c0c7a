"""The reason a customer is on hold, as stored and as read.

Billing holds a customer whose invoice is overdue and stores the reason in
one fixed English shape; every page that shows a hold (portal, console,
service) reads it back in the reader's language. A reason staff typed is
shown as typed.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from supportledger.core.locale_format import format_date

OVERDUE_HOLD_PREFIX = "Overdue invoice"
"""Holds billing places start with it, so paying lifts only those."""

_OVERDUE_HOLD = re.compile(
    rf"^{OVERDUE_HOLD_PREFIX} (?P<number>\S+), due (?P<due>\d{{4}}-\d{{2}}-\d{{2}})$"
)


def overdue_hold_reason(number: str, due_on: date) -> str:
    """The reason stored on a customer held for an overdue invoice: plain
    English, one fixed shape, so ``describe_hold_reason`` can read it back
    into any language."""
    return f"{OVERDUE_HOLD_PREFIX} {number}, due {due_on.isoformat()}"


def describe_hold_reason(reason: str, language: str | None = None) -> str:
    """A hold reason in ``language`` (default: the active one). A hold that
    billing placed for an overdue invoice is written anew, with the date the
    reader's way; a reason staff typed is shown as they typed it."""
    match = _OVERDUE_HOLD.match(reason)
    if match is None:
        return reason
    language = language or get_language() or "en"
    with override(language):
        return _("Overdue invoice %(number)s, due %(due)s") % {
            "number": match["number"],
            "due": format_date(date.fromisoformat(match["due"]), language),
        }
