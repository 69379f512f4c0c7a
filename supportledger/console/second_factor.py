"""Staff two-factor login: the portal's TOTP (RFC 6238) key, asked after the password.

A staff member with a confirmed second factor who has signed in (console or
admin login) reaches nothing under ``/console/`` or ``/admin/`` but the code
page until a code is accepted for this session. When
``STAFF_SECOND_FACTOR_REQUIRED`` is on (production), an administrator
without a second factor is sent to set one up first. Wrong codes are
throttled per account like the portal's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.customers import throttle, totp
from supportledger.customers.actions import (
    do_confirm_second_factor,
    do_reset_second_factor,
    do_start_second_factor,
    do_use_one_time_code,
)
from supportledger.customers.models import SecondFactor, StaffMember, ThrottleScope
from supportledger.customers.permissions import ADMINISTRATOR, staff_role_of

VERIFIED = "staff_second_factor_user"
ISSUER = "supportledger console"
GUARDED = ("/console/", "/admin/")
OPEN_NAMES = {"console:login", "console:logout", "console:login_code", "console:second_factor"}


def _has_factor(user: Any) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def _verified(request: HttpRequest) -> bool:
    return bool(request.session.get(VERIFIED) == request.user.pk)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(GUARDED) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console:queue")


class StaffSecondFactorMiddleware:
    """Sends a signed-in staff member to the code page (or to set up a factor) first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.path.startswith(GUARDED) or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_NAMES | {"admin:logout"}:
            return None
        if _verified(request):
            return None
        role = staff_role_of(request.user)
        if role is None:
            return None
        query = "?" + urlencode({"next": request.get_full_path()})
        if _has_factor(request.user):
            return redirect(reverse("console:login_code") + query)
        if settings.STAFF_SECOND_FACTOR_REQUIRED and role == ADMINISTRATOR:
            return redirect(reverse("console:second_factor") + query)
        return None


def note_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """At login: a staff member with no second factor, not required to have
    one, needs no code this session (so later requests ask the database nothing)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(VERIFIED, None)
    role = staff_role_of(user)
    if role is None or _has_factor(user):
        return
    if settings.STAFF_SECOND_FACTOR_REQUIRED and role == ADMINISTRATOR:
        return
    request.session[VERIFIED] = user.pk


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The one-time code after the password; five wrong codes sign the session out."""
    if not request.user.is_authenticated:
        return redirect("console:login")
    if _verified(request) or not _has_factor(request.user):
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        now = clock.now()
        key = f"user:{request.user.pk}"
        if throttle.is_throttled(ThrottleScope.OTP_ACCOUNT, key, now=now):
            logout(request)
            return render(
                request,
                "console/locked_out.html",
                {"message": _("Too many attempts. Wait a few minutes and try again.")},
                status=429,
            )
        if do_use_one_time_code(user=request.user, code=request.POST.get("code", ""), now=now):
            throttle.forget(ThrottleScope.OTP_ACCOUNT, key)
            request.session.cycle_key()
            request.session[VERIFIED] = request.user.pk
            return redirect(_next(request))
        throttle.note_attempt(ThrottleScope.OTP_ACCOUNT, key, now=now)
        error = _("The code is not right. Use the newest code your app shows.")
    return render(
        request,
        "console/login_code.html",
        {"error": error, "next": request.GET.get("next", "")},
    )


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up the second factor: a new key to type into an app, then a code to confirm it."""
    if _has_factor(request.user):
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        try:
            do_confirm_second_factor(
                acting_user=request.user, user=request.user, code=request.POST.get("code", "")
            )
        except ActionRefused:
            error = _("The code is not right. Use the newest code your app shows.")
        else:
            request.session.cycle_key()
            request.session[VERIFIED] = request.user.pk
            return redirect(_next(request))
    factor = SecondFactor.objects.filter(user=request.user).first()
    if factor is None:
        factor = do_start_second_factor(acting_user=request.user, user=request.user)
    context = {
        "error": error,
        "secret": factor.secret,
        "uri": totp.provisioning_uri(factor.secret, request.user.get_username(), ISSUER),
        "next": request.GET.get("next", ""),
    }
    return render(request, "console/second_factor.html", context)


@require_http_methods(["GET", "POST"])
def reset_second_factor(request: HttpRequest) -> HttpResponse:
    """A staff member resets their own second factor (a new phone): the
    password and a current code first, then a new key is enrolled at the
    set-up page. Wrong answers count against the account like wrong codes."""
    if not _has_factor(request.user):
        return redirect("console:second_factor")
    error = ""
    if request.method == "POST":
        now = clock.now()
        key = f"user:{request.user.pk}"
        if throttle.is_throttled(ThrottleScope.OTP_ACCOUNT, key, now=now):
            logout(request)
            return render(
                request,
                "console/locked_out.html",
                {"message": _("Too many attempts. Wait a few minutes and try again.")},
                status=429,
            )
        password_ok = request.user.check_password(request.POST.get("password", ""))
        # The code is checked (and used up) only after the right password.
        if password_ok and do_use_one_time_code(
            user=request.user, code=request.POST.get("code", ""), now=now
        ):
            throttle.forget(ThrottleScope.OTP_ACCOUNT, key)
            do_reset_second_factor(acting_user=request.user, user=request.user, now=now)
            request.session.cycle_key()
            request.session[VERIFIED] = request.user.pk
            messages.success(
                request, _("Your second factor was reset. Add the new key to your app.")
            )
            return redirect("console:second_factor")
        throttle.note_attempt(ThrottleScope.OTP_ACCOUNT, key, now=now)
        error = _("The password or the code is not right.")
    return render(request, "console/reset_second_factor.html", {"error": error})


def _staff_rows() -> list[dict[str, Any]]:
    factors = dict(SecondFactor.objects.values_list("user_id", "confirmed_at"))
    rows = []
    for member in StaffMember.objects.select_related("user").order_by("user__username"):
        confirmed = factors.get(member.user_id)
        rows.append(
            {
                "member": member,
                "state": (
                    _("on")
                    if confirmed
                    else _("being set up")
                    if member.user_id in factors
                    else _("off")
                ),
                "has_factor": member.user_id in factors,
            }
        )
    return rows


def staff_second_factors(request: HttpRequest) -> HttpResponse:
    """Administrators: every staff member's second factor, with a reset."""
    return render(request, "console/staff_second_factors.html", {"rows": _staff_rows()})


@require_POST
def reset_staff_second_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator resets another staff member's second factor (audited);
    that person enrols a new key at their next sign-in. One's own factor is
    reset with one's password and code instead."""
    target = get_object_or_404(get_user_model(), pk=user_id, staff_member__isnull=False)
    if target.pk == request.user.pk:
        messages.error(
            request, _("Reset your own second factor with your password and a current code.")
        )
        return redirect("console:reset_second_factor")
    if do_reset_second_factor(acting_user=request.user, user=target):
        messages.success(
            request,
            _("The second factor of %(user)s was reset; they set up a new one at next sign-in.")
            % {"user": target.get_username()},
        )
    else:
        messages.info(
            request, _("%(user)s has no second factor.") % {"user": target.get_username()}
        )
    return redirect("console:staff_second_factors")
