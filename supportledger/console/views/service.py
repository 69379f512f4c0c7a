"""Staff pages of service delivery, under /console/service/.

Each view parses its form, calls one action or query and renders; local
dates and times typed by staff are read in the vendor's time zone here, at
the edge, and handed to the actions as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.console.forms.service import (
    AttachToolForm,
    BookAppointmentForm,
    CancelForm,
    ConsentForm,
    DecideClaimForm,
    RescheduleForm,
    StartSessionForm,
)
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact, StaffMember
from supportledger.desk.models import Request, WorkEntry
from supportledger.service import actions, queries
from supportledger.service.models import Appointment, Claim, Consent, RemoteSession


def _local(day: date, at: time) -> datetime:
    zone = ZoneInfo(get_vendor_policy().timezone)
    return datetime.combine(day, at, zone).astimezone(UTC)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(errors)}")


def _run(request: HttpRequest, done: str, call: Any) -> None:
    try:
        call()
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)


def _context(**extra: Any) -> dict[str, Any]:
    return {"timezone": get_vendor_policy().timezone, **extra}


# --- Appointments -------------------------------------------------------------


@require_safe
@staff_required
def appointments(request: HttpRequest) -> HttpResponse:
    rows = queries.list_appointments(include_cancelled=bool(request.GET.get("all")))
    return render(
        request,
        "console/service/appointments.html",
        _context(
            appointments=rows,
            form=BookAppointmentForm(),
            agents=StaffMember.objects.select_related("user"),
        ),
    )


@require_POST
@staff_required
def book_appointment(request: HttpRequest) -> HttpResponse:
    form = BookAppointmentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:appointments")
    data = form.cleaned_data
    desk_request = get_object_or_404(Request, pk=data["request"])
    consent = get_object_or_404(Consent, pk=data["consent"], request=desk_request)
    agent = get_object_or_404(StaffMember, pk=data["agent"])
    _run(
        request,
        _("Visit booked; the customer has been mailed the invitation."),
        lambda: actions.do_book_appointment(
            acting_user=request.user,
            request=desk_request,
            agent=agent,
            consent=consent,
            starts_at=_local(data["day"], data["starts"]),
            ends_at=_local(data["day"], data["ends"]),
            city=data["city"],
            address=data["address"],
        ),
    )
    return redirect("service:appointments")


@require_POST
@staff_required
def reschedule_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment, pk=pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:appointments")
    data = form.cleaned_data
    _run(
        request,
        _("Visit moved; the customer has been mailed the new time."),
        lambda: actions.do_reschedule_appointment(
            acting_user=request.user,
            appointment=appointment,
            starts_at=_local(data["day"], data["starts"]),
            ends_at=_local(data["day"], data["ends"]),
        ),
    )
    return redirect("service:appointments")


@require_POST
@staff_required
def cancel_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment, pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _run(
        request,
        _("Visit cancelled; the customer has been told."),
        lambda: actions.do_cancel_appointment(
            acting_user=request.user, appointment=appointment, reason=reason
        ),
    )
    return redirect("service:appointments")


# --- Consent and remote sessions ----------------------------------------------


@require_safe
@staff_required
def sessions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/service/sessions.html",
        _context(
            sessions=queries.list_remote_sessions()[:200],
            on_duty=queries.list_consultants_on_duty(clock.now()),
            consent_form=ConsentForm(),
            start_form=StartSessionForm(),
            attach_form=AttachToolForm(),
        ),
    )


@require_POST
@staff_required
def record_consent(request: HttpRequest) -> HttpResponse:
    """Consent given on the phone: recorded by the agent, from the agent's
    address."""
    form = ConsentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:sessions")
    data = form.cleaned_data
    desk_request = get_object_or_404(Request, pk=data["request"])
    contact = get_object_or_404(Contact, pk=data["contact"], customer=desk_request.customer)

    def record() -> None:
        consent = actions.do_record_consent(
            acting_user=request.user,
            contact=contact,
            request=desk_request,
            terms_version=data["terms_version"],
            price_list_version=data["price_list_version"],
            ip_address=request.META.get("REMOTE_ADDR", ""),
        )
        messages.info(request, _("Consent number %(pk)s.") % {"pk": consent.pk})

    _run(request, _("Consent recorded."), record)
    return redirect("service:sessions")


@require_POST
@staff_required
def start_session(request: HttpRequest) -> HttpResponse:
    form = StartSessionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:sessions")
    consent = get_object_or_404(Consent, pk=form.cleaned_data["consent"])
    agent = get_object_or_404(StaffMember, pk=form.cleaned_data["agent"])

    def start() -> None:
        _session, code = actions.do_start_remote_session(
            acting_user=request.user, consent=consent, agent=agent
        )
        # Shown once, for the agent to read out to the customer; only its hash is kept.
        messages.info(request, _("Code for the customer (shown once): %(code)s") % {"code": code})

    _run(request, _("Remote session opened."), start)
    return redirect("service:sessions")


@require_POST
@staff_required
def attach_tool(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RemoteSession, pk=pk)
    form = AttachToolForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:sessions")
    data = form.cleaned_data
    _run(
        request,
        _("Connected; tool and session id recorded."),
        lambda: actions.do_attach_remote_tool(
            acting_user=request.user,
            session=session,
            code=data["code"],
            tool=data["tool"],
            tool_session_id=data["tool_session_id"],
        ),
    )
    return redirect("service:sessions")


@require_POST
@staff_required
def end_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RemoteSession, pk=pk)
    _run(
        request,
        _("Session ended; reconnecting needs the customer's new consent."),
        lambda: actions.do_end_remote_session(acting_user=request.user, session=session),
    )
    return redirect("service:sessions")


# --- Confirmation and claims --------------------------------------------------


@require_safe
@staff_required
def work(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        WorkEntry.objects.select_related("request__customer", "product", "agent__user"), pk=pk
    )
    return render(
        request,
        "console/service/work.html",
        _context(
            work=entry,
            confirmation=getattr(entry, "confirmation", None),
            window=queries.get_claim_window(entry),
            claims=entry.claims.select_related("contact"),
        ),
    )


@require_POST
@staff_required
def confirm_work(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WorkEntry, pk=pk)
    _run(
        request,
        _("Work confirmed."),
        lambda: actions.do_confirm_work(acting_user=request.user, work=entry),
    )
    return redirect("service:work", pk=pk)


@require_safe
@staff_required
def claims(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/service/claims.html",
        _context(claims=queries.list_claims()[:200], form=DecideClaimForm()),
    )


@require_POST
@staff_required
def accept_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    form = DecideClaimForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _run(
        request,
        _("Claim accepted; the rework is free under the service warranty."),
        lambda: actions.do_accept_claim(acting_user=request.user, claim=claim, note=note),
    )
    return redirect("service:claims")


@require_POST
@staff_required
def reject_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    form = DecideClaimForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:claims")
    _run(
        request,
        _("Claim rejected."),
        lambda: actions.do_reject_claim(
            acting_user=request.user,
            claim=claim,
            note=form.cleaned_data["note"],
            visited_on_site=form.cleaned_data["visited_on_site"],
        ),
    )
    return redirect("service:claims")
