"""Counting attempts at login, one-time codes and password resets.

Counted in the database (``ThrottleEvent``), so every app process behind a
load balancer sees the same counts. Accounts are counted by the e-mail typed,
whether or not such an account exists, so a throttled answer says nothing
about who has an account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportledger.customers.models import ThrottleEvent, ThrottleScope


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta


LIMITS: dict[str, Limit] = {
    ThrottleScope.LOGIN_ACCOUNT: Limit(5, timedelta(minutes=15)),
    ThrottleScope.LOGIN_IP: Limit(20, timedelta(minutes=15)),
    ThrottleScope.OTP_ACCOUNT: Limit(5, timedelta(minutes=15)),
    ThrottleScope.RESET_ACCOUNT: Limit(3, timedelta(hours=1)),
    ThrottleScope.RESET_IP: Limit(10, timedelta(hours=1)),
}
LONGEST_WINDOW = max(limit.window for limit in LIMITS.values())


def key_of(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def is_throttled(scope: str, value: str, *, now: datetime) -> bool:
    limit = LIMITS[scope]
    count = ThrottleEvent.objects.filter(
        scope=scope, key=key_of(value), at__gt=now - limit.window
    ).count()
    return count >= limit.attempts


def note_attempt(scope: str, value: str, *, now: datetime) -> None:
    """Count one attempt; drop rows no window looks at any more."""
    ThrottleEvent.objects.create(scope=scope, key=key_of(value), at=now)
    ThrottleEvent.objects.filter(at__lt=now - LONGEST_WINDOW).delete()


def forget(scope: str, value: str) -> None:
    """A successful login clears the account's failures."""
    ThrottleEvent.objects.filter(scope=scope, key=key_of(value)).delete()
