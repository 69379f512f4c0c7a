"""Files attached to a request or a message: which types and sizes are taken,
how a file's name is cleaned, and stored files removed again when the
transaction that stored them rolls back.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import unicodedata
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from supportledger.core.errors import ActionRefused
from supportledger.desk.models import Attachment, Message

logger = logging.getLogger(__name__)


ALLOWED_CONTENT_TYPES: dict[str, tuple[bytes, ...]] = {
    # content type -> accepted leading bytes (empty: any).
    "text/plain": (),
    "text/csv": (),
    "message/rfc822": (),
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
}
"""Attachment types accepted, each with the magic bytes its content must
start with; anything else (HTML, SVG, executables, ...) is refused."""


DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class _CheckedFile:
    filename: str
    content_type: str
    content: bytes


def attachment_max_bytes() -> int:
    """The size limit of one attachment, bytes (setting
    ``DESK_ATTACHMENT_MAX_BYTES``, default 10 MiB)."""
    return int(getattr(settings, "DESK_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _clean_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip().strip(".")
    try:
        cleaned = get_valid_filename(name)
    except Exception:  # SuspiciousFileOperation for names like ".."
        cleaned = ""
    return cleaned[:200] or "attachment"


def check_attachment(filename: str, content_type: str, content: bytes) -> _CheckedFile:
    name = _clean_filename(filename)
    declared = (content_type or "").split(";")[0].strip().lower()
    limit = attachment_max_bytes()
    if len(content) > limit:
        raise ActionRefused(
            "attachment_too_large",
            "attachments: "
            + _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": name, "size": len(content), "limit": limit},
        )
    if not content:
        raise ActionRefused(
            "attachment_empty", "attachments: " + _("%(name)s is empty.") % {"name": name}
        )
    if declared not in ALLOWED_CONTENT_TYPES:
        raise ActionRefused(
            "attachment_type_refused",
            "attachments: "
            + _("%(name)s is of type %(type)s, which is not accepted.")
            % {"name": name, "type": declared or _("unknown")},
        )
    guessed = mimetypes.guess_type(name)[0]
    if guessed is not None and guessed != declared and guessed not in ALLOWED_CONTENT_TYPES:
        raise ActionRefused(
            "attachment_type_refused",
            "attachments: "
            + _("the name %(name)s says %(type)s, which is not accepted.")
            % {"name": name, "type": guessed},
        )
    magic = ALLOWED_CONTENT_TYPES[declared]
    if magic and not any(content.startswith(m) for m in magic):
        raise ActionRefused(
            "attachment_type_mismatch",
            "attachments: "
            + _("%(name)s is declared %(type)s but its content is not.")
            % {"name": name, "type": declared},
        )
    return _CheckedFile(name, declared, content)


def store_attachments(message: Message, files: Sequence[_CheckedFile], at: datetime) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ActionRefused(
            "too_many_attachments",
            "attachments: "
            + _("at most %(count)s files per message.") % {"count": MAX_ATTACHMENTS},
        )
    for item in files:
        attachment = Attachment(
            message=message,
            request_id=message.request_id,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
            created_at=at,
        )
        # Stored under a random name: the uploaded name is only ever shown.
        attachment.file.save(uuid.uuid4().hex, ContentFile(item.content), save=False)
        _delete_on_rollback(attachment.file.storage, attachment.file.name or "")
        attachment.save()


def _delete_on_rollback(storage: Storage, name: str) -> None:
    """Remove the stored file ``name`` again unless the transaction that wrote
    it commits: a refused or failed write (this action's, or an enclosing
    one's) leaves no file behind.

    Django has no rollback hook, but it drops the ``on_commit`` callbacks of a
    transaction or savepoint that is rolled back, and runs them on commit.
    The callback registered here marks the file kept when it runs; when it is
    dropped unrun, its finaliser deletes the file."""
    if not transaction.get_connection().in_atomic_block:
        return
    transaction.on_commit(_KeepFile(storage, name))


class _KeepFile:
    def __init__(self, storage: Storage, name: str) -> None:
        self.kept = [False]
        weakref.finalize(self, _delete_unless_kept, storage, name, self.kept)

    def __call__(self) -> None:
        self.kept[0] = True


def _delete_unless_kept(storage: Storage, name: str, kept: list[bool]) -> None:
    if not kept[0]:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not remove %s after a rolled-back write", name)
