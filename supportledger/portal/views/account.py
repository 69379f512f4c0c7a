"""The contact's own settings: language, the second factor, and what its
customer is invoiced as (address, registration number, VAT id)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from supportledger.core.errors import ActionRefused
from supportledger.customers import totp
from supportledger.customers.actions import (
    do_confirm_second_factor,
    do_start_second_factor,
    do_turn_off_second_factor,
    do_update_customer_billing_data,
    do_use_one_time_code,
)
from supportledger.customers.models import CustomerType, SecondFactor
from supportledger.portal.access import LANGUAGE_CODES, contact_of, contact_required
from supportledger.portal.actions import do_set_contact_language

ISSUER = "supportledger"


class BillingDataForm(forms.Form):
    """The customer's billing data as its contacts may edit it; the checks
    (VAT id, registration number) are the action's."""

    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    street = forms.CharField(label=gettext_lazy("Street and number"), max_length=200)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=16)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100)
    customer_type = forms.ChoiceField(
        label=gettext_lazy("Business or consumer"), choices=CustomerType.choices
    )
    registration_number = forms.CharField(
        label=gettext_lazy("Company registration number"), max_length=32, required=False
    )
    vat_id = forms.CharField(label=gettext_lazy("VAT id"), max_length=32, required=False)


def _billing_form(request: HttpRequest, data: Any = None) -> BillingDataForm:
    customer = request.customer  # type: ignore[attr-defined]
    initial = {name: getattr(customer, name) for name in BillingDataForm.base_fields}
    return BillingDataForm(data, initial=initial)


@require_safe
@contact_required
def account_view(request: HttpRequest) -> HttpResponse:
    return _account_page(request, _billing_form(request))


@require_POST
@contact_required
def billing_data_view(request: HttpRequest) -> HttpResponse:
    """Change the own customer's billing data; a refusal shows on the field."""
    form = _billing_form(request, request.POST)
    if form.is_valid():
        try:
            do_update_customer_billing_data(
                acting_user=request.user,
                customer=request.customer,  # type: ignore[attr-defined]
                **form.cleaned_data,
            )
        except ActionRefused as refused:
            field, _sep, reason = refused.message.partition(": ")
            form.add_error(field if field in form.fields and reason else None, reason or field)
        else:
            messages.success(request, _("Your billing details are saved."))
            return redirect("portal:account")
    return _account_page(request, form, status=400)


def _account_page(
    request: HttpRequest, billing_form: BillingDataForm, status: int = 200
) -> HttpResponse:
    factor = SecondFactor.objects.filter(user=request.user).first()
    context: dict[str, Any] = {"factor": factor, "billing_form": billing_form}
    if factor is not None and factor.confirmed_at is None:
        context["secret"] = factor.secret
        context["uri"] = totp.provisioning_uri(factor.secret, request.user.get_username(), ISSUER)
    return render(request, "portal/account.html", context, status=status)


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
