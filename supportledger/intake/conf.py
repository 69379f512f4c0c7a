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
``INTAKE_MAIL_DOMAIN``  the domain of outbound Message-IDs (default: the
    domain of ``DEFAULT_FROM_EMAIL``).
``INTAKE_IMAP_HOST``, ``INTAKE_IMAP_PORT`` (993), ``INTAKE_IMAP_USER``,
``INTAKE_IMAP_PASSWORD``, ``INTAKE_IMAP_MAILBOX`` (INBOX),
``INTAKE_IMAP_SSL`` (true)  the mailbox ``mail-in --imap`` polls.
``INTAKE_AUTHSERV_ID``  the authserv-id of the vendor's own receiving server:
    only Authentication-Results headers it added are trusted (docs/mail.md).
``INTAKE_OUTBOX_RETRY_SECONDS`` (60), ``INTAKE_OUTBOX_MAX_ATTEMPTS`` (10)
    the outbox's first pause after a failed delivery (doubled after each
    further failure, at most six hours) and the attempts before it gives up.
Links in mail are built from ``SITE_URL`` (``SUPPORTLEDGER_SITE_URL``).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

UNKNOWN_SENDER_POLICIES = ("quarantine", "open", "reject")


def setting(name: str, default: Any) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


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


def mail_domain() -> str:
    domain = setting("INTAKE_MAIL_DOMAIN", "")
    if domain:
        return str(domain)
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip("> ") or "localhost"


def acknowledgements_per_day() -> int:
    return int(setting("INTAKE_ACKNOWLEDGEMENTS_PER_DAY", 5))


def public_url() -> str:
    """Where customers reach the product, for links in mail: ``SITE_URL``
    (``SUPPORTLEDGER_SITE_URL``)."""
    return str(getattr(settings, "SITE_URL", "http://localhost:8000")).rstrip("/")


def authserv_id() -> str:
    """``INTAKE_AUTHSERV_ID``: the authserv-id our own receiving server writes
    into the Authentication-Results headers it adds (RFC 8601). Only those
    headers are read; empty (default) means none is trusted."""
    return str(setting("INTAKE_AUTHSERV_ID", "")).strip().lower()
