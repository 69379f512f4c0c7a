"""Writes of service delivery: appointments, consents, remote sessions,
confirmation of work and claims (DESIGN 3.6, seeds S0 and S4).

Every action runs in one transaction, leaves an audit row and sends mail
only after commit. Refusals raise ``ActionRefused`` with a stable code and a
message in the active language; nothing is written then (except the audit
row of a wrong session code, on purpose: failed attempts must be visible).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from supportledger.catalog.models import ServicePrice
from supportledger.catalog.queries import get_service_price_on
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.convert import policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Contact, StaffMember
from supportledger.desk.actions.status import move_request_status
from supportledger.desk.models import MoveReason, Request, Status, WorkEntry
from supportledger.entitlements.actions import do_grant_service_warranty
from supportledger.entitlements.convert import local_date
from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.claims import auto_confirmation_at, claim_window, is_complaint_in_time
from supportledger.rules.rating import is_in_service_area
from supportledger.rules.types import Policy
from supportledger.service.mail import format_local, queue_appointment_mail
from supportledger.service.models import (
    APPOINTMENT_TRANSITIONS,
    CLAIM_TRANSITIONS,
    SESSION_TRANSITIONS,
    Appointment,
    AppointmentStatus,
    Claim,
    ClaimStatus,
    Consent,
    ConsentTerms,
    RemoteSession,
    RemoteTool,
    SessionStatus,
    TravelCharge,
    WorkConfirmation,
)
from supportledger.service.queries import (
    get_claim_window,
    get_consent_terms,
    list_consultants_on_duty,
)

SESSION_CODE_MINUTES = getattr(settings, "SERVICE_SESSION_CODE_MINUTES", 10)
"""How long a remote-session code may be used after it was issued, minutes."""
SESSION_CODE_ATTEMPTS = 5
"""Wrong codes tried before the session's code dies."""
REMINDER_BEFORE = timedelta(hours=24)
"""How long before an appointment its reminder goes out."""


def _require_claims() -> None:
    """Claims exist only where the vendor's policy offers them (``claims``
    among its features), at every door; refused with ``not_offered``."""
    if "claims" not in (get_vendor_policy().features or ()):
        raise ActionRefused(
            "not_offered",
            _("This vendor takes no complaints about work: claims are off in its policy."),
        )


def _policy() -> Policy:
    """The rules' Policy without rates: enough for the calendar, the service
    area and the claim settings."""
    return policy_from_row(get_vendor_policy(), {})


# --- Consent ------------------------------------------------------------------


@transaction.atomic
def do_set_consent_terms(
    *,
    acting_user: User | None,
    language: str,
    text: str,
    now: datetime | None = None,
) -> ConsentTerms:
    """New terms in ``language``: the next version; the old ones stay, so a
    consent keeps pointing at what it agreed to. The same text again writes
    nothing."""
    at = now or clock.now()
    text = (text or "").strip()
    if not text:
        raise ActionRefused("invalid", "text: " + _("the terms cannot be empty."))
    language = (language or "").strip().lower()
    if not language or len(language) > 8:
        raise ActionRefused("invalid", "language: " + _("a language code such as pl."))
    current = get_consent_terms(language, fallback=False)
    if current is not None and current.text == text:
        return current
    terms = ConsentTerms.objects.create(
        language=language,
        version=(current.version + 1) if current is not None else 1,
        text=text,
        created_at=at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_CONSENT_TERMS,
        obj=terms,
        at=at,
        detail={"language": language, "version": terms.version},
    )
    return terms


@transaction.atomic
def do_record_consent(
    *,
    acting_user: User | None,
    contact: Contact,
    request: Request,
    terms_version: str,
    price_list_version: str,
    ip_address: str,
    now: datetime | None = None,
) -> Consent:
    """Record that ``contact`` agreed to the terms (``terms_version``) and the
    service price list (``price_list_version``: the first day of a price list,
    YYYY-MM-DD) for ``request``, from ``ip_address``."""
    at = now or clock.now()
    if contact.customer_id != request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    terms_version = (terms_version or "").strip()
    if not terms_version:
        raise ActionRefused(
            "invalid", "terms_version: " + _("the version of the terms is required.")
        )
    try:
        first_day = date.fromisoformat((price_list_version or "").strip())
    except ValueError:
        first_day = None
    price_list = (
        ServicePrice.objects.filter(effective_from=first_day).first() if first_day else None
    )
    if price_list is None:
        raise ActionRefused(
            "unknown_price_list",
            "price_list_version: "
            + _("no service price list starts on %(version)s.") % {"version": price_list_version},
        )
    if not ip_address:
        raise ActionRefused(
            "invalid", "ip_address: " + _("the address of the consent is required.")
        )
    consent = Consent.objects.create(
        contact=contact,
        request=request,
        terms_version=terms_version,
        price_list_version=price_list.effective_from.isoformat(),
        price_list=price_list,
        given_at=at,
        ip_address=ip_address,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RECORD_CONSENT,
        obj=consent,
        at=at,
        detail={
            "contact": contact.pk,
            "request": request.pk,
            "terms_version": terms_version,
            "price_list_version": consent.price_list_version,
            "ip_address": ip_address,
        },
    )
    return consent


