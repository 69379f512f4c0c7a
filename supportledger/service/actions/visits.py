"""Appointments (visits): booked in a free slot of an agent on duty, moved,
cancelled, and reminded a day ahead; each change is mailed after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.transitions import check_transition
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import StaffMember
from supportledger.desk.models import Request
from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.rating import is_in_service_area
from supportledger.rules.types import Policy
from supportledger.service.actions._common import rules_policy
from supportledger.service.mail import format_local, queue_appointment_mail
from supportledger.service.models import (
    APPOINTMENT_TRANSITIONS,
    Appointment,
    AppointmentStatus,
    Consent,
)

REMINDER_BEFORE = timedelta(hours=24)
"""How long before an appointment its reminder goes out."""


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
    policy = rules_policy()
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
        policy=rules_policy(),
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
