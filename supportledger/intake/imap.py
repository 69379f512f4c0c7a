"""Polling a mailbox over IMAP (``supportledger mail-in --imap``).

Each unseen message is fetched without marking it, handed to
``do_receive_mail`` and only then flagged ``\\Seen`` (and deleted when
``INTAKE_IMAP_DELETE`` is true). A message whose storing failed stays
unseen and is fetched again next time; one fetched twice is a duplicate and
adds nothing.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
from dataclasses import dataclass

from supportledger.mail.conf import setting

__all__ = ["ImapSettings", "imap_settings", "poll_mailbox"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    ssl: bool = True
    delete: bool = False


def imap_settings() -> ImapSettings:
    host = str(setting("INTAKE_IMAP_HOST", ""))
    if not host:
        raise ValueError("INTAKE_IMAP_HOST is not set.")
    ssl = bool(setting("INTAKE_IMAP_SSL", True))
    return ImapSettings(
        host=host,
        port=int(setting("INTAKE_IMAP_PORT", 993 if ssl else 143)),
        user=str(setting("INTAKE_IMAP_USER", "")),
        password=str(setting("INTAKE_IMAP_PASSWORD", "")),
        mailbox=str(setting("INTAKE_IMAP_MAILBOX", "INBOX")),
        ssl=ssl,
        delete=bool(setting("INTAKE_IMAP_DELETE", False)),
    )


def poll_mailbox(settings: ImapSettings) -> dict[str, int]:
    """Fetch every unseen message once; returns the count per outcome."""
    from supportledger.intake.actions.receive import do_receive_mail

    client: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(settings.host, settings.port)
        if settings.ssl
        else imaplib.IMAP4(settings.host, settings.port)
    )
    counts: dict[str, int] = {}
    try:
        client.login(settings.user, settings.password)
        client.select(settings.mailbox)
        _status, data = client.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        for uid in (data[0] or b"").split():
            _status, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next(
                (p[1] for p in parts if isinstance(p, tuple) and isinstance(p[1], bytes)), None
            )
            if raw is None:
                continue
            try:
                receipt = do_receive_mail(raw=raw, received_via="imap")
            except Exception:
                logger.exception("IMAP message %s could not be stored; left unseen", uid)
                continue
            outcome = str(receipt.outcome)
            counts[outcome] = counts.get(outcome, 0) + 1
            client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
            if settings.delete:
                client.uid("STORE", uid.decode(), "+FLAGS", "(\\Deleted)")
        if settings.delete:
            client.expunge()
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return counts
