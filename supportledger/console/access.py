"""Who may use the staff console: a logged-in user with a ``StaffMember`` row.

Anonymous visitors are sent to the console's login page; a logged-in user
without a staff row (a customer contact, say) gets 403, except a superuser,
who is made an administrator on the first visit. Views wrapped with
:func:`staff_required` find the member on ``request.staff_member``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffMember, StaffRole
from supportledger.customers.permissions import staff_member_of

View = Callable[..., HttpResponse]


def get_staff_member(user: Any) -> StaffMember | None:
    """The staff row of ``user``, or None for anonymous users and non-staff."""
    return staff_member_of(user)


def staff_required(view: View) -> View:
    """Let only staff members through (login first, then 403 for others)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("console:login"))
        member = get_staff_member(request.user)
        if member is None and request.user.is_superuser:
            # A superuser made with createsuperuser becomes the first
            # administrator on its first visit (audited), not a dead end.
            member = do_add_staff_member(
                acting_user=request.user, user=request.user, role=StaffRole.ADMINISTRATOR
            )
        if member is None:
            raise PermissionDenied("Only staff may use the console.")
        request.staff_member = member  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
