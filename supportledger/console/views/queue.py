"""The queue's tools beyond filtering: bulk assignment and status changes,
saved filters per agent, merging a duplicate request, canned replies.
Every write goes through a desk action (audited); a refusal for one request
of a bulk change is shown against that request and stops none of the
others."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supportledger.console.access import staff_required
from supportledger.console.run import run_action
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import StaffMember
from supportledger.desk import queries
from supportledger.desk.actions.canned_replies import do_delete_canned_reply, do_save_canned_reply
from supportledger.desk.actions.merge import do_merge_request
from supportledger.desk.actions.saved_filters import do_delete_queue_filter, do_save_queue_filter
from supportledger.desk.actions.status import do_assign_request, do_change_request_status
from supportledger.desk.models import CannedReply, SavedFilter, Status

BULK_LIMIT = 200
"""The most requests one bulk change touches."""


def _staff(request: HttpRequest) -> StaffMember:
    return request.staff_member  # type: ignore[attr-defined,no-any-return]


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("next", "")
    return redirect(reverse("console:queue") + (f"?{query}" if query else ""))


@require_POST
@staff_required
def bulk_change(request: HttpRequest) -> HttpResponse:
    """Assign the ticked requests, or move their status, one action per
    request; each refusal is shown with the request's reference."""
    ids = [value for value in request.POST.getlist("requests") if value.isdigit()][:BULK_LIMIT]
    what = request.POST.get("do", "")
    if not ids:
        messages.error(request, _("Tick at least one request."))
        return _back_to_queue(request)
    if what == "assign":
        picked = request.POST.get("assignee", "")
        if picked == "me":
            assignee: StaffMember | None = _staff(request)
        elif picked == "none":
            assignee = None
        else:
            found = StaffMember.objects.filter(pk=int(picked)).first() if picked.isdigit() else None
            if found is None:
                messages.error(request, _("assignee: pick a member of staff."))
                return _back_to_queue(request)
            assignee = found

        def change(desk_request: object) -> object:
            return do_assign_request(
                acting_user=request.user,
                request=desk_request,  # type: ignore[arg-type]
                assignee=assignee,
            )

    elif what == "status":
        to = request.POST.get("to", "")
        if to not in Status.values:
            messages.error(request, _("to: pick a status."))
            return _back_to_queue(request)

        def change(desk_request: object) -> object:
            return do_change_request_status(
                acting_user=request.user,
                request=desk_request,  # type: ignore[arg-type]
                to=to,
            )

    else:
        messages.error(request, _("Pick what to do with the ticked requests."))
        return _back_to_queue(request)
    done = 0
    for desk_request in queries.list_requests_by_ids([int(pk) for pk in ids]):
        try:
            change(desk_request)
        except ActionRefused as refused:
            messages.error(
                request,
                _("%(request)s: %(reason)s")
                % {"request": desk_request.reference, "reason": refused.message},
            )
        else:
            done += 1
    if done:
        messages.success(request, _("%(count)s requests changed.") % {"count": done})
    return _back_to_queue(request)


@require_POST
@staff_required
def save_filter(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("next", "")
    run_action(
        request,
        lambda: do_save_queue_filter(
            acting_user=request.user,
            agent=_staff(request),
            name=request.POST.get("name", ""),
            query=QueryDict(query).dict(),
        ),
        done=lambda saved: _("Filter %(name)s saved.") % {"name": saved.name},
    )
    return _back_to_queue(request)


@require_POST
@staff_required
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    saved = SavedFilter.objects.filter(pk=pk, agent=_staff(request)).first()
    if saved is None:
        raise Http404("No such filter.")
    run_action(
        request,
        lambda: do_delete_queue_filter(acting_user=request.user, saved=saved),
        done=_("Filter deleted."),
    )
    return redirect("console:queue")


@require_POST
@staff_required
def merge_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this request (a duplicate) into the one named in ``into``
    (``REQ-12`` or ``12``)."""
    duplicate = queries.get_request_for_staff(pk)
    target = queries.get_request_by_reference(request.POST.get("into", ""))
    if target is None:
        messages.error(
            request,
            "into: " + _("no request %(named)s.") % {"named": request.POST.get("into", "")},
        )
        return redirect("console:request", pk)
    outcome = run_action(
        request,
        lambda: do_merge_request(acting_user=request.user, duplicate=duplicate, into=target),
        done=lambda merged: (
            _("%(duplicate)s merged into %(into)s.")
            % {"duplicate": duplicate.reference, "into": merged.reference}
        ),
    )
    return redirect("console:request", target.pk if outcome.done else pk)


@staff_required
def canned_replies(request: HttpRequest) -> HttpResponse:
    """The canned replies, by language; managers add, change and delete."""
    if request.method == "POST":
        reply = None
        if request.POST.get("reply", "").isdigit():
            reply = CannedReply.objects.filter(pk=int(request.POST["reply"])).first()
        outcome = run_action(
            request,
            lambda: do_save_canned_reply(
                acting_user=request.user,
                title=request.POST.get("title", ""),
                language=request.POST.get("language", ""),
                body=request.POST.get("body", ""),
                reply=reply,
            ),
            done=lambda saved: _("Reply %(title)s saved.") % {"title": saved.title},
        )
        if outcome.done:
            return redirect("console:canned_replies")
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = CannedReply.objects.filter(pk=int(request.GET["edit"])).first()
    posted: object = request.POST if request.method == "POST" else {}
    if editing is not None and request.method != "POST":
        posted = {"title": editing.title, "language": editing.language, "body": editing.body}
    return render(
        request,
        "console/desk/canned_replies.html",
        {
            "replies": queries.list_canned_replies(),
            "languages": settings.LANGUAGES,
            "posted": posted,
            "editing": editing,
        },
    )


@require_POST
@staff_required
def delete_canned_reply(request: HttpRequest, pk: int) -> HttpResponse:
    reply = CannedReply.objects.filter(pk=pk).first()
    if reply is None:
        raise Http404("No such reply.")
    run_action(
        request,
        lambda: do_delete_canned_reply(acting_user=request.user, reply=reply),
        done=_("Reply deleted."),
    )
    return redirect("console:canned_replies")
