"""Remote help (seed S4): pick a consultant on duty, consent to the terms and
the price list, receive the single-use session code; see past sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from supportledger.catalog.queries import get_service_price_on
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.portal.access import client_ip, contact_required, form_ids, own_or_404
from supportledger.portal.queries import today_for_vendor
from supportledger.portal.views.requests import own_requests
from supportledger.service.actions import do_start_customer_remote_session
from supportledger.service.queries import (
    list_consultants_on_duty,
    list_remote_sessions_for_customer,
)

TERMS_VERSION = getattr(settings, "PORTAL_REMOTE_TERMS_VERSION", "2026-1")
SESSIONS_PER_PAGE = 25
"""Past sessions are all listed, newest first, this many a page."""


def _context(request: HttpRequest) -> dict[str, object]:
    now = clock.now()
    policy = get_vendor_policy()
    return {
        "consultants": list_consultants_on_duty(now),
        "requests": own_requests(request).order_by("-created_at", "-id")[:50],
        "sessions": Paginator(
            list_remote_sessions_for_customer(request.customer),  # type: ignore[attr-defined]
            SESSIONS_PER_PAGE,
        ).get_page(request.GET.get("page")),
        "prices": get_service_price_on(today_for_vendor(policy, now)),
        "terms_version": TERMS_VERSION,
        "timezone": policy.timezone,
        "policy": policy,
    }


@require_safe
@contact_required
def remote_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/remote.html", _context(request))


@form_ids("request")
@never_cache
@require_POST
@contact_required
def remote_start_view(request: HttpRequest) -> HttpResponse:
    support_request = own_or_404(own_requests(request), request.POST.get("request"))
    try:
        session, code = do_start_customer_remote_session(
            acting_user=request.user,
            contact=request.contact,  # type: ignore[attr-defined]
            request=support_request,
            agent_id=_int(request.POST.get("consultant")),
            agreed=request.POST.get("agree") == "yes",
            terms_version=TERMS_VERSION,
            ip_address=client_ip(request),
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


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
