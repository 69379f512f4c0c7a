"""The console's service pages (visits, remote sessions, confirmation and
claims), under /console/service/.

Each view parses its form, runs one action (``console.run``) or query and renders; local
dates and times typed by staff are read in the vendor's time zone here, at
the edge, and handed to the actions as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
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
from supportledger.console.run import run_action, show_form_errors
from supportledger.core import clock
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.models import WorkEntry
from supportledger.service import queries
from supportledger.service.actions.claims import do_accept_claim, do_reject_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.actions.consent import do_record_consent
from supportledger.service.actions.remote import (
    do_attach_remote_tool,
    do_end_remote_session,
    do_start_remote_session,
)
from supportledger.service.actions.visits import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
)
from supportledger.service.models import Appointment, Claim, RemoteSession


def _local(day: date, at: time) -> datetime:
    zone = ZoneInfo(get_vendor_policy().timezone)
    return datetime.combine(day, at, zone).astimezone(UTC)


def _context(**extra: Any) -> dict[str, Any]:
    return {"timezone": get_vendor_policy().timezone, **extra}


# --- Appointments -------------------------------------------------------------


def _appointments_page(
    request: HttpRequest, form: BookAppointmentForm, status: int = 200
) -> HttpResponse:
    rows = queries.list_appointments(include_cancelled=bool(request.GET.get("all")))
    return render(
        request,
        "console/service/appointments.html",
        _context(appointments=rows, form=form),
        status=status,
    )


@require_safe
@staff_required
def appointments(request: HttpRequest) -> HttpResponse:
    return _appointments_page(request, BookAppointmentForm())


@require_POST
@staff_required
def book_appointment(request: HttpRequest) -> HttpResponse:
    """Book a visit; a refused booking shows the form again as it was typed."""
    form = BookAppointmentForm(request.POST)
    if not form.is_valid():
        return _appointments_page(request, form, status=400)
    data = form.cleaned_data
    booked = run_action(
        request,
        lambda: do_book_appointment(
            acting_user=request.user,
            request=data["request"],
            agent=data["agent"],
            consent=data["consent"],
            starts_at=_local(data["day"], data["starts"]),
            ends_at=_local(data["day"], data["ends"]),
            city=data["city"],
            address=data["address"],
        ),
        done=_("Visit booked; the invitation is on its way to the customer."),
        form=form,
    )
    if not booked.done:
        return _appointments_page(request, form, status=400)
    return redirect("service:appointments")


@require_POST
@staff_required
def reschedule_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment, pk=pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("service:appointments")
    data = form.cleaned_data
    run_action(
        request,
        lambda: do_reschedule_appointment(
            acting_user=request.user,
            appointment=appointment,
            starts_at=_local(data["day"], data["starts"]),
            ends_at=_local(data["day"], data["ends"]),
        ),
        done=_("Visit moved; the new time is on its way to the customer."),
    )
    return redirect("service:appointments")


@require_POST
@staff_required
def cancel_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment, pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_action(
        request,
        lambda: do_cancel_appointment(
            acting_user=request.user, appointment=appointment, reason=reason
        ),
        done=_("Visit cancelled; the customer has been told."),
    )
    return redirect("service:appointments")


# --- Consent and remote sessions ----------------------------------------------


def _sessions_page(
    request: HttpRequest,
    consent_form: ConsentForm | None = None,
    start_form: StartSessionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "console/service/sessions.html",
        _context(
            sessions=queries.list_remote_sessions()[:200],
            on_duty=queries.list_consultants_on_duty(clock.now()),
            consent_form=consent_form or ConsentForm(),
            start_form=start_form or StartSessionForm(),
            attach_form=AttachToolForm(),
        ),
        status=status,
    )


@require_safe
@staff_required
def sessions(request: HttpRequest) -> HttpResponse:
    return _sessions_page(request)


@require_POST
@staff_required
def record_consent(request: HttpRequest) -> HttpResponse:
    """Consent given on the phone: recorded by the agent, from the agent's
    address. A refusal shows the form again as it was typed."""
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _sessions_page(request, consent_form=form, status=400)
    data = form.cleaned_data

    def record() -> None:
        consent = do_record_consent(
            acting_user=request.user,
            contact=data["contact"],
            request=data["request"],
            terms_version=data["terms_version"],
            price_list_version=data["price_list_version"],
            ip_address=request.META.get("REMOTE_ADDR", ""),
        )
        messages.info(request, _("Consent number %(pk)s.") % {"pk": consent.pk})

    if not run_action(request, record, done=_("Consent recorded."), form=form).done:
        return _sessions_page(request, consent_form=form, status=400)
    return redirect("service:sessions")


@require_POST
@staff_required
def start_session(request: HttpRequest) -> HttpResponse:
    form = StartSessionForm(request.POST)
    if not form.is_valid():
        return _sessions_page(request, start_form=form, status=400)

    def start() -> None:
        _session, code = do_start_remote_session(
            acting_user=request.user,
            consent=form.cleaned_data["consent"],
            agent=form.cleaned_data["agent"],
        )
        # Shown once, for the agent to read out to the customer; only its hash is kept.
        messages.info(request, _("Code for the customer (shown once): %(code)s") % {"code": code})

    if not run_action(request, start, done=_("Remote session opened."), form=form).done:
        return _sessions_page(request, start_form=form, status=400)
    return redirect("service:sessions")


@require_POST
@staff_required
def attach_tool(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RemoteSession, pk=pk)
    form = AttachToolForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("service:sessions")
    data = form.cleaned_data
    run_action(
        request,
        lambda: do_attach_remote_tool(
            acting_user=request.user,
            session=session,
            code=data["code"],
            tool=data["tool"],
            tool_session_id=data["tool_session_id"],
        ),
        done=_("Connected; tool and session id recorded."),
    )
    return redirect("service:sessions")


@require_POST
@staff_required
def end_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RemoteSession, pk=pk)
    run_action(
        request,
        lambda: do_end_remote_session(acting_user=request.user, session=session),
        done=_("Session ended; reconnecting needs the customer's new consent."),
    )
    return redirect("service:sessions")


# --- Confirmation and claims --------------------------------------------------


def _after_claim(claim: Claim) -> HttpResponse:
    """Back to the claims, or (claims switched off: the action refused) to
    the work, where the refusal is read."""
    if _claims_offered():
        return redirect("service:claims")
    return redirect("service:work", pk=claim.work_id)


def _claims_offered() -> bool:
    """Claims exist only where the vendor's policy offers them (its
    ``features``), as in the portal; the actions refuse them otherwise."""
    return "claims" in (get_vendor_policy().features or ())


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
            claims_on=_claims_offered(),
        ),
    )


@require_POST
@staff_required
def confirm_work(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WorkEntry, pk=pk)
    run_action(
        request,
        lambda: do_confirm_work(acting_user=request.user, work=entry),
        done=_("Work confirmed."),
    )
    return redirect("service:work", pk=pk)


@require_safe
@staff_required
def claims(request: HttpRequest) -> HttpResponse:
    if not _claims_offered():
        raise Http404("This vendor takes no claims: its policy has them switched off.")
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
    run_action(
        request,
        lambda: do_accept_claim(acting_user=request.user, claim=claim, note=note),
        done=_("Claim accepted; the rework is free under the service warranty."),
    )
    return _after_claim(claim)


@require_POST
@staff_required
def reject_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    form = DecideClaimForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return _after_claim(claim)
    run_action(
        request,
        lambda: do_reject_claim(
            acting_user=request.user,
            claim=claim,
            note=form.cleaned_data["note"],
            visited_on_site=form.cleaned_data["visited_on_site"],
        ),
        done=_("Claim rejected."),
    )
    return _after_claim(claim)
