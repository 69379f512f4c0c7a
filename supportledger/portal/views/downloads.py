"""Releases the customer may download, through signed links that expire.

A link carries the release and the contact, signed with the secret key; it
works for ten minutes and only for the contact it was made for, and the
eligibility is checked again when the file is asked for.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.billing.actions.orders import do_order_renewal
from supportledger.core.downloads import file_download
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.models import Licence
from supportledger.portal.access import contact_required, form_ids, own_or_404
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


@contact_required
def download_file_view(request: HttpRequest, signed: str) -> HttpResponse:
    # The link is checked before the method, so another contact's link is
    # 404 whatever the method.
    try:
        payload = signing.loads(signed, salt=SALT, max_age=LINK_SECONDS)
    except signing.BadSignature:  # expired links are BadSignature too
        raise Http404 from None
    if not isinstance(payload, dict) or payload.get("c") != request.contact.pk:  # type: ignore[attr-defined]
        raise Http404
    release = own_or_404(releases_for_customer(request.customer), payload.get("r"))  # type: ignore[attr-defined]
    if not release.file or not get_download_eligibility(request.customer, release).allowed:  # type: ignore[attr-defined]
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    name = release.file.name.rsplit("/", 1)[-1]
    return file_download(release.file, name)


@form_ids("licence")
@require_POST
@contact_required
def renew_view(request: HttpRequest) -> HttpResponse:
    """Order the renewal of a licence's support at today's quote; the order
    is invoiced at once and the invoice appears under Invoices."""
    licence = own_or_404(
        Licence.objects.filter(customer=request.customer).select_related("product"),  # type: ignore[attr-defined]
        request.POST.get("licence"),
    )
    try:
        _order, invoice = do_order_renewal(
            acting_user=request.user,
            customer=request.customer,  # type: ignore[attr-defined]
            licence=licence,
        )
    except ActionRefused as refused:
        messages.error(
            request, _("The renewal could not be ordered: %(reason)s") % {"reason": refused.message}
        )
        return redirect("portal:downloads")
    messages.success(
        request,
        _(
            "Renewal ordered. Invoice %(number)s is under Invoices; "
            "support is extended once it is paid."
        )
        % {"number": invoice.number},
    )
    return redirect("portal:invoices")
