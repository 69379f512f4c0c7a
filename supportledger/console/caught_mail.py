"""Caught mail: what the product sent while running with the local mail
catcher (``supportledger serve --all``, ``make run``), for staff to read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supportledger.console.access import staff_required
from supportledger.ops.caught_mail import get_caught_mail, list_caught_mail


@require_safe
@staff_required
def caught_mail_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/caught_mail.html", {"mails": list_caught_mail()})


@require_safe
@staff_required
def caught_mail_detail(request: HttpRequest, key: str) -> HttpResponse:
    mail = get_caught_mail(key)
    if mail is None:
        raise Http404
    return render(request, "console/caught_mail_detail.html", {"mail": mail})
