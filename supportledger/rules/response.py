"""First-response targets counted in business time (DESIGN 3.7).

A target of N business minutes from an instant runs only while the vendor is
open (business hours of business days, policy time zone); the clock starts
at the next opening when the request arrives outside hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from supportledger.rules.calendar import BusinessCalendar
from supportledger.rules.types import Entitlement

__all__ = ["first_response_due", "is_first_response_overdue", "response_target_minutes"]


def first_response_due(
    calendar: BusinessCalendar, received_at: datetime, business_minutes: int
) -> datetime:
    """The first-response deadline: ``received_at`` plus ``business_minutes``
    (>= 0) minutes of business time, as an aware instant in the calendar's
    time zone."""
    return calendar.add_business_minutes(received_at, business_minutes)


def is_first_response_overdue(
    due_at: datetime | None, answered_at: datetime | None, now: datetime
) -> bool:
    """True when a first response was due before ``now`` (aware instants)
    and none was given. No target (``due_at`` None, as while the clock is
    paused waiting for the customer) is never overdue."""
    return due_at is not None and answered_at is None and due_at < now


def response_target_minutes(
    entitlements: Sequence[Entitlement], product: str, day: date
) -> int | None:
    """The tightest first-response target (business minutes) among contracts
    valid on ``day`` for ``product``, or ``None`` when none sets one."""
    targets = [
        e.response_business_minutes
        for e in entitlements
        if e.kind == "contract"
        and e.response_business_minutes is not None
        and e.is_valid_on(day)
        and e.applies_to(product)
    ]
    return min(targets) if targets else None
