"""The customer's requests: the work done on each, what it was charged and
why, confirming work and filing a claim while the window is open."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.core import clock
from supportledger.core.downloads import attachment_response
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.templatetags.formats import moment
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Category, Request, WorkEntry, WorkRating
from supportledger.desk.queries import (
    get_attachment_for_customer,
    list_public_thread,
    list_requests_for_customer,
)
from supportledger.entitlements.models import Licence
from supportledger.portal.access import contact_required, form_ids, own_or_404, owned
from supportledger.rules.claims import is_complaint_in_time
from supportledger.service.actions.claims import do_file_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.models import Claim, WorkConfirmation
from supportledger.service.queries import get_claim_window, list_claims_for_customer


def own_requests(request: HttpRequest) -> QuerySet[Request]:
    return list_requests_for_customer(request.customer)  # type: ignore[attr-defined]


def own_licences(request: HttpRequest) -> QuerySet[Licence]:
    return Licence.objects.filter(customer=request.customer).select_related("product")  # type: ignore[attr-defined]


def uploaded(request: HttpRequest) -> list[tuple[str, str, bytes]]:
    """The files of the form, as the desk's actions take them; the desk
    checks size, count and type (and refuses the whole message on one bad file)."""
    return [
        (f.name or "file", f.content_type or "", f.read())
        for f in request.FILES.getlist("attachments")
    ]


def own_work(request: HttpRequest) -> QuerySet[WorkEntry]:
    return WorkEntry.objects.filter(request__customer=request.customer)  # type: ignore[attr-defined]


def _requests_page(
    request: HttpRequest, *, typed: Any = None, error: str = "", status: int = 200
) -> HttpResponse:
    """The list of requests with the form to open one; after a refusal, the
    form holds what was typed and says why (files have to be chosen again:
    a browser never refills them)."""
    return render(
        request,
        "portal/requests.html",
        {
            "requests": own_requests(request),
            "licences": own_licences(request),
            "categories": Category.choices,
            "typed": typed or {},
            "error": error,
        },
        status=status,
    )


@require_safe
@contact_required
def requests_view(request: HttpRequest) -> HttpResponse:
    return _requests_page(request)


@form_ids("licence")
@require_POST
@contact_required
def open_request_view(request: HttpRequest) -> HttpResponse:
    licence = None
    if request.POST.get("licence"):
        licence = own_or_404(own_licences(request), request.POST["licence"])
    category = request.POST.get("category", "")
    if category not in Category.values:
        return _requests_page(
            request,
            typed=request.POST,
            error=_("Choose what the request is about."),
            status=400,
        )
    try:
        opened = do_open_request(
            acting_user=request.user,
            customer=request.customer,  # type: ignore[attr-defined]
            contact=request.contact,  # type: ignore[attr-defined]
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
            category=category,
            channel="portal",
            licence=licence,
            attachments=uploaded(request),
        )
    except ActionRefused as refused:
        return _requests_page(
            request,
            typed=request.POST,
            error=_("The request was not opened: %(reason)s") % {"reason": refused.message},
            status=400,
        )
    messages.success(request, _("Request %(reference)s is open.") % {"reference": opened.reference})
    return redirect("portal:request", request_id=opened.pk)


@contact_required
@owned("request_id", own_requests)
@require_POST
def reply_view(request: HttpRequest, request_id: Request) -> HttpResponse:
    support_request = request_id
    try:
        do_post_message(
            acting_user=request.user,
            request=support_request,
            body_text=request.POST.get("body", ""),
            author_contact=request.contact,  # type: ignore[attr-defined]
            attachments=uploaded(request),
        )
    except ActionRefused as refused:
        return _request_page(
            request,
            support_request,
            typed={"reply": request.POST.get("body", "")},
            error={"reply": _("The reply was not sent: %(reason)s") % {"reason": refused.message}},
        )
    messages.success(request, _("Your reply is sent."))
    return redirect("portal:request", request_id=support_request.pk)


@contact_required
def attachment_view(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = get_attachment_for_customer(request.customer, attachment_id)  # type: ignore[attr-defined]
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return attachment_response(attachment)


@contact_required
@owned("request_id", own_requests)
@require_safe
def request_view(request: HttpRequest, request_id: Request) -> HttpResponse:
    return _request_page(request, request_id)


def _request_page(
    request: HttpRequest,
    support_request: Request,
    *,
    typed: dict[str, str] | None = None,
    error: dict[str, str] | None = None,
) -> HttpResponse:
    """A request with its thread and work. After a refused reply or
    complaint, ``typed`` and ``error`` hold what was typed in that form and
    why it was refused, by form (``reply``, ``claim-<work id>``): the page
    answers 400 with the text kept beside the reason."""
    typed, error = typed or {}, error or {}
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
    filed = {c.work_id: c for c in Claim.objects.filter(work__request=support_request)}
    now = clock.now()
    claims = "claims" in request.features  # type: ignore[attr-defined]
    lines = []
    for entry in work:
        confirmation = confirmed.get(entry.pk)
        window = get_claim_window(entry) if confirmation else None
        claim = filed.get(entry.pk)
        lines.append(
            {
                "work": entry,
                "rating": entry.rated[0] if entry.rated else None,  # type: ignore[attr-defined]
                "confirmation": confirmation,
                "can_confirm": confirmation is None and entry.ended_at <= now,
                "window": window,
                # A piece of work has one claim: once filed, the page shows
                # it instead of the form.
                "claim": claim,
                "can_claim": claims
                and claim is None
                and window is not None
                and is_complaint_in_time(window, now),
                "claim_typed": typed.get(f"claim-{entry.pk}", ""),
                "claim_error": error.get(f"claim-{entry.pk}", ""),
            }
        )
    return render(
        request,
        "portal/request.html",
        {
            "support_request": support_request,
            "thread": list_public_thread(support_request),
            "lines": lines,
            "timezone": get_vendor_policy().timezone,
            "typed": typed,
            "error": error,
        },
        status=400 if error else 200,
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
    if "claims" not in request.features:  # type: ignore[attr-defined]
        raise Http404("This vendor takes no complaints through the portal.")
    already = Claim.objects.filter(work=work).first()
    if already is not None:
        messages.info(
            request,
            _("You already filed a complaint about this work on %(when)s; it is %(status)s.")
            % {
                "when": moment(already.filed_at, get_vendor_policy().timezone),
                "status": already.get_status_display(),
            },
        )
        return redirect(f"{reverse('portal:request', args=[work.request_id])}#claim-{already.pk}")
    try:
        do_file_claim(
            acting_user=request.user,
            work=work,
            contact=request.contact,  # type: ignore[attr-defined]
            description=request.POST.get("description", ""),
        )
    except ActionRefused as refused:
        form = f"claim-{work.pk}"
        return _request_page(
            request,
            work.request,
            typed={form: request.POST.get("description", "")},
            error={form: refused.message},
        )
    messages.success(request, _("Your complaint is filed; we will answer it."))
    return redirect("portal:request", request_id=work.request_id)


@require_safe
@contact_required
def claims_view(request: HttpRequest) -> HttpResponse:
    """The customer's complaints about work, with where each stands."""
    if "claims" not in request.features:  # type: ignore[attr-defined]
        raise Http404("This vendor takes no complaints through the portal.")
    return render(
        request,
        "portal/claims.html",
        {
            "claims": list_claims_for_customer(request.customer),  # type: ignore[attr-defined]
            "timezone": get_vendor_policy().timezone,
        },
    )
