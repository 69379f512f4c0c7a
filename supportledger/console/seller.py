"""The seller's identity and billing settings, edited by an administrator:
what every invoice says about the vendor, how invoices are numbered and
paid, and which languages they are written in.

A page of its own (``/console/seller/``): the form only parses; the checks
(VAT id, registration number, IBAN, BIC by python-stdnum) are those of
``billing.seller.do_update_seller``, whose refusal names the field.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from supportledger.billing.models import NumberReset
from supportledger.billing.queries import get_billing_settings, missing_seller_fields
from supportledger.billing.seller import do_update_seller
from supportledger.console.access import staff_required
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import StaffRole


class SellerForm(forms.Form):
    legal_name = forms.CharField(label=gettext_lazy("Legal name"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("Street and number"), required=False)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=16, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = forms.CharField(
        label=gettext_lazy("Country (ISO code)"), max_length=2, required=False
    )
    registration_number = forms.CharField(
        label=gettext_lazy("Company registration number"), max_length=32, required=False
    )
    vat_id = forms.CharField(label=gettext_lazy("VAT id"), max_length=32, required=False)
    email = forms.EmailField(label=gettext_lazy("Billing e-mail"), required=False)
    bank_account = forms.CharField(label=gettext_lazy("IBAN"), max_length=64, required=False)
    bank_bic = forms.CharField(label=gettext_lazy("BIC"), max_length=11, required=False)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=200, required=False)
    payment_terms_days = forms.IntegerField(
        label=gettext_lazy("Payment terms (days)"), min_value=0, max_value=365
    )
    hold_when_overdue = forms.BooleanField(
        label=gettext_lazy("Put customers with an overdue invoice on hold"), required=False
    )
    hold_after_days = forms.IntegerField(
        label=gettext_lazy("Days past the due date before the hold"), min_value=0, max_value=365
    )
    invoice_languages = forms.MultipleChoiceField(
        label=gettext_lazy("Invoice languages"),
        choices=django_settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    number_prefix = forms.CharField(
        label=gettext_lazy("Invoice number prefix"), max_length=12, required=False
    )
    number_with_year = forms.BooleanField(label=gettext_lazy("Year in the number"), required=False)
    number_width = forms.IntegerField(
        label=gettext_lazy("Digits of the number"), min_value=1, max_value=10
    )
    number_reset = forms.ChoiceField(
        label=gettext_lazy("Numbering restarts"), choices=NumberReset.choices
    )
    credit_note_prefix = forms.CharField(
        label=gettext_lazy("Credit note prefix (empty: same series)"),
        max_length=12,
        required=False,
    )
    vat_rates = forms.CharField(
        label=gettext_lazy("Own VAT rates (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_vat_rates(self) -> Any:
        text = self.cleaned_data["vat_rates"].strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(value, list):
            raise forms.ValidationError(_("A list of rates, [{…}, …]."))
        return value


def _initial() -> dict[str, Any]:
    row = get_billing_settings()
    initial = {name: getattr(row, name) for name in SellerForm.base_fields}
    initial["vat_rates"] = json.dumps(row.vat_rates or [], ensure_ascii=False)
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def seller_settings(request: HttpRequest) -> HttpResponse:
    """Administrators only: others see 403 (they may read the seller on any
    invoice)."""
    member = request.staff_member  # type: ignore[attr-defined]
    if member.role != StaffRole.ADMINISTRATOR:
        raise PermissionDenied("Only an administrator changes the seller's settings.")
    form = SellerForm(request.POST or None, initial=_initial())
    if request.method == "POST" and form.is_valid():
        try:
            do_update_seller(acting_user=request.user, **form.cleaned_data)
        except ActionRefused as refused:
            field, _sep, reason = refused.message.partition(": ")
            if field in form.fields and reason:
                form.add_error(field, reason)
            else:
                form.add_error(None, refused.message)
        else:
            messages.success(request, _("The seller's settings are saved."))
            return redirect("console:seller")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "console/seller.html",
        {"form": form, "missing": missing_seller_fields()},
        status=status,
    )
