"""Parsing of the console's forms; the choices come from the policy and the
rows, the rules stay in the actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from supportledger.console.pickers import PickerField, PickerForm
from supportledger.core import clock
from supportledger.core.form_fields import InRangeDateTimeField
from supportledger.core.input import FUTURE_WORK_TOLERANCE
from supportledger.customers.models import StaffMember
from supportledger.desk.models import Priority, Status
from supportledger.rules.types import CATEGORIES, MODES

MODE_CHOICES = [(m, m) for m in MODES]
CATEGORY_CHOICES = [(c, c) for c in CATEGORIES]


class QueueFilterForm(PickerForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("active")), ("all", _("all")), *Status.choices],
    )
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=10)
    customer = PickerField("customer", label=_("Customer"), required=False)
    product = PickerField("product", label=_("Product"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("any")), *Priority.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)


class NewRequestForm(PickerForm):
    customer = PickerField("customer", label=_("Customer"))
    contact = PickerField("contact", label=_("Contact"), required=False)
    product = PickerField("product", label=_("Product"), required=False)
    channel = forms.ChoiceField(label=_("Channel"))
    category = forms.ChoiceField(label=_("Category"), choices=CATEGORY_CHOICES)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("What the customer said"), widget=forms.Textarea, required=False)

    def __init__(self, *args: object, channels: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["channel"].choices = [(c, c) for c in channels]  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)
    internal = forms.BooleanField(label=_("Internal note"), required=False)


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=StaffMember.objects.all(), required=False, label=_("Assignee")
    )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))


class PreviewForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="remote")
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=1440, initial=60)


class TimerStartForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="remote")


class TimerCorrectionForm(forms.Form):
    started_at = InRangeDateTimeField(label=_("Started at"))
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES)


class ManualWorkForm(forms.Form):
    started_at = InRangeDateTimeField(label=_("Started at"))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=1440)
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="remote")
    category = forms.ChoiceField(label=_("Category"), choices=CATEGORY_CHOICES, required=False)
    city = forms.CharField(label=_("City"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        started_at, minutes = data.get("started_at"), data.get("minutes")
        if started_at is None:
            return data
        if minutes and started_at + timedelta(minutes=minutes) > (
            clock.now() + FUTURE_WORK_TOLERANCE
        ):
            self.add_error(
                "started_at", _("Work is recorded once done: it cannot end in the future.")
            )
        return data
