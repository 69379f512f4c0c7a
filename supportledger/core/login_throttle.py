"""Failed logins, counted by django-axes for the console, the admin and the portal.

Two counts, both over the last ``AXES_COOLOFF_TIME`` (15 minutes):

- per account: the name typed (user name, or the portal's e-mail address),
  whether or not such an account exists, so a throttled answer says nothing
  about who has an account; ``AXES_FAILURE_LIMIT`` (5) failures lock it;
- per address: ``AXES_ADDRESS_FAILURE_LIMIT`` (20) failures, across any
  names, lock the address. The higher limit lets an office behind one
  address survive its own typos while a guesser spraying names is stopped.

A successful login clears its account's count, not the address's (one good
password must not buy a guesser more tries). Every failure is kept in axes'
failure log (``AccessFailureLog``, visible in the admin), and a lock-out also
writes an audit row.
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.models import AuditEntry


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The name typed (``username`` in the console and admin, ``email`` in the
    portal), lower-cased and hashed (SHA-256, hex): the failure rows name nobody,
    not even someone who typed a password into the name field."""
    name = (credentials or {}).get("username") or ""
    if not name:
        name = request.POST.get("username") or request.POST.get("email") or ""
    return hashlib.sha256(str(name).strip().lower().encode()).hexdigest()


def address_of(request: HttpRequest) -> str:
    """The peer address; a proxy in front must set REMOTE_ADDR (X-Forwarded-For is
    not trusted, as anyone can send it). A login made without a network
    request (``force_login``, a shell) has none: it is recorded as the
    unspecified address 0.0.0.0, which the address columns accept on every
    database (PostgreSQL's inet type refuses a word)."""
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LoginThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler with a separate, higher limit per address."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = self.get_user_attempts(request, credentials)
        # Scaled so that reaching the address limit reads as reaching the
        # account limit, the one number axes compares with.
        address = _failures(by_address) * settings.AXES_FAILURE_LIMIT
        return max(_failures(by_account), address // settings.AXES_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        by_account, _by_address = self.filter_user_attempts(request, credentials)
        count, _ = by_account.delete()
        return int(count)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The login page again, saying to wait (429), in the door the attempt came through."""
    message = _("Too many attempts. Wait a few minutes and try again.")
    if request.path.startswith("/portal/"):
        context = {"error": message, "email": "", "next": ""}
        return render(request, "portal/login.html", context, status=429)
    return render(request, "console/locked_out.html", {"message": message}, status=429)


def audit_lockout(
    sender: Any, request: HttpRequest, username: str, ip_address: str, **_: Any
) -> None:
    AuditEntry.objects.create(
        at=clock.now(),
        actor=None,
        action="lock_out_login",
        object_type="axes.accessattempt",
        object_id="",
        detail={"username": username or "", "address": ip_address or "", "path": request.path},
    )
