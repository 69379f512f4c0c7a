"""Named reads of service delivery."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, QuerySet

from supportledger.core.convert import policy_from_row
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer, StaffMember, StaffRole
from supportledger.desk.models import WorkEntry
from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.claims import claim_window
from supportledger.rules.types import ClaimWindow
from supportledger.service.models import (
    Appointment,
    AppointmentStatus,
    Claim,
    Consent,
    ConsentTerms,
    RemoteSession,
    TravelCharge,
    WorkConfirmation,
)


def list_consultants_on_duty(now: datetime) -> QuerySet[StaffMember]:
    """Agents (active logins) a customer may pick for remote help at ``now``:
    all of them within business hours, none outside."""
    policy = policy_from_row(get_vendor_policy(), {})
    if not BusinessCalendar.for_policy(policy).is_business_time(now):
        return StaffMember.objects.none()
    return StaffMember.objects.filter(role=StaffRole.AGENT, user__is_active=True).select_related(
        "user"
    )


def list_remote_sessions_for_customer(customer: Customer) -> QuerySet[RemoteSession]:
    """Every remote session of ``customer``'s contacts, newest first, with
    the consent, the contact and the consultant."""
    return (
        RemoteSession.objects.filter(consent__contact__customer=customer)
        .select_related("consent__contact", "consent__request", "agent__user")
        .order_by("-started_at", "-id")
    )


def list_remote_sessions() -> QuerySet[RemoteSession]:
    """All remote sessions, newest first (staff)."""
    return RemoteSession.objects.select_related(
        "consent__contact__customer", "consent__request", "agent__user"
    ).order_by("-started_at", "-id")


def list_appointments(*, include_cancelled: bool = False) -> QuerySet[Appointment]:
    """Visits by start time, with request, customer, agent and contact."""
    rows = Appointment.objects.select_related(
        "request__customer", "agent__user", "consent__contact"
    ).order_by("starts_at", "id")
    if not include_cancelled:
        rows = rows.filter(status=AppointmentStatus.BOOKED)
    return rows


def list_claims() -> QuerySet[Claim]:
    """All claims, newest first, with their work, customer and contact."""
    return Claim.objects.select_related(
        "work__request__customer", "work__product", "contact"
    ).order_by("-filed_at", "-id")


def list_unbilled_travel_charges() -> QuerySet[TravelCharge]:
    """Travel charges the billing run has not invoiced yet."""
    return TravelCharge.objects.filter(billed_at__isnull=True).select_related("customer")


def get_next_service_at(work: WorkEntry, after: datetime) -> datetime | None:
    """Start of the customer's next ordered service after ``after``: the
    earliest booked visit or other piece of work of the same customer."""
    customer_id = work.request.customer_id
    visit = Appointment.objects.filter(
        request__customer_id=customer_id, status=AppointmentStatus.BOOKED, starts_at__gt=after
    ).aggregate(first=Min("starts_at"))["first"]
    other = (
        WorkEntry.objects.filter(request__customer_id=customer_id, started_at__gt=after)
        .exclude(pk=work.pk)
        .aggregate(first=Min("started_at"))["first"]
    )
    starts = [instant for instant in (visit, other) if instant is not None]
    return min(starts) if starts else None


def get_claim_window(work: WorkEntry) -> ClaimWindow | None:
    """The complaint deadline and service warranty of ``work`` (DESIGN 3.6,
    the rules' claims module), or None while it is not confirmed."""
    confirmation = WorkConfirmation.objects.filter(work=work).first()
    if confirmation is None:
        return None
    policy = policy_from_row(get_vendor_policy(), {})
    return claim_window(
        BusinessCalendar.for_policy(policy),
        policy.claims,
        confirmation.confirmed_at,
        get_next_service_at(work, confirmation.confirmed_at),
    )


def get_consent_terms(language: str, *, fallback: bool = True) -> ConsentTerms | None:
    """The current terms in ``language``; with ``fallback``, else in the
    vendor's language, else in English; None when there are none."""
    languages = [language]
    if fallback:
        languages += [get_vendor_policy().language, "en"]
    for code in dict.fromkeys(languages):
        terms = ConsentTerms.objects.filter(language=code).order_by("-version").first()
        if terms is not None:
            return terms
    return None


def list_consent_terms() -> QuerySet[ConsentTerms]:
    """Every version in every language, newest first per language."""
    return ConsentTerms.objects.order_by("language", "-version")


def list_appointments_for_customer(customer: Customer) -> QuerySet[Appointment]:
    """Every visit of ``customer``, booked or not, latest start first."""
    return (
        Appointment.objects.filter(request__customer=customer)
        .select_related("request", "agent__user")
        .order_by("-starts_at", "-id")
    )


def list_claims_for_customer(customer: Customer) -> QuerySet[Claim]:
    """Every claim of ``customer``'s contacts, newest first, with its work and request."""
    return (
        Claim.objects.filter(work__request__customer=customer)
        .select_related("work__request", "contact")
        .order_by("-filed_at", "-id")
    )


def pick_consents(request_id: int, text: str, limit: int = 10) -> list[Consent]:
    """Up to ``limit`` + 1 consents given for the request ``request_id``
    (only) whose number (``#<n>``) or
    contact's name matches ``text``, newest first; one query."""
    rows = (
        Consent.objects.filter(request_id=request_id)
        .select_related("contact")
        .order_by("-given_at", "-id")
    )
    text = text.strip().removeprefix("#")
    if text.isdigit():
        rows = rows.filter(pk=int(text))
    elif text:
        rows = rows.filter(contact__name__icontains=text)
    return list(rows[: limit + 1])
