"""Releases the customer may download, through signed links that expire.

A link carries the release and the contact, signed with the secret key; it
works for ten minutes and only for the contact it was made for, and the
eligibility is checked again when the file is asked for.
"""

from __future__ import annotations

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from supportledger.portal.access import contact_required, own_or_404
from supportledger.portal.queries import (
    get_download_eligibility,
    get_downloads,
    releases_for_customer,
)

SALT = "supportledger.portal.download"
LINK_SECONDS = 600


def signed_download_path(contact_id: int, release_id: int) -> str:
    signed = signing.dumps({"c": contact_id, "r": release_id}, salt=SALT, compress=True)
    return reverse("portal:download_file", kwargs={"signed": signed})


@require_safe
@contact_required
def downloads_view(request: HttpRequest) -> HttpResponse:
    groups = get_downloads(request.customer)  # type: ignore[attr-defined]
    links = {
        line.release.pk: signed_download_path(request.contact.pk, line.release.pk)  # type: ignore[attr-defined]
        for group in groups
        for line in group.releases
        if line.eligibility.allowed and line.release.file
    }
    return render(
        request,
        "portal/downloads.html",
        {"groups": groups, "links": links, "link_minutes": LINK_SECONDS // 60},
    )


@require_safe
@contact_required
def download_file_view(request: HttpRequest, signed: str) -> HttpResponse:
    try:
        payload = signing.loads(signed, salt=SALT, max_age=LINK_SECONDS)
    except signing.BadSignature:  # expired links are BadSignature too
        raise Http404 from None
    if not isinstance(payload, dict) or payload.get("c") != request.contact.pk:  # type: ignore[attr-defined]
        raise Http404
    release = own_or_404(releases_for_customer(request.customer), payload.get("r"))  # type: ignore[attr-defined]
    if not release.file or not get_download_eligibility(request.customer, release).allowed:  # type: ignore[attr-defined]
        raise Http404
    name = release.file.name.rsplit("/", 1)[-1]
    response = FileResponse(release.file.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
