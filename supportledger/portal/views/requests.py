"""The customer's requests: the work done on each, what it was charged and
why, confirming work and filing a claim while the window is open."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.portal.access import contact_required, owned
from supportledger.service.actions import do_confirm_work, do_file_claim
from supportledger.service.models import WorkConfirmation
from supportledger.service.queries import get_claim_window


def own_requests(request: HttpRequest) -> QuerySet[Request]:
    return Request.objects.filter(customer=request.customer)  # type: ignore[attr-defined]


def own_work(request: HttpRequest) -> QuerySet[WorkEntry]:
    return WorkEntry.objects.filter(request__customer=request.customer)  # type: ignore[attr-defined]


@require_safe
@contact_required
def requests_view(request: HttpRequest) -> HttpResponse:
    rows = own_requests(request).select_related("product", "contact").order_by("-created_at", "-id")
    return render(request, "portal/requests.html", {"requests": rows})


@contact_required
@owned("request_id", own_requests)
@require_safe
def request_view(request: HttpRequest, request_id: Request) -> HttpResponse:
    support_request = request_id
    work = list(
        WorkEntry.objects.filter(request=support_request)
        .select_related("product", "agent__user")
        .prefetch_related(
            Prefetch("ratings", queryset=WorkRating.objects.filter(current=True), to_attr="rated")
        )
        .order_by("started_at", "id")
    )
    confirmed = {
        c.work_id: c for c in WorkConfirmation.objects.filter(work__request=support_request)
    }
    now = clock.now()
    lines = []
    for entry in work:
        confirmation = confirmed.get(entry.pk)
        window = get_claim_window(entry) if confirmation else None
        lines.append(
            {
                "work": entry,
                "rating": entry.rated[0] if entry.rated else None,  # type: ignore[attr-defined]
                "confirmation": confirmation,
                "can_confirm": confirmation is None and entry.ended_at <= now,
                "window": window,
                "can_claim": window is not None and now <= window.complaint_deadline,
            }
        )
    return render(
        request,
        "portal/request.html",
        {
            "support_request": support_request,
            "lines": lines,
            "timezone": get_vendor_policy().timezone,
        },
    )


@contact_required
@owned("work_id", own_work)
@require_POST
def confirm_work_view(request: HttpRequest, work_id: WorkEntry) -> HttpResponse:
    work = work_id
    try:
        do_confirm_work(acting_user=request.user, work=work, contact=request.contact)  # type: ignore[attr-defined]
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Thank you: the work is confirmed."))
    return redirect("portal:request", request_id=work.request_id)


@contact_required
@owned("work_id", own_work)
@require_POST
def file_claim_view(request: HttpRequest, work_id: WorkEntry) -> HttpResponse:
    work = work_id
    try:
        do_file_claim(
            acting_user=request.user,
            work=work,
            contact=request.contact,  # type: ignore[attr-defined]
            description=request.POST.get("description", ""),
        )
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your complaint is filed; we will answer it."))
    return redirect("portal:request", request_id=work.request_id)
