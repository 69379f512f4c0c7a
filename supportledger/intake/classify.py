"""Is a message automatic mail? (RFC 3834 and the common practice around it.)

Automatic mail is never answered automatically, so two systems can never
send each other acknowledgements for ever.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from django.conf import settings

from supportledger.intake.parse import ParsedMail

__all__ = ["automatic_mail_reason"]

_DAEMON_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "mail-daemon",
        "mailerdaemon",
        "noreply",
        "no-reply",
        "do-not-reply",
        "donotreply",
        "bounce",
        "bounces",
    }
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def automatic_mail_reason(parsed: ParsedMail, *, envelope_from: str | None = None) -> str | None:
    """Why ``parsed`` is automatic mail, as a stable code, or None for mail a
    person wrote. Codes: ``auto_submitted`` (Auto-Submitted other than
    ``no``), ``precedence_bulk``, ``delivery_report`` (a bounce or a read
    receipt), ``mailer_daemon`` (from a daemon or no-reply address, or an
    empty envelope sender), ``autoreply_header`` (X-Autoreply/X-Autorespond),
    ``auto_response_suppress`` (X-Auto-Response-Suppress), ``exchange_rules_loop``
    (X-MS-Exchange-Inbox-Rules-Loop), ``x_loop`` (X-Loop),
    ``mailing_list`` (List-Id), ``own_mail`` (from our own sender address).
    ``envelope_from`` is the SMTP ``MAIL FROM`` ("" for the null sender
    ``<>``), None when unknown (IMAP, a file)."""
    auto_submitted = parsed.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if parsed.header("Precedence").strip().lower() in _BULK_PRECEDENCE:
        return "precedence_bulk"
    content_type = parsed.header("Content-Type").lower()
    if content_type.startswith("multipart/report") or re.search(
        r"report-type\s*=\s*\"?(delivery-status|disposition-notification)", content_type
    ):
        return "delivery_report"
    if parsed.from_address in own_addresses():
        return "own_mail"
    local_part = parsed.from_address.partition("@")[0]
    if local_part in _DAEMON_LOCAL_PARTS:
        return "mailer_daemon"
    if envelope_from is not None and envelope_from.strip("<> ") == "":
        return "mailer_daemon"
    if parsed.header("Return-Path").strip() == "<>":
        return "mailer_daemon"
    if parsed.header("X-Autoreply") or parsed.header("X-Autorespond"):
        return "autoreply_header"
    # Exchange and Outlook mark their out-of-office and rule-made mail with
    # these rather than Auto-Submitted; X-Loop is what procmail, ticket
    # systems and list servers add to mail they pass on. Each of them, left
    # unread, lets two systems answer each other for ever.
    if parsed.header("X-Auto-Response-Suppress"):
        return "auto_response_suppress"
    if parsed.header("X-MS-Exchange-Inbox-Rules-Loop"):
        return "exchange_rules_loop"
    if parsed.header("X-Loop"):
        return "x_loop"
    if parsed.header("List-Id"):
        return "mailing_list"
    return None


def own_addresses() -> frozenset[str]:
    """The addresses the product sends from, lower case."""
    return frozenset(
        parseaddr(str(value))[1].lower()
        for value in (settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL)
        if value
    )
