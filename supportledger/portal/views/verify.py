"""The page a contact reaches from the verification link: opening it shows
a button (so a mail scanner that fetches links proves nothing), pressing it
proves the address."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import do_confirm_contact_email
from supportledger.customers.verification import read_verification_token
from supportledger.portal.access import contact_of


@require_http_methods(["GET", "POST"])
def verify_email_view(request: HttpRequest, verification: str) -> HttpResponse:
    found = read_verification_token(verification)
    own = contact_of(request.user)
    if found is not None and own is not None and own.pk != found[0]:
        # A logged-in contact holds another contact's link: not theirs to use here.
        raise Http404
    if found is None:
        return render(request, "portal/verify_email.html", {"state": "invalid"})
    if request.method == "POST":
        try:
            contact = do_confirm_contact_email(token=verification)
        except ActionRefused:
            return render(request, "portal/verify_email.html", {"state": "invalid"})
        return render(request, "portal/verify_email.html", {"state": "done", "contact": contact})
    return render(request, "portal/verify_email.html", {"state": "ask"})
