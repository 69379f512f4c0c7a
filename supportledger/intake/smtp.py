"""The SMTP listener: aiosmtpd hands each message to ``do_receive_mail``.

The answer to the sending server tells it what happened, so nothing is lost
silently: 250 once the message is stored (routed, quarantined, ignored or a
duplicate), 550 for an unknown sender under the ``reject`` policy (the
message is still kept for staff), 451 when it could not be stored (the
sender retries), and aiosmtpd itself answers 552 to a message over
``INTAKE_MAX_MESSAGE_BYTES``, before any of it is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from supportledger.intake import conf
from supportledger.mail.models import InboundStatus

__all__ = ["IntakeHandler", "make_controller"]

logger = logging.getLogger(__name__)


def _receive(raw: bytes, envelope_from: str) -> str:
    from supportledger.intake.actions.receive import do_receive_mail

    close_old_connections()
    try:
        receipt = do_receive_mail(raw=raw, received_via="smtp", envelope_from=envelope_from)
    finally:
        # This worker thread's connection is not kept between messages: mail
        # arrives seldom, and an idle connection would only hold a server slot.
        connections.close_all()
    return receipt.outcome


class IntakeHandler:
    """aiosmtpd handler: every accepted message goes through ``do_receive_mail``."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        envelope_from = envelope.mail_from or ""
        try:
            outcome = await sync_to_async(_receive, thread_sensitive=True)(raw, envelope_from)
        except Exception:
            logger.exception("Storing a message from %r failed", envelope_from)
            return "451 4.3.0 Message could not be stored, try again later"
        if outcome == InboundStatus.REJECTED_UNKNOWN_SENDER:
            return "550 5.7.1 Sender is not known here"
        return "250 2.0.0 Message accepted"


def make_controller(host: str, port: int) -> Controller:
    """A listener on ``host``:``port`` (not started) refusing messages over
    ``INTAKE_MAX_MESSAGE_BYTES`` with 552."""
    return Controller(
        IntakeHandler(),
        hostname=host,
        port=port,
        data_size_limit=conf.max_message_bytes(),
        enable_SMTPUTF8=True,
        ready_timeout=10,
    )
