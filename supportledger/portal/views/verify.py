"""The page a contact reaches from the verification link: opening it shows
a button (so a mail scanner that fetches links proves nothing), pressing it
proves the address."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import do_confirm_contact_email
from supportledger.customers.verification import read_verification_token


@require_http_methods(["GET", "POST"])
def verify_email_view(request: HttpRequest, token: str) -> HttpResponse:
    if read_verification_token(token) is None:
        return render(request, "portal/verify_email.html", {"state": "invalid"})
    if request.method == "POST":
        try:
            contact = do_confirm_contact_email(token=token)
        except ActionRefused:
            return render(request, "portal/verify_email.html", {"state": "invalid"})
        return render(request, "portal/verify_email.html", {"state": "done", "contact": contact})
    return render(request, "portal/verify_email.html", {"state": "ask"})
