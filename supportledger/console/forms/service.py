"""Forms of the staff pages: they parse input, the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from supportledger.core.form_fields import InRangeDateField
from supportledger.service.models import RemoteTool


class BookAppointmentForm(forms.Form):
    request = forms.IntegerField(label=_("Request number"), min_value=1)
    consent = forms.IntegerField(label=_("Consent number"), min_value=1)
    agent = forms.IntegerField(label=_("Agent"), min_value=1)
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


class ConsentForm(forms.Form):
    request = forms.IntegerField(label=_("Request number"), min_value=1)
    contact = forms.IntegerField(label=_("Contact"), min_value=1)
    terms_version = forms.CharField(label=_("Terms version"), max_length=40)
    price_list_version = forms.CharField(label=_("Price list version"), max_length=40)


class StartSessionForm(forms.Form):
    consent = forms.IntegerField(label=_("Consent number"), min_value=1)
    agent = forms.IntegerField(label=_("Consultant"), min_value=1)


class AttachToolForm(forms.Form):
    code = forms.CharField(label=_("Customer's code"), max_length=20)
    tool = forms.ChoiceField(label=_("Tool"), choices=RemoteTool.choices)
    tool_session_id = forms.CharField(label=_("Tool session id"), max_length=64)


class DecideClaimForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)
    visited_on_site = forms.BooleanField(label=_("A technician visited on site"), required=False)
