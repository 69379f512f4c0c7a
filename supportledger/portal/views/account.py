"""The contact's own settings: language and the second factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.core.errors import ActionRefused
from supportledger.portal import totp
from supportledger.portal.access import LANGUAGE_CODES, contact_of, contact_required
from supportledger.portal.actions import (
    do_confirm_second_factor,
    do_set_contact_language,
    do_start_second_factor,
    do_turn_off_second_factor,
    do_use_one_time_code,
)
from supportledger.portal.models import SecondFactor

ISSUER = "supportledger"


@require_safe
@contact_required
def account_view(request: HttpRequest) -> HttpResponse:
    factor = SecondFactor.objects.filter(user=request.user).first()
    context = {"factor": factor}
    if factor is not None and factor.confirmed_at is None:
        context["secret"] = factor.secret
        context["uri"] = totp.provisioning_uri(factor.secret, request.user.get_username(), ISSUER)
    return render(request, "portal/account.html", context)


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """Switch language; a logged-in contact's choice is kept on the Contact
    (mail uses it), everyone's in the language cookie."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not (
        target.startswith("/portal/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = "/portal/"
    response = redirect(target)
    if language not in LANGUAGE_CODES:
        return response
    contact = contact_of(request.user)
    if contact is not None:
        do_set_contact_language(acting_user=request.user, contact=contact, language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


@require_POST
@contact_required
def second_factor_start_view(request: HttpRequest) -> HttpResponse:
    try:
        do_start_second_factor(acting_user=request.user, user=request.user)
    except ActionRefused:
        messages.error(request, _("The second factor is already on."))
    return redirect("portal:account")


@require_POST
@contact_required
def second_factor_confirm_view(request: HttpRequest) -> HttpResponse:
    try:
        do_confirm_second_factor(
            acting_user=request.user, user=request.user, code=request.POST.get("code", "")
        )
    except ActionRefused:
        messages.error(request, _("The code is not right. Use the newest code your app shows."))
    else:
        messages.success(request, _("The second factor is on: logging in now asks for a code."))
    return redirect("portal:account")


@require_POST
@contact_required
def second_factor_off_view(request: HttpRequest) -> HttpResponse:
    if do_use_one_time_code(user=request.user, code=request.POST.get("code", "")):
        do_turn_off_second_factor(acting_user=request.user, user=request.user)
        messages.success(request, _("The second factor is off."))
    else:
        messages.error(request, _("The code is not right. Use the newest code your app shows."))
    return redirect("portal:account")
