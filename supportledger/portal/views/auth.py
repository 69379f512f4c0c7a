"""Logging in and out, the one-time code, password reset.

Every answer is the same whether or not an account exists: a wrong e-mail
and a wrong password read alike, a reset request always says a link was sent
if the address is known, and throttling counts the address typed, not the
account found.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlencode,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.customers import throttle
from supportledger.customers.actions import do_use_one_time_code
from supportledger.customers.models import Contact, SecondFactor, ThrottleScope
from supportledger.portal.access import client_ip, contact_of, speak
from supportledger.portal.actions import do_queue_password_reset_mail, do_set_portal_password

PENDING = "portal_pending_login"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:dashboard")


def _finish_login(request: HttpRequest, user: Any) -> HttpResponse:
    # login() rotates the session key and the CSRF token.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    contact = contact_of(user)
    response = redirect(_next_url(request))
    if contact is not None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            contact.language,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if contact_of(request.user) is not None:
        return redirect("portal:dashboard")
    error = ""
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "").strip()[:254]
        password = request.POST.get("password", "")
        now = clock.now()
        # django-axes counts failures per account and per address
        # (supportledger.core.login_throttle) and answers a locked-out
        # attempt with the "too many attempts" page instead of this one.
        user = authenticate(request, username=email.lower(), password=password)
        if user is None or contact_of(user) is None:
            error = _("The e-mail address or the password is not right.")
        else:
            if SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists():
                request.session.cycle_key()
                request.session[PENDING] = {"user": user.pk, "at": now.timestamp()}
                target = reverse("portal:login_code")
                nxt = request.POST.get("next", "")
                if nxt.startswith("/portal/"):
                    target += "?" + urlencode({"next": nxt})
                return redirect(target)
            return _finish_login(request, user)
    return render(
        request,
        "portal/login.html",
        {"error": error, "email": email, "next": request.GET.get("next", "")},
        status=200,
    )


@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    now = clock.now()
    if not pending or now.timestamp() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("portal:login")
    error = ""
    if request.method == "POST":
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        key = f"user:{pending['user']}"
        if user is None:
            return redirect("portal:login")
        if throttle.is_throttled(ThrottleScope.OTP_ACCOUNT, key, now=now):
            request.session.pop(PENDING, None)
            error = _("Too many attempts. Wait a few minutes and try again.")
            return render(request, "portal/login.html", {"error": error, "email": ""})
        if do_use_one_time_code(user=user, code=request.POST.get("code", ""), now=now):
            throttle.forget(ThrottleScope.OTP_ACCOUNT, key)
            del request.session[PENDING]
            return _finish_login(request, user)
        throttle.note_attempt(ThrottleScope.OTP_ACCOUNT, key, now=now)
        error = _("The code is not right. Use the newest code your app shows.")
    return render(
        request, "portal/login_code.html", {"error": error, "next": request.GET.get("next", "")}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session: its key and data are gone
    return redirect("portal:login")


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    if contact_of(request.user) is not None:
        return redirect("portal:account")
    if request.method == "POST":
        email = request.POST.get("email", "").strip()[:254]
        now = clock.now()
        ip = client_ip(request)
        throttled = throttle.is_throttled(
            ThrottleScope.RESET_ACCOUNT, email, now=now
        ) or throttle.is_throttled(ThrottleScope.RESET_IP, ip, now=now)
        if not throttled:
            throttle.note_attempt(ThrottleScope.RESET_ACCOUNT, email, now=now)
            throttle.note_attempt(ThrottleScope.RESET_IP, ip, now=now)
            if email:
                _send_reset_mail(request, email)
        # The same page whether the address is known, unknown or throttled.
        return render(request, "portal/password_reset_sent.html")
    return render(request, "portal/password_reset.html")


def _send_reset_mail(request: HttpRequest, email: str) -> None:
    user = get_user_model().objects.filter(username=email.lower(), is_active=True).first()
    contact = contact_of(user) if user is not None else None
    if user is None or contact is None:
        return
    # From the configured site address, never the request's Host header (a
    # forged Host would otherwise send the victim a link to another site).
    link = settings.SITE_URL + reverse(
        "portal:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(contact.language):
        context = {"contact": contact, "link": link}
        subject = render_to_string("portal/mail/password_reset_subject.txt", context).strip()
        body = render_to_string("portal/mail/password_reset.txt", context)
    do_queue_password_reset_mail(acting_user=None, contact=contact, subject=subject, body=body)


def _user_of_link(uidb64: str, token: str) -> Any:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not Contact.objects.filter(user=user).exists():
        return None
    if not default_token_generator.check_token(user, token):
        return None
    return user


@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_of_link(uidb64, token)
    if request.user.is_authenticated and user is not None and user.pk != request.user.pk:
        # Someone logged in holds another account's link: not theirs to use here.
        raise Http404
    if user is None:
        return render(request, "portal/password_reset_invalid.html", status=200)
    contact = contact_of(user)
    if contact is not None:
        speak(contact.language)
    error = ""
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password_again", ""):
            error = _("The two passwords differ.")
        else:
            try:
                do_set_portal_password(acting_user=user, user=user, password=password)
            except ActionRefused as refused:
                error = _("The password is too weak: %(reason)s") % {"reason": refused.message}
            else:
                return render(request, "portal/password_reset_done.html")
    return render(request, "portal/password_reset_confirm.html", {"error": error})
