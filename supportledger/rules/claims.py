"""Complaints about confirmed work and the service warranty (DESIGN 3.6, seed S4).

Dates are in the policy time zone. The complaint deadline is 23:59:59 local
time of the N-th business day after the confirmation date (business days
skip days without business hours, public holidays and closures), or the start
of the customer's next ordered service when that is earlier. The service
warranty runs N calendar days from the confirmation date, inclusive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.types import ClaimPolicy, ClaimWindow

__all__ = ["auto_confirmation_at", "claim_window", "is_complaint_in_time"]


def claim_window(
    calendar: BusinessCalendar,
    claims: ClaimPolicy,
    confirmed_at: datetime,
    next_service_at: datetime | None = None,
) -> ClaimWindow:
    """The complaint deadline and service warranty of work confirmed at ``confirmed_at``.

    ``next_service_at`` is the start of the customer's next ordered service,
    if one is booked. Instants returned are in the calendar's time zone.
    """
    confirmed_on = calendar.local_date(confirmed_at)
    last_day = calendar.add_business_days(confirmed_on, claims.complaint_business_days)
    deadline = calendar.end_of_day(last_day)
    reason: str = "business_days"
    if next_service_at is not None and next_service_at.astimezone(UTC) < deadline.astimezone(UTC):
        deadline = calendar.local(next_service_at)
        reason = "next_service"
    return ClaimWindow(
        confirmed_on=confirmed_on,
        complaint_deadline=deadline,
        deadline_reason="next_service" if reason == "next_service" else "business_days",
        service_warranty_ends=confirmed_on + timedelta(days=claims.service_warranty_days),
    )


def is_complaint_in_time(window: ClaimWindow, complained_at: datetime) -> bool:
    """True when a complaint made at ``complained_at`` meets the deadline
    (a complaint at the deadline itself is in time)."""
    return complained_at <= window.complaint_deadline


def auto_confirmation_at(claims: ClaimPolicy, finished_at: datetime) -> datetime:
    """When work the customer has not confirmed counts as confirmed:
    ``auto_confirm_days`` whole days (24 h each, real time) after ``finished_at``."""
    return finished_at + timedelta(days=claims.auto_confirm_days)
