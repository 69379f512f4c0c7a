"""The intake app's tables: inbound messages, the outbox and its attachments.

They are defined with the rest of the mail code in ``supportledger.mail.models``
(with ``app_label = "intake"``, so tables, migrations and audit names stay the
intake's); importing them here registers them when the app loads. Code
imports them from ``supportledger.mail.models``.
"""

from supportledger.mail.models import InboundMessage, OutboundAttachment, OutboundMail

__all__ = ["InboundMessage", "OutboundAttachment", "OutboundMail"]