# --- Appointments -------------------------------------------------------------


def _check_slot(
    *,
    policy: Policy,
    agent: StaffMember,
    starts_at: datetime,
    ends_at: datetime,
    at: datetime,
    exclude: int | None = None,
) -> None:
    """Refuse a slot that is not in business hours or overlaps another visit
    of ``agent``. The caller holds the lock on the agent's row."""
    if ends_at <= starts_at:
        raise ActionRefused("invalid", "ends_at: " + _("the visit must end after it starts."))
    if starts_at <= at:
        raise ActionRefused(
            "invalid", "starts_at: " + _("a visit can only be booked in the future.")
        )
    calendar = BusinessCalendar.for_policy(policy)
    hours = calendar.opening_hours(calendar.local_date(starts_at))
    if hours is None or not (hours[0] <= starts_at and ends_at <= hours[1]):
        raise ActionRefused(
            "outside_business_hours",
            "starts_at: "
            + _("visits are booked only within business hours; %(when)s is outside them.")
            % {
                "when": format_local(starts_at, policy.timezone, translation.get_language() or "en")
            },
        )
    clashes = Appointment.objects.filter(
        agent=agent,
        status=AppointmentStatus.BOOKED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude)
    if clashes.exists():
        raise ActionRefused(
            "agent_double_booked",
            "agent: " + _("%(agent)s already has a visit at that time.") % {"agent": agent},
        )


def _lock_agent(agent: StaffMember) -> StaffMember:
    """Lock the agent's row: bookings for one agent queue here, so the overlap
    check and the insert happen as one step even under concurrency (on
    SQLite the IMMEDIATE transaction already serialises writers)."""
    return StaffMember.objects.select_for_update().select_related("user").get(pk=agent.pk)


