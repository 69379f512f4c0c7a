"""Remote help (seed S4): pick a consultant on duty, consent to the terms and
the price list, receive the single-use session code; see past sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from supportledger.catalog.queries import get_service_price_on
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.queries import get_service_eligibility
from supportledger.portal.access import client_ip, contact_required, form_ids, own_or_404
from supportledger.portal.queries import today_for_vendor
from supportledger.portal.views.requests import own_requests
from supportledger.service.actions.remote import do_start_customer_remote_session
from supportledger.service.models import ConsentTerms
from supportledger.service.queries import (
    get_consent_terms,
    list_consultants_on_duty,
    list_remote_sessions_for_customer,
)

TERMS_VERSION = getattr(settings, "PORTAL_REMOTE_TERMS_VERSION", "2026-1")
SESSIONS_PER_PAGE = 25
"""Past sessions are all listed, newest first, this many a page."""


def _offered(request: HttpRequest) -> None:
    """Remote sessions exist only where the vendor's policy offers them."""
    if "remote_sessions" not in request.features:  # type: ignore[attr-defined]
        raise Http404("This vendor offers no remote sessions through the portal.")


def _terms(request: HttpRequest) -> ConsentTerms | None:
    """The current consent terms in the contact's language (or the vendor's)."""
    return get_consent_terms(request.contact.language)  # type: ignore[attr-defined]


def _context(request: HttpRequest) -> dict[str, object]:
    now = clock.now()
    policy = get_vendor_policy()
    terms = _terms(request)
    return {
        "consultants": list_consultants_on_duty(now),
        "requests": own_requests(request).order_by("-created_at", "-id")[:50],
        "sessions": Paginator(
            list_remote_sessions_for_customer(request.customer),  # type: ignore[attr-defined]
            SESSIONS_PER_PAGE,
        ).get_page(request.GET.get("page")),
        "prices": get_service_price_on(today_for_vendor(policy, now)),
        "terms": terms,
        "terms_version": terms.label if terms is not None else TERMS_VERSION,
        "claims": "claims" in request.features,  # type: ignore[attr-defined]
        "timezone": policy.timezone,
        "policy": policy,
    }


@require_safe
@contact_required
def remote_view(request: HttpRequest) -> HttpResponse:
    _offered(request)
    return render(request, "portal/remote.html", _context(request))


@form_ids("request")
@never_cache
@require_POST
@contact_required
def remote_start_view(request: HttpRequest) -> HttpResponse:
    _offered(request)
    support_request = own_or_404(own_requests(request), request.POST.get("request"))
    now = clock.now()
    if support_request.product is not None:
        eligible = get_service_eligibility(
            request.customer,  # type: ignore[attr-defined]
            mode="remote",
            category=support_request.category,
            product=support_request.product,
            at=now,
            feature="remote_sessions",
            request=support_request,
        )
        if not eligible.allowed:
            messages.error(
                request, _("Remote help is not available for this request under your support.")
            )
            return redirect("portal:remote")
    try:
        session, code = do_start_customer_remote_session(
            acting_user=request.user,
            contact=request.contact,  # type: ignore[attr-defined]
            request=support_request,
            agent_id=_int(request.POST.get("consultant")),
            agreed=request.POST.get("agree") == "yes",
            terms_version=_consented_version(request),
            ip_address=client_ip(request),
            now=now,
        )
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("portal:remote")
    # The code is shown once, in this answer, and kept only hashed.
    return render(
        request,
        "portal/remote_code.html",
        {
            "session": session,
            "code": code,
            "consultant": session.agent,
            "timezone": get_vendor_policy().timezone,
        },
    )


def _consented_version(request: HttpRequest) -> str:
    terms = _terms(request)
    return terms.label if terms is not None else TERMS_VERSION


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
