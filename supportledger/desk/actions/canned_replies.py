"""Canned replies: text the staff insert into a reply."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.desk.models import CannedReply


@transaction.atomic
def do_save_canned_reply(
    *,
    acting_user: User | None,
    title: str,
    language: str,
    body: str,
    reply: CannedReply | None = None,
    now: datetime | None = None,
) -> CannedReply:
    """Add a canned reply in ``language`` (one of the site's languages), or
    change ``reply``. A title is used once per language."""
    at = now or clock.now()
    title = " ".join(title.split())
    if not title:
        raise ActionRefused("invalid", "title: " + _("give the reply a title."))
    if language not in dict(settings.LANGUAGES):
        raise ActionRefused(
            "invalid",
            "language: "
            + _("unknown language %(language)s; one of %(allowed)s.")
            % {"language": repr(language), "allowed": ", ".join(dict(settings.LANGUAGES))},
        )
    if not body.strip():
        raise ActionRefused("invalid", "body: " + _("the reply is empty."))
    clash = CannedReply.objects.filter(language=language, title=title)
    if reply is not None:
        clash = clash.exclude(pk=reply.pk)
    if clash.exists():
        raise ActionRefused(
            "duplicate", "title: " + _("a reply with this title exists in this language.")
        )
    reply = reply or CannedReply(created_at=at)
    reply.title, reply.language, reply.body = title[:100], language, body
    reply.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SAVE_CANNED_REPLY,
        obj=reply,
        at=at,
        detail={"title": reply.title, "language": language},
    )
    return reply


@transaction.atomic
def do_delete_canned_reply(
    *, acting_user: User | None, reply: CannedReply, now: datetime | None = None
) -> None:
    at = now or clock.now()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.DELETE_CANNED_REPLY,
        obj=reply,
        at=at,
        detail={"title": reply.title, "language": reply.language},
    )
    reply.delete()