@transaction.atomic
def do_book_appointment(
    *,
    acting_user: User | None,
    request: Request,
    agent: StaffMember,
    consent: Consent,
    starts_at: datetime,
    ends_at: datetime,
    city: str,
    address: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book an on-site visit for ``request`` by ``agent``. Refused outside the
    service area (city compared ignoring case and accents, the rules'
    matching), outside business hours (the whole visit on one business day),
    when the agent already has a visit overlapping it, or without the
    customer's consent to the price list (``consent`` for this customer).
    The contact who consented gets a confirmation with an .ics invitation."""
    at = now or clock.now()
    if consent.contact.customer_id != request.customer_id:
        # Translators: "it" is the customer's consent to the terms and prices.
        raise ActionRefused("wrong_customer", "consent: " + _("it belongs to another customer."))
    customer = request.customer
    if customer.on_hold:
        raise ActionRefused(
            "customer_on_hold",
            _("%(customer)s is on hold (%(reason)s).")
            % {"customer": customer, "reason": describe_hold_reason(customer)},
        )
    policy = _policy()
    if not is_in_service_area(policy, city):
        raise ActionRefused(
            "outside_service_area",
            "city: "
            + _("on-site visits are made only in %(area)s, not in %(city)s.")
            % {"area": ", ".join(policy.service_area) or "-", "city": city},
        )
    agent = _lock_agent(agent)
    _check_slot(policy=policy, agent=agent, starts_at=starts_at, ends_at=ends_at, at=at)
    appointment = Appointment.objects.create(
        request=request,
        agent=agent,
        consent=consent,
        starts_at=starts_at,
        ends_at=ends_at,
        city=city.strip(),
        address=address.strip(),
        created_at=at,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.BOOK_APPOINTMENT,
        obj=appointment,
        at=at,
        detail={
            "agent": agent.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "city": appointment.city,
            "consent": consent.pk,
        },
    )
    queue_appointment_mail(appointment, kind="booked", stamp=at)
    return appointment


@transaction.atomic
def do_reschedule_appointment(
    *,
    acting_user: User | None,
    appointment: Appointment,
    starts_at: datetime,
    ends_at: datetime,
    agent: StaffMember | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked visit (optionally to another agent) under the same
    checks as booking; the reminder is sent again for the new time."""
    at = now or clock.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ActionRefused("invalid_transition", _("Only a booked visit can be moved."))
    agent = _lock_agent(agent or appointment.agent)
    _check_slot(
        policy=_policy(),
        agent=agent,
        starts_at=starts_at,
        ends_at=ends_at,
        at=at,
        exclude=appointment.pk,
    )
    before = {"starts_at": appointment.starts_at.isoformat(), "agent": appointment.agent_id}
    appointment.agent = agent
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.sequence += 1
    appointment.reminder_sent_at = None
    appointment.save(
        update_fields=["agent", "starts_at", "ends_at", "sequence", "reminder_sent_at"]
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RESCHEDULE_APPOINTMENT,
        obj=appointment,
        at=at,
        detail={"before": before, "starts_at": starts_at.isoformat(), "agent": agent.pk},
    )
    queue_appointment_mail(appointment, kind="rescheduled", stamp=at)
    return appointment


@transaction.atomic
def do_cancel_appointment(
    *,
    acting_user: User | None,
    appointment: Appointment,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Cancel a booked visit; the contact gets a cancellation (.ics CANCEL)."""
    at = now or clock.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    check_transition(
        APPOINTMENT_TRANSITIONS,
        appointment.status,
        AppointmentStatus.CANCELLED,
        states=AppointmentStatus,
        sentence=_("The visit is %(current)s; it cannot become %(to)s."),
    )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = at
    appointment.cancel_reason = reason.strip()[:200]
    appointment.sequence += 1
    appointment.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CANCEL_APPOINTMENT,
        obj=appointment,
        at=at,
        detail={"reason": appointment.cancel_reason},
    )
    queue_appointment_mail(appointment, kind="cancelled", stamp=at)
    return appointment


def send_appointment_reminders(now: datetime | None = None) -> int:
    """Send the reminder of every booked visit starting within the next
    ``REMINDER_BEFORE`` that has not had one; returns how many were sent.
    Each visit is marked in the transaction that queues its mail, so a
    reminder is queued once even when two workers run this."""
    at = now or clock.now()
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=at,
        starts_at__lte=at + REMINDER_BEFORE,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=pk, status=AppointmentStatus.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=at)
            if not claimed:
                continue
            appointment = Appointment.objects.select_related(
                "request", "agent__user", "consent__contact"
            ).get(pk=pk)
            write_audit(
                acting_user=None,
                action=AuditAction.SEND_APPOINTMENT_REMINDER,
                obj=appointment,
                at=at,
            )
            queue_appointment_mail(appointment, kind="reminder", stamp=at)
            sent += 1
    return sent


# --- Remote sessions ----------------------------------------------------------


def _new_code() -> str:
    """Nine random digits shown as ``123-456-789``: read out on the phone."""
    digits = f"{secrets.randbelow(10**9):09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


@transaction.atomic
def do_start_customer_remote_session(
    *,
    acting_user: User | None,
    contact: Contact,
    request: Request,
    agent_id: int,
    agreed: bool,
    terms_version: str,
    ip_address: str,
    now: datetime | None = None,
) -> tuple[RemoteSession, str]:
    """A customer's contact starts remote help from the portal (seed S4):
    the consultant ``agent_id`` must be on duty at ``now``
    (``list_consultants_on_duty``), the contact must agree to the terms
    (``terms_version``) and the service price list in force today (policy
    time zone), recorded as their consent from ``ip_address``; then the
    session opens with its single-use code. All or nothing."""
    at = now or clock.now()
    agent = list_consultants_on_duty(at).filter(pk=agent_id).first()
    if agent is None:
        raise ActionRefused("not_on_duty", _("Pick a consultant who is on duty now."))
    if not agreed:
        raise ActionRefused(
            "no_consent", _("A session needs your consent to the terms and the price list.")
        )
    prices = get_service_price_on(local_date(at, get_vendor_policy().timezone))
    if prices is None:
        raise ActionRefused("no_price_list", _("No price list is in force today; call us instead."))
    consent = do_record_consent(
        acting_user=acting_user,
        contact=contact,
        request=request,
        terms_version=terms_version,
        price_list_version=prices.effective_from.isoformat(),
        ip_address=ip_address,
        now=at,
    )
    return do_start_remote_session(acting_user=acting_user, consent=consent, agent=agent, now=at)


@transaction.atomic
def do_start_remote_session(
    *,
    acting_user: User | None,
    consent: Consent,
    agent: StaffMember,
    now: datetime | None = None,
) -> tuple[RemoteSession, str]:
    """Open a remote session under ``consent`` with ``agent`` (the consultant
    the customer picked). Returns the session and its single-use code, which
    is shown once and stored only hashed; it is valid for
    ``SESSION_CODE_MINUTES``. A consent serves one session only."""
    at = now or clock.now()
    consent = Consent.objects.select_for_update().select_related("contact").get(pk=consent.pk)
    if RemoteSession.objects.filter(consent=consent).exists():
        raise ActionRefused(
            "consent_used",
            "consent: "
            # Translators: "it" is the customer's consent to the terms and prices.
            + _("it was given for an earlier session; a new session needs new consent."),
        )
    code = _new_code()
    try:
        with transaction.atomic():
            session = RemoteSession.objects.create(
                consent=consent,
                agent=agent,
                code_hash=make_password(_normal_code(code)),
                code_expires_at=at + timedelta(minutes=SESSION_CODE_MINUTES),
                started_at=at,
            )
    except IntegrityError as exc:
        raise ActionRefused(
            "consent_used",
            "consent: "
            # Translators: "it" is the customer's consent to the terms and prices.
            + _("it was given for an earlier session; a new session needs new consent."),
        ) from exc
    write_audit(
        acting_user=acting_user,
        action=AuditAction.START_REMOTE_SESSION,
        obj=session,
        at=at,
        detail={
            "consent": consent.pk,
            "agent": agent.pk,
            "code_expires_at": session.code_expires_at.isoformat(),
        },
    )
    return session, code


def do_attach_remote_tool(
    *,
    acting_user: User | None,
    session: RemoteSession,
    code: str,
    tool: str,
    tool_session_id: str,
    now: datetime | None = None,
) -> RemoteSession:
    """The consultant connects: checks the customer's code (single use, not
    expired, session not ended) and records the tool and its session id.
    A wrong code is audited and counts as a failed attempt; after
    ``SESSION_CODE_ATTEMPTS`` of them the code is dead."""
    at = now or clock.now()
    if tool not in RemoteTool.values:
        raise ActionRefused(
            "invalid",
            "tool: " + _("use one of %(tools)s.") % {"tools": ", ".join(RemoteTool.labels)},
        )
    tool_session_id = (tool_session_id or "").strip()
    if not tool_session_id:
        raise ActionRefused(
            "invalid", "tool_session_id: " + _("the tool's session id is required.")
        )
    with transaction.atomic():
        session = RemoteSession.objects.select_for_update().get(pk=session.pk)
        refusal = _code_refusal(session, code, at)
        if refusal is None:
            check_transition(
                SESSION_TRANSITIONS,
                session.status,
                SessionStatus.CONNECTED,
                states=SessionStatus,
                sentence=_("The session is %(current)s; it cannot become %(to)s."),
            )
            session.status = SessionStatus.CONNECTED
            session.code_used_at = at
            session.connected_at = at
            session.tool = tool
            session.tool_session_id = tool_session_id
            session.save(
                update_fields=["status", "code_used_at", "connected_at", "tool", "tool_session_id"]
            )
            write_audit(
                acting_user=acting_user,
                action=AuditAction.ATTACH_REMOTE_TOOL,
                obj=session,
                at=at,
                detail={"tool": tool, "tool_session_id": tool_session_id},
            )
            return session
        if refusal[0] == "wrong_code":
            session.failed_attempts += 1
            session.save(update_fields=["failed_attempts"])
        write_audit(
            acting_user=acting_user,
            action=AuditAction.REFUSE_REMOTE_CODE,
            obj=session,
            at=at,
            detail={"reason": refusal[0], "failed_attempts": session.failed_attempts},
        )
    raise ActionRefused(*refusal)


def _code_refusal(session: RemoteSession, code: str, at: datetime) -> tuple[str, str] | None:
    if session.status == SessionStatus.ENDED:
        return "session_ended", _(
            "The session has ended; connecting again needs the customer's new consent."
        )
    # Translators: "it" in the refusals below is the remote session's code.
    if session.code_used_at is not None:
        return "code_used", "code: " + _("it has already been used; each code works once.")
    if at >= session.code_expires_at:
        return "code_expired", "code: " + _(
            "it has expired; the customer must start a new session."
        )
    if session.failed_attempts >= SESSION_CODE_ATTEMPTS:
        return "code_blocked", "code: " + _("too many wrong codes; the customer must start again.")
    if not check_password(_normal_code(code or ""), session.code_hash):
        return "wrong_code", "code: " + _("it is not the code of this session.")
    return None


@transaction.atomic
def do_end_remote_session(
    *,
    acting_user: User | None,
    session: RemoteSession,
    now: datetime | None = None,
) -> RemoteSession:
    """End the session (the consultant or the customer). Its code is dead
    from now on; another session needs new consent."""
    at = now or clock.now()
    session = RemoteSession.objects.select_for_update().get(pk=session.pk)
    check_transition(
        SESSION_TRANSITIONS,
        session.status,
        SessionStatus.ENDED,
        states=SessionStatus,
        sentence=_("The session is %(current)s; it cannot become %(to)s."),
    )
    session.status = SessionStatus.ENDED
    session.ended_at = at
    session.save(update_fields=["status", "ended_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.END_REMOTE_SESSION,
        obj=session,
        at=at,
        detail={"tool": session.tool, "tool_session_id": session.tool_session_id},
    )
    return session


# --- Confirmation of work -----------------------------------------------------


def _confirm(
    *,
    acting_user: User | None,
    work: WorkEntry,
    confirmed_at: datetime,
    contact: Contact | None,
    automatic: bool,
) -> WorkConfirmation:
    confirmation = WorkConfirmation.objects.create(
        work=work,
        confirmed_at=confirmed_at,
        contact=contact,
        automatic=automatic,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.AUTO_CONFIRM_WORK if automatic else AuditAction.CONFIRM_WORK,
        obj=work,
        at=confirmed_at,
        detail={"contact": contact.pk if contact else None, "automatic": automatic},
    )
    _resolve_when_all_work_confirmed(work, acting_user=acting_user, at=confirmed_at)
    return confirmation


def _resolve_when_all_work_confirmed(
    work: WorkEntry, *, acting_user: User | None, at: datetime
) -> None:
    """Once every piece of work on ``work``'s request is confirmed (by the
    customer or automatically) and no timer runs on it, the request is
    resolved, if the transition table allows it from where it is."""
    request = Request.objects.select_for_update().get(pk=work.request_id)
    if WorkEntry.objects.filter(request=request, confirmation__isnull=True).exists():
        return
    if request.timers.exists():
        return
    move_request_status(
        request, Status.RESOLVED, MoveReason.WORK_CONFIRMED, acting_user=acting_user, at=at
    )


@transaction.atomic
def do_confirm_work(
    *,
    acting_user: User | None,
    work: WorkEntry,
    contact: Contact | None = None,
    now: datetime | None = None,
) -> WorkConfirmation:
    """The customer confirms ``work`` (``contact``: who, or staff recording it).
    The complaint deadline and the service warranty count from now."""
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().select_related("request").get(pk=work.pk)
    if contact is not None and contact.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    if WorkConfirmation.objects.filter(work=work).exists():
        raise ActionRefused("already_confirmed", _("This work has already been confirmed."))
    if at < work.ended_at:
        raise ActionRefused("invalid", _("Work can be confirmed only after it has ended."))
    return _confirm(
        acting_user=acting_user, work=work, confirmed_at=at, contact=contact, automatic=False
    )


def auto_confirm_work(now: datetime | None = None) -> int:
    """Confirm every piece of work the customer left unconfirmed for the
    policy's ``auto_confirm_days``; the confirmation instant is the moment
    it counted as confirmed (the rules' ``auto_confirmation_at``), not when
    this ran. Returns how many were confirmed: none where the vendor's
    policy does not have ``auto_confirm`` among its features."""
    at = now or clock.now()
    if "auto_confirm" not in (get_vendor_policy().features or ()):
        return 0
    claims = _policy().claims
    cutoff = at - timedelta(days=claims.auto_confirm_days)
    candidates = WorkEntry.objects.filter(
        confirmation__isnull=True, ended_at__lte=cutoff
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(candidates):
        with transaction.atomic():
            work = WorkEntry.objects.select_for_update().get(pk=pk)
            if WorkConfirmation.objects.filter(work=work).exists():
                continue
            when = auto_confirmation_at(claims, work.ended_at)
            if when > at:
                continue
            _confirm(acting_user=None, work=work, confirmed_at=when, contact=None, automatic=True)
            done += 1
    return done


def close_requests_past_complaint_window(now: datetime | None = None) -> int:
    """Close every resolved request whose time for complaints has passed:
    the complaint deadline (DESIGN 3.6, the policy's business days, no next
    service counted) of each confirmed piece of work on it and of its
    resolution is before ``now``, and no claim on it awaits a decision. Each close goes
    through the transition table and is audited; returns how many closed."""
    at = now or clock.now()
    policy = policy_from_row(get_vendor_policy(), {})
    calendar = BusinessCalendar.for_policy(policy)
    done = 0
    candidates = Request.objects.filter(status=Status.RESOLVED, resolved_at__lte=at)
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            request = Request.objects.select_for_update().get(pk=pk)
            if request.status != Status.RESOLVED or request.resolved_at is None:
                continue
            if Claim.objects.filter(work__request=request, status=ClaimStatus.FILED).exists():
                continue
            if not _complaint_window_passed(request, calendar, policy, at):
                continue
            if move_request_status(
                request,
                Status.CLOSED,
                MoveReason.COMPLAINT_WINDOW_CLOSED,
                acting_user=None,
                at=at,
            ):
                done += 1
    return done


def _complaint_window_passed(
    request: Request, calendar: BusinessCalendar, policy: Policy, at: datetime
) -> bool:
    """True when the complaint deadline of every confirmation on ``request``,
    and the one counted from its resolution, are before ``at``."""
    instants = list(
        WorkConfirmation.objects.filter(work__request=request).values_list(
            "confirmed_at", flat=True
        )
    )
    if request.resolved_at is not None:
        instants.append(request.resolved_at)
    return all(
        not is_complaint_in_time(claim_window(calendar, policy.claims, instant, None), at)
        for instant in instants
    )


# --- Claims -------------------------------------------------------------------


@transaction.atomic
def do_file_claim(
    *,
    acting_user: User | None,
    work: WorkEntry,
    contact: Contact,
    description: str,
    now: datetime | None = None,
) -> Claim:
    """A complaint about confirmed ``work``. Refused after the complaint
    deadline (DESIGN 3.6), with the deadline in the active language and the
    vendor's time zone. A piece of work has one claim: filing again returns
    the claim already filed."""
    _require_claims()
    at = now or clock.now()
    work = WorkEntry.objects.select_for_update().select_related("request").get(pk=work.pk)
    if contact.customer_id != work.request.customer_id:
        raise ActionRefused("wrong_customer", _("The contact belongs to another customer."))
    # The work row is locked: a repeated or simultaneous filing waits here
    # and is answered with the claim already filed (one per work, a
    # database constraint too).
    existing = Claim.objects.filter(work=work).first()
    if existing is not None:
        return existing
    description = (description or "").strip()
    if not description:
        raise ActionRefused("invalid", "description: " + _("say what is wrong with the work."))
    window = get_claim_window(work)
    if window is None:
        raise ActionRefused(
            "not_confirmed", _("The work has not been confirmed yet; confirm it or reply to it.")
        )
    if not is_complaint_in_time(window, at):
        timezone = get_vendor_policy().timezone
        deadline = format_local(
            window.complaint_deadline, timezone, translation.get_language() or "en"
        )
        raise ActionRefused(
            "claim_too_late",
            _("The deadline for complaints about this work was %(deadline)s.")
            % {"deadline": deadline},
        )
    claim = Claim.objects.create(
        work=work,
        contact=contact,
        description=description,
        filed_at=at,
        deadline=window.complaint_deadline,
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.FILE_CLAIM,
        obj=claim,
        at=at,
        detail={"work": work.work_id, "deadline": window.complaint_deadline.isoformat()},
    )
    return claim


@transaction.atomic
def do_accept_claim(
    *,
    acting_user: User | None,
    claim: Claim,
    note: str = "",
    now: datetime | None = None,
) -> Claim:
    """Accept a claim: the customer gets a ``service_warranty`` entitlement
    that makes the rework of the work complained about free: the work's
    request, product and category, from the day after the work (at the
    earliest the confirmation date) to the end of the service warranty (at
    least until today). Only that request's work is re-rated; the work
    complained about stays as it was rated."""
    _require_claims()
    at = now or clock.now()
    claim = Claim.objects.select_for_update().select_related("work__request").get(pk=claim.pk)
    check_transition(
        CLAIM_TRANSITIONS,
        claim.status,
        ClaimStatus.ACCEPTED,
        states=ClaimStatus,
        sentence=_("The claim is %(current)s; it cannot become %(to)s."),
    )
    window = get_claim_window(claim.work)
    assert window is not None  # a claim is filed only on confirmed work
    calendar = BusinessCalendar.for_policy(_policy())
    today = calendar.local_date(at)
    work = claim.work
    starts = max(window.confirmed_on, calendar.local_date(work.started_at) + timedelta(days=1))
    grant = do_grant_service_warranty(
        acting_user=acting_user,
        customer=work.request.customer,
        starts=starts,
        ends=max(window.service_warranty_ends, today, starts),
        products=[work.product],
        request=work.request,
        covers=[work.category],
        now=at,
    )
    claim.status = ClaimStatus.ACCEPTED
    claim.decided_at = at
    claim.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    claim.decision_note = note.strip()
    claim.service_warranty = grant
    claim.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "service_warranty"]
    )
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ACCEPT_CLAIM,
        obj=claim,
        at=at,
        detail={"service_warranty": grant.pk, "ends": grant.ends.isoformat()},
    )
    return claim


@transaction.atomic
def do_reject_claim(
    *,
    acting_user: User | None,
    claim: Claim,
    note: str,
    visited_on_site: bool = False,
    now: datetime | None = None,
) -> Claim:
    """Reject a claim with the reason (``note``). When a technician travelled
    to check it (``visited_on_site``) the customer pays the travel: one
    ``TravelCharge`` at ``travel`` of the price list in force today."""
    _require_claims()
    at = now or clock.now()
    claim = Claim.objects.select_for_update().select_related("work__request").get(pk=claim.pk)
    check_transition(
        CLAIM_TRANSITIONS,
        claim.status,
        ClaimStatus.REJECTED,
        states=ClaimStatus,
        sentence=_("The claim is %(current)s; it cannot become %(to)s."),
    )
    note = (note or "").strip()
    if not note:
        raise ActionRefused("invalid", "note: " + _("give the reason for the rejection."))
    claim.status = ClaimStatus.REJECTED
    claim.decided_at = at
    claim.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    claim.decision_note = note
    claim.visited_on_site = visited_on_site
    claim.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "visited_on_site"]
    )
    detail: dict[str, Any] = {"visited_on_site": visited_on_site}
    if visited_on_site:
        charge = _charge_travel(claim, at)
        detail.update(travel_charge=charge.pk, amount=str(charge.amount))
    write_audit(
        acting_user=acting_user, action=AuditAction.REJECT_CLAIM, obj=claim, at=at, detail=detail
    )
    return claim


def _charge_travel(claim: Claim, at: datetime) -> TravelCharge:
    calendar = BusinessCalendar.for_policy(_policy())
    today = calendar.local_date(at)
    prices = get_service_price_on(today)
    if prices is None:
        raise ActionRefused(
            "no_price_list",
            _("No service price list is in force on %(day)s.")
            % {"day": format_date(today, translation.get_language() or "en")},
        )
    return TravelCharge.objects.create(
        claim=claim,
        customer=claim.work.request.customer,
        amount=Decimal(prices.travel),
        currency=prices.currency,
        price_list=prices,
        charged_on=today,
        created_at=at,
    )


@transaction.atomic
def do_mark_travel_charge_billed(
    *, acting_user: User | None, charge: TravelCharge, now: datetime | None = None
) -> TravelCharge:
    """The billing run took ``charge`` onto an invoice; a charge is billed once."""
    at = now or clock.now()
    charge = TravelCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.billed_at is not None:
        raise ActionRefused("already_billed", _("This travel charge has already been billed."))
    charge.billed_at = at
    charge.save(update_fields=["billed_at"])
    write_audit(acting_user=acting_user, action=AuditAction.BILL_TRAVEL_CHARGE, obj=charge, at=at)
    return charge
