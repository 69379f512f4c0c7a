"""The mail catcher of ``make run``: an SMTP sink on loopback that keeps
every message the product sends in a Maildir under the var directory
(``<SUPPORTLEDGER_VAR_DIR>/caught-mail``), so staff can read them in the
console instead of mail going to a server that is not there.

Messages are kept as sent (the raw bytes); reading parses them."""

from __future__ import annotations

import logging
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings

__all__ = ["CaughtMail", "catcher_dir", "get_caught_mail", "list_caught_mail", "make_catcher"]

logger = logging.getLogger(__name__)


def catcher_dir() -> Path:
    return Path(settings.VAR_DIR) / "caught-mail"


def _maildir() -> mailbox.Maildir:
    return mailbox.Maildir(catcher_dir(), create=True)


@dataclass(frozen=True)
class CaughtMail:
    """One caught message; ``received_at`` is UTC, ``body`` the plain-text part."""

    key: str
    received_at: datetime
    sender: str
    recipients: str
    subject: str
    body: str
    attachments: tuple[str, ...]


def store_caught_mail(raw: bytes, *, envelope_from: str, envelope_to: list[str]) -> str:
    """Keep one message; returns its key. The envelope is recorded in
    ``X-Caught-*`` headers in front of the message."""
    prefix = (
        f"X-Caught-Envelope-From: {envelope_from}\r\n"
        f"X-Caught-Envelope-To: {', '.join(envelope_to)}\r\n"
    ).encode()
    return str(_maildir().add(prefix + raw))


def _read(key: str, message: mailbox.MaildirMessage) -> CaughtMail:
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body_part = parsed.get_body(preferencelist=("plain", "html"))
    body = body_part.get_content() if body_part is not None else ""
    attachments = tuple(part.get_filename() or "" for part in parsed.iter_attachments())
    return CaughtMail(
        key=key,
        received_at=datetime.fromtimestamp(message.get_date(), UTC),
        sender=str(parsed.get("From", "")),
        recipients=str(parsed.get("To", "") or parsed.get("X-Caught-Envelope-To", "")),
        subject=str(parsed.get("Subject", "")),
        body=body,
        attachments=attachments,
    )


def list_caught_mail(limit: int = 200) -> list[CaughtMail]:
    """The newest ``limit`` caught messages, newest first."""
    if not catcher_dir().exists():
        return []
    box = _maildir()
    found = [_read(key, message) for key, message in box.iteritems()]
    found.sort(key=lambda mail: (mail.received_at, mail.key), reverse=True)
    return found[:limit]


def get_caught_mail(key: str) -> CaughtMail | None:
    if not catcher_dir().exists() or "/" in key or key.startswith("."):
        return None
    box = _maildir()
    try:
        return _read(key, box[key])
    except KeyError:
        return None


class CatcherHandler:
    """aiosmtpd handler: every message is stored, whoever it is for."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            key = store_caught_mail(
                raw, envelope_from=envelope.mail_from or "", envelope_to=list(envelope.rcpt_tos)
            )
        except OSError:
            logger.exception("Catching a message failed")
            return "451 4.3.0 Message could not be stored, try again later"
        logger.info("caught mail %s for %s", key, ", ".join(envelope.rcpt_tos))
        return "250 2.0.0 Caught"


def make_catcher(host: str, port: int) -> Controller:
    """The catcher on ``host``:``port``, not started."""
    return Controller(
        CatcherHandler(), hostname=host, port=port, enable_SMTPUTF8=True, ready_timeout=10
    )
