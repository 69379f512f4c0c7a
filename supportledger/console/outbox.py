"""Staff page of the outbox: mail not delivered yet (waiting for its next
attempt, or given up) with the last error, and a button to send it again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.core.errors import ActionRefused
from supportledger.intake.queries import get_outbound_mail, list_undelivered_mail
from supportledger.mail.outbox import do_retry_outbound_mail

PAGE_SIZE = 200


@require_safe
@staff_required
def outbox(request: HttpRequest) -> HttpResponse:
    rows = list(list_undelivered_mail()[:PAGE_SIZE])
    return render(request, "console/outbox.html", {"rows": rows})


@require_POST
@staff_required
def retry_mail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_outbound_mail(pk)
    try:
        do_retry_outbound_mail(acting_user=request.user, mail=mail)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The mail to %(to)s will be sent again.") % {"to": mail.to})
    return redirect("console:outbox")
