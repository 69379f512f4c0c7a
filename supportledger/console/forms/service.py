"""Forms of the staff pages: they parse input, the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from supportledger.catalog.models import ServicePrice
from supportledger.console.pickers import PickerField, PickerForm
from supportledger.core.form_fields import InRangeDateField
from supportledger.service.models import RemoteTool


class BookAppointmentForm(PickerForm):
    request = PickerField("request", label=_("Request"))
    consent = PickerField("consent", label=_("Consent"))
    agent = PickerField("agent", label=_("Agent"))
    day = InRangeDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    city = forms.CharField(label=_("City"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class RescheduleForm(forms.Form):
    day = InRangeDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ConsentForm(PickerForm):
    request = PickerField("request", label=_("Request"))
    # Of the request's customer: the picker is scoped by the request.
    contact = PickerField("contact", label=_("Contact"))
    terms_version = forms.CharField(label=_("Terms version"), max_length=40)
    price_list_version = forms.ChoiceField(label=_("Price list"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The service price lists there are, newest first (a version is the
        # first day of one), instead of a date typed from memory.
        days = (
            ServicePrice.objects.order_by("-effective_from")
            .values_list("effective_from", flat=True)
            .distinct()
        )
        choices = [(day.isoformat(), day.isoformat()) for day in days]
        field = self.fields["price_list_version"]
        field.choices = choices  # type: ignore[attr-defined]
        if choices:
            field.initial = choices[0][0]

    def scope_of(self, name: str, data: dict[str, Any]) -> int | None:
        if name == "contact":
            request = data.get("request")
            return None if request is None else int(request.customer_id)
        return super().scope_of(name, data)


class StartSessionForm(PickerForm):
    consent = PickerField("consent", label=_("Consent"))
    agent = PickerField("agent", label=_("Consultant"))


class AttachToolForm(forms.Form):
    code = forms.CharField(label=_("Customer's code"), max_length=20)
    tool = forms.ChoiceField(label=_("Tool"), choices=RemoteTool.choices)
    tool_session_id = forms.CharField(label=_("Tool session id"), max_length=64)


class DecideClaimForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)
    visited_on_site = forms.BooleanField(label=_("A technician visited on site"), required=False)
