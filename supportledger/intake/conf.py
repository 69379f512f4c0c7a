"""The intake's settings: Django settings first, then the environment, then a
default. Each is read when used, so tests can override them.

``INTAKE_UNKNOWN_SENDERS``  what mail from an address that is no contact's
    becomes: ``quarantine`` (default; staff decide), ``open`` (a request for a
    new prospect customer) or ``reject`` (kept, marked rejected; the SMTP
    listener answers 550).
``INTAKE_MAX_MESSAGE_BYTES``  the largest message accepted (default 26214400,
    25 MiB); the SMTP listener refuses larger ones with 552.
``INTAKE_DEFAULT_CATEGORY``  the category of a request opened by mail
    (default ``consultation``).
``INTAKE_ACKNOWLEDGEMENTS_PER_DAY``  at most this many acknowledgements to
    one address in 24 hours (default 5), so a system that answers every
    acknowledgement with new, unmarked mail cannot loop with us.
``INTAKE_IMAP_HOST``, ``INTAKE_IMAP_PORT`` (993), ``INTAKE_IMAP_USER``,
``INTAKE_IMAP_PASSWORD``, ``INTAKE_IMAP_MAILBOX`` (INBOX),
``INTAKE_IMAP_SSL`` (true)  the mailbox ``mail-in --imap`` polls.
``INTAKE_AUTHSERV_ID``  the authserv-id of the vendor's own receiving server:
    only Authentication-Results headers it added are trusted (docs/mail.md).
The outbound settings (the outbox, Message-IDs, links in mail) are in
``supportledger.mail.conf``.
"""

from __future__ import annotations

from supportledger.mail.conf import setting

UNKNOWN_SENDER_POLICIES = ("quarantine", "open", "reject")


def unknown_sender_policy() -> str:
    policy = str(setting("INTAKE_UNKNOWN_SENDERS", "quarantine")).strip().lower()
    if policy not in UNKNOWN_SENDER_POLICIES:
        raise ValueError(
            f"INTAKE_UNKNOWN_SENDERS is {policy!r}; "
            f"use one of {', '.join(UNKNOWN_SENDER_POLICIES)}."
        )
    return policy


def max_message_bytes() -> int:
    return int(setting("INTAKE_MAX_MESSAGE_BYTES", 25 * 1024 * 1024))


def default_category() -> str:
    return str(setting("INTAKE_DEFAULT_CATEGORY", "consultation"))


def acknowledgements_per_day() -> int:
    return int(setting("INTAKE_ACKNOWLEDGEMENTS_PER_DAY", 5))


def authserv_id() -> str:
    """``INTAKE_AUTHSERV_ID``: the authserv-id our own receiving server writes
    into the Authentication-Results headers it adds (RFC 8601). Only those
    headers are read; empty (default) means none is trusted."""
    return str(setting("INTAKE_AUTHSERV_ID", "")).strip().lower()
