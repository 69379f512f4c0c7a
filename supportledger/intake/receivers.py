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


def announce_release(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A newly published release is mailed to the customers it is for, once
    the publishing transaction commits (``do_send_release_mails``)."""
    if not created or kwargs.get("raw"):
        return
    from supportledger.intake.actions import do_send_release_mails

    release_id = instance.pk

    def send() -> None:
        from supportledger.catalog.models import Release

        do_send_release_mails(release=Release.objects.get(pk=release_id))

    transaction.on_commit(send)
