"""Forms of the console's mail pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.intake.thread import request_number_in_subject


class RouteForm(forms.Form):
    request = forms.CharField(
        required=False,
        max_length=30,
        label=gettext_lazy("Add to request"),
        help_text=gettext_lazy("A reference such as REQ-42; empty to open a new request."),
    )
    contact = forms.EmailField(
        required=False,
        label=gettext_lazy("Contact's e-mail"),
        help_text=gettext_lazy("Whose request it is; empty to use the sender."),
    )
    confirm_unauthenticated = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "I checked this message: route it although its sender failed authentication"
        ),
    )

    def clean_request(self) -> Request | None:
        value = self.cleaned_data["request"].strip()
        if not value:
            return None
        number = request_number_in_subject(value)
        if number is None and value.isdigit():
            number = int(value)
        request = Request.objects.filter(pk=number).first() if number else None
        if request is None:
            raise forms.ValidationError(_("No request %(reference)s.") % {"reference": value})
        return request

    def clean_contact(self) -> Contact | None:
        value = self.cleaned_data["contact"].strip()
        if not value:
            return None
        contacts = list(Contact.objects.filter(email__iexact=value)[:2])
        if len(contacts) != 1:
            raise forms.ValidationError(
                _("No single contact has the address %(email)s.") % {"email": value}
            )
        return contacts[0]
