"""Staff pages of the mail intake, under /console/mail/: the quarantine (and
every other inbound message), one message with its raw download, and the
route action."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.intake.actions import do_route_inbound_message
from supportledger.intake.models import InboundStatus
from supportledger.intake.queries import get_inbound_message, list_inbound_messages
from supportledger.intake.thread import request_number_in_subject

PAGE_SIZE = 100


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


@require_safe
@staff_required
def mail_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in InboundStatus.values:
        status = ""
    rows = list(list_inbound_messages(status or None)[:PAGE_SIZE])
    return render(
        request,
        "console/mail/list.html",
        {"rows": rows, "status": status, "statuses": InboundStatus.choices},
    )


@require_safe
@staff_required
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_inbound_message(pk)
    return render(request, "console/mail/detail.html", {"message": message, "form": RouteForm()})


@require_safe
@staff_required
def mail_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The message exactly as received, as a download: never shown inline."""
    message = get_inbound_message(pk)
    response = HttpResponse(bytes(message.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@staff_required
def mail_route(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_inbound_message(pk)
    form = RouteForm(request.POST)
    if form.is_valid():
        try:
            routed = do_route_inbound_message(
                acting_user=request.user,
                message=message,
                request=form.cleaned_data["request"],
                contact=form.cleaned_data["contact"],
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("The message was routed to %(reference)s.")
                % {"reference": routed.request.reference if routed.request else ""},
            )
            return redirect("intake:mail_detail", pk=message.pk)
    return render(
        request, "console/mail/detail.html", {"message": message, "form": form}, status=400
    )
