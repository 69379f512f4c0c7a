"""The one way a stored file leaves the server (a request's attachment, for
staff and customers alike, or a release): always a download, never rendered
or sniffed, never cached."""

from __future__ import annotations

from typing import Protocol

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


class StoredAttachment(Protocol):
    file: FieldFile
    filename: str


def attachment_response(attachment: StoredAttachment) -> FileResponse:
    """A request's attachment as a download under its own file name."""
    return file_download(attachment.file, attachment.filename)


def file_download(file: FieldFile, filename: str) -> FileResponse:
    """``file`` as a download named ``filename``: an opaque
    ``application/octet-stream`` body that the browser must save (the type
    the sender claimed is not trusted), not sniffed, in a sandbox with no
    sources should it be opened anyway, and kept by no cache."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
