"""The console's mail pages, under /console/mail/: the quarantine (and
every other inbound message), one message with its raw download, and the
route action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.console.forms.mail import RouteForm
from supportledger.console.run import run_action
from supportledger.intake.actions.route import UNAUTHENTICATED_REASONS, do_route_inbound_message
from supportledger.intake.queries import get_inbound_message, list_inbound_messages
from supportledger.mail.models import InboundStatus

PAGE_SIZE = 100


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
    return render(request, "console/mail/detail.html", _detail_context(message, RouteForm()))


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
        routed = run_action(
            request,
            lambda: do_route_inbound_message(
                acting_user=request.user,
                message=message,
                request=form.cleaned_data["request"],
                contact=form.cleaned_data["contact"],
                confirm_unauthenticated=form.cleaned_data["confirm_unauthenticated"],
            ),
            done=lambda routed: (
                _("The message was routed to %(reference)s.")
                % {"reference": routed.request.reference if routed.request else ""}
            ),
            form=form,
        )
        if routed.done:
            return redirect("intake:mail_detail", pk=message.pk)
    return render(request, "console/mail/detail.html", _detail_context(message, form), status=400)


def _detail_context(message: Any, form: RouteForm) -> dict[str, Any]:
    """The page, with the confirmation asked only for a message held because
    its sender failed authentication."""
    unauthenticated = message.reason in UNAUTHENTICATED_REASONS
    if not unauthenticated:
        form.fields.pop("confirm_unauthenticated", None)
    return {"message": message, "form": form, "unauthenticated": unauthenticated}
