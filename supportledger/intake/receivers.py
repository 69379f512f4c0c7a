"""The intake listens for public replies staff post in the desk and mails
them to the customer once the posting transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def mail_public_reply(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    if instance.internal or instance.author_contact_id is not None:
        return
    from supportledger.intake.actions import send_reply

    message_id = instance.pk
    posted_at = instance.created_at
    transaction.on_commit(lambda: send_reply(message_id, now=posted_at))
