"""Forms of the billing console pages: they only parse input; the actions
and queries decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from supportledger.billing.convert import Period
from supportledger.billing.models import InvoiceStatus
from supportledger.console.pickers import PickerField, PickerForm
from supportledger.core.form_fields import check_date_in_range


class PeriodField(forms.CharField):
    """A month written ``2026-03``, cleaned to a :class:`Period`."""

    def clean(self, value: object) -> Period | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            period = Period.month(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Give a month as YYYY-MM, e.g. 2026-03.")) from exc
        check_date_in_range(period.start)
        return period


class InvoiceFilterForm(PickerForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *InvoiceStatus.choices]
    )
    period = PeriodField(label=_("Period"), required=False, max_length=7)
    customer = PickerField("customer", label=_("Customer"), required=False)


class PeriodForm(forms.Form):
    period = PeriodField(label=_("Period"), max_length=7)


class RunBillingForm(PeriodForm):
    kind = forms.ChoiceField(
        label=_("What the run does"),
        choices=[
            ("drafts", _("Make drafts to review, then issue them")),
            ("issue", _("Bill and issue at once")),
        ],
        initial="drafts",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "drafts"


class ExportForm(PeriodForm):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON")]
    )
    by = forms.ChoiceField(
        label=_("Select by"),
        required=False,
        choices=[("issue", _("issue date")), ("supply", _("date of supply"))],
    )


class CreditForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
