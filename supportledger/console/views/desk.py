"""The console's desk pages: the queue, a request and its actions, a new
request, the response targets. Plain function views that parse a form, run a
desk action (``console.run``) or query, and render. Every view is staff-only
(``staff_required``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.console.forms.desk import (
    AssignForm,
    ManualWorkForm,
    MessageForm,
    NewRequestForm,
    PreviewForm,
    PriorityForm,
    QueueFilterForm,
    StatusForm,
    TimerCorrectionForm,
    TimerStartForm,
)
from supportledger.console.run import run_action, show_form_errors
from supportledger.core import clock
from supportledger.core.downloads import attachment_response
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer, StaffMember
from supportledger.desk import queries
from supportledger.desk.actions.requests import allowed_channels, do_open_request, mode_of_channel
from supportledger.desk.actions.status import (
    do_assign_request,
    do_change_request_status,
    do_set_request_priority,
)
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.timers import (
    do_correct_timer,
    do_discard_timer,
    do_start_timer,
    do_stop_timer,
)
from supportledger.desk.actions.work import do_record_manual_work
from supportledger.desk.models import (
    TRANSITIONS,
    Priority,
    Request,
    Status,
    mode_label,
    request_reference,
)
from supportledger.entitlements.convert import local_date
from supportledger.rules.response import is_first_response_overdue
from supportledger.rules.types import CATEGORIES, MODES

PAGE_SIZE = 50


def _staff(request: HttpRequest) -> StaffMember:
    return request.staff_member  # type: ignore[attr-defined,no-any-return]


def _back(pk: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("console:request", args=[pk]) + anchor)


@require_safe
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    # The fields that parse filter even when another one (a picker that
    # matched nothing, say) is refused; its error shows under it.
    form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    customer, product = data.get("customer"), data.get("product")
    filters = queries.QueueFilters(
        status=data.get("status") or "",
        assignee=data.get("assignee") or "",
        customer=str(customer.pk) if customer else "",
        product=str(product.pk) if product else "",
        priority=data.get("priority") or "",
        overdue=bool(data.get("overdue")),
        search=data.get("q") or "",
    )
    now = clock.now()
    page = QueuePage.of(filters, _staff(request), now, request.GET.get("page"))
    _prepare_rows(page.object_list, now)
    query = request.GET.copy()
    query.pop("page", None)
    # The filter's selects as plain markup: rendering form widgets through
    # their templates cost more than the rows of the page.
    return render(
        request,
        "console/desk/queue.html",
        {
            "form": form,
            "page": page,
            "now": now,
            "query": query.urlencode(),
            "status_choices": form.fields["status"].choices,
            "priority_choices": form.fields["priority"].choices,
            "picked": {
                "status": request.GET.get("status", ""),
                "priority": request.GET.get("priority", ""),
                "overdue": bool(data.get("overdue")),
            },
            "saved_filters": queries.list_saved_filters(_staff(request)),
            "staff": queries.list_staff_choices(),
            "all_statuses": Status.choices,
        },
    )


@dataclass
class QueuePage:
    """One page of the queue without counting the whole result: one row more
    than a page is read to know whether a next page exists (a COUNT over a
    large queue costs more than the page itself)."""

    object_list: list[dict[str, Any]]
    number: int
    has_next: bool

    @classmethod
    def of(
        cls,
        filters: queries.QueueFilters,
        me: StaffMember | None,
        now: datetime,
        number: str | None,
    ) -> QueuePage:
        try:
            page = max(1, min(int(number or 1), 100_000))
        except ValueError:
            page = 1
        found = queries.list_queue_page(
            filters, me=me, now=now, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1
        )
        return cls(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _prepare_rows(rows: list[dict[str, Any]], now: datetime) -> None:
    """Each plain row of ``list_queue_page`` given its ``pk``, ``reference``
    and ``html``, the table row the queue shows: worked out once per page,
    labels from one lookup table, times formatted, every value escaped.
    Written here, not in the template: the template language's cost for a
    page's 50 rows was about a fifth of the page's time (docs/speed.md)."""
    statuses = {value: escape(label) for value, label in Status.choices}
    priorities = {value: escape(label) for value, label in Priority.choices}
    link = reverse("console:request", args=[0]).removesuffix("0/")
    customer_link = reverse("customers:detail", args=[0]).removesuffix("0/")
    on_hold = f' <span class="flag hold">{escape(_("on hold"))}</span>'
    answered = escape(_("answered"))
    paused = f'<span class="flag paused">{escape(_("paused"))}</span>'
    for row in rows:
        pk, status = row["id"], row["status"]
        due = row["response_due_at"]
        if row["first_response_at"]:
            due_text = answered
        elif due:
            due_text = escape(_minute(due))
        elif row["response_remaining_minutes"] is not None:
            due_text = paused
        else:
            due_text = "—"
        reference = escape(request_reference(pk))
        overdue = is_first_response_overdue(due, row["first_response_at"], now)
        row_class = ' class="overdue"' if overdue else ""
        code, assignee = row["product__code"], row["assignee__user__username"]
        row["pk"], row["reference"] = pk, reference
        row["html"] = SafeString(
            f"<tr{row_class}>"
            f'<td><input type="checkbox" name="requests" value="{pk}"'
            f' aria-label="{reference}"></td>'
            f'<td><a href="{link}{pk}/">{reference}</a></td>'
            f"<td>{escape(row['subject'])}</td>"
            f'<td><a href="{customer_link}{row["customer_id"]}/">'
            f"{escape(row['customer__organisation'])}</a>"
            f"{on_hold if row['customer__on_hold'] else ''}</td>"
            f"<td>{escape(code) if code else '—'}</td>"
            f'<td><span class="badge" data-status="{escape(status)}">'
            f"{statuses.get(status) or escape(status)}</span></td>"
            f"<td>{priorities.get(row['priority']) or escape(row['priority'])}</td>"
            f"<td>{escape(assignee) if assignee else '—'}</td>"
            f"<td>{due_text}</td>"
            f"<td>{escape(_minute(row['created_at']))}</td>"
            "</tr>"
        )


def _minute(instant: datetime | None) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M") if instant else ""


@staff_required
def new_request(request: HttpRequest) -> HttpResponse:
    policy_row = get_vendor_policy()
    channels = allowed_channels(policy_row)
    initial: dict[str, Any] = {"channel": "phone"}
    # Opened from a customer's page: that customer is chosen already.
    chosen = request.GET.get("customer", "")
    if chosen.isdigit() and len(chosen) < 12:
        initial["customer"] = Customer.objects.filter(pk=int(chosen)).first()
    form = NewRequestForm(request.POST or None, channels=channels, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opened = run_action(
            request,
            lambda: do_open_request(
                acting_user=request.user,
                customer=data["customer"],
                contact=data["contact"],
                product=data["product"],
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                channel=data["channel"],
                priority=data["priority"],
            ),
            done=lambda opened: _("Request %(ref)s opened.") % {"ref": opened.reference},
            form=form,
        )
        if opened.value is not None:
            warning = _eligibility_refusal(
                opened.value,
                mode=mode_of_channel(data["channel"]),
                category=data["category"],
                at=clock.now(),
            )
            if warning:
                messages.warning(request, warning)
            return _back(opened.value.pk)
    return render(request, "console/desk/new_request.html", {"form": form})


@require_safe
@staff_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff_page(pk)
    agent = _staff(request)
    now = clock.now()
    policy_row = get_vendor_policy()
    today = local_date(now, policy_row.timezone)
    preview_form = PreviewForm(request.GET or None)
    mode, minutes = "remote", 60
    if preview_form.is_bound and preview_form.is_valid():
        mode = preview_form.cleaned_data["mode"]
        minutes = preview_form.cleaned_data["minutes"]
    # Read once for both the summary and the preview (the preview starts now,
    # so it is rated on the same day).
    holdings = queries.get_customer_holdings(desk_request.customer, on=today)
    try:
        preview = queries.preview_cost(
            desk_request,
            mode=mode,
            minutes=minutes,
            now=now,
            policy_row=policy_row,
            holdings=holdings,
        )
    except ActionRefused as refused:
        preview = refused
    language = desk_request.contact.language if desk_request.contact else ""
    canned = list(queries.list_canned_replies())
    picked = next((c for c in canned if str(c.pk) == request.GET.get("canned")), None)
    # Times on the page (and the default "Started at") in the policy's zone.
    with timezone.override(ZoneInfo(policy_row.timezone)):
        return render(
            request,
            "console/desk/request.html",
            {
                "r": desk_request,
                "customer": desk_request.customer,
                "thread": queries.list_thread_for_staff_page(desk_request),
                "entitlements": holdings.summary(),
                "work": queries.list_work_lines(desk_request),
                "timer": queries.get_running_timer(desk_request, agent),
                "preview": preview,
                "preview_mode": mode,
                "preview_minutes": minutes,
                "next_statuses": [
                    (s, Status(s).label)
                    for s in Status.values
                    if s in TRANSITIONS[desk_request.status]
                ],
                "staff": queries.list_staff_choices(),
                "priorities": Priority.choices,
                "modes": MODES,
                "categories": CATEGORIES,
                "now": now,
                "response_overdue": is_first_response_overdue(
                    desk_request.response_due_at, desk_request.first_response_at, now
                ),
                "time_zone": policy_row.timezone,
                # The contact's language first, then the others.
                "canned_replies": sorted(canned, key=lambda c: (c.language != language,)),
                "reply_text": picked.body if picked is not None else "",
            },
        )


@require_POST
@staff_required
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        files = [
            (f.name, f.content_type or "", f.read()) for f in request.FILES.getlist("attachments")
        ]
        run_action(
            request,
            lambda: do_post_message(
                acting_user=request.user,
                request=desk_request,
                body_text=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                attachments=files,
            ),
            done=_("Message added."),
        )
    return _back(pk, "#thread")


@require_POST
@staff_required
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    form = StatusForm(request.POST)
    to = request.POST.get("to", "")

    def change() -> None:
        if not form.is_valid():
            raise ActionRefused("invalid", _("Unknown status %(to)s.") % {"to": to})
        do_change_request_status(acting_user=request.user, request=desk_request, to=to)

    run_action(
        request,
        change,
        done=lambda _none: _("Status changed to %(to)s.") % {"to": Status(to).label},
    )
    return _back(pk)


@require_POST
@staff_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    if request.POST.get("assignee") == "me":
        assignee: StaffMember | None = _staff(request)
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown assignee."))
            return _back(pk)
        assignee = form.cleaned_data["assignee"]
    run_action(
        request,
        lambda: do_assign_request(
            acting_user=request.user, request=desk_request, assignee=assignee
        ),
    )
    return _back(pk)


@require_POST
@staff_required
def set_priority(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    form = PriorityForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: do_set_request_priority(
                acting_user=request.user,
                request=desk_request,
                priority=form.cleaned_data["priority"],
            ),
        )
    else:
        messages.error(request, _("Unknown priority."))
    return _back(pk)


@require_POST
@staff_required
def start_timer(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown mode."))
        return _back(pk, "#time")
    run_action(
        request,
        lambda: do_start_timer(
            acting_user=request.user,
            request=desk_request,
            agent=_staff(request),
            mode=form.cleaned_data["mode"],
        ),
    )
    return _back(pk, "#time")


@require_POST
@staff_required
def stop_timer(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    run_action(
        request,
        lambda: do_stop_timer(
            acting_user=request.user, request=desk_request, agent=_staff(request)
        ),
        done=lambda work: _("Work recorded on %(request)s.") % {"request": desk_request.reference},
    )
    return _back(pk, "#time")


@require_safe
@staff_required
def my_timers(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's running timers, wherever they were started."""
    policy_zone = ZoneInfo(get_vendor_policy().timezone)
    with timezone.override(policy_zone):
        return render(
            request,
            "console/desk/timers.html",
            {"timers": queries.list_running_timers(_staff(request)), "modes": MODES},
        )


def _after_timer(request: HttpRequest, pk: int) -> HttpResponse:
    """Back where the agent came from: the timers page or the request."""
    if request.POST.get("next") == "timers":
        return redirect("console:my_timers")
    return _back(pk, "#time")


@require_POST
@staff_required
def discard_timer(request: HttpRequest, timer_pk: int) -> HttpResponse:
    timer = queries.get_running_timer_of(_staff(request), timer_pk)
    run_action(
        request,
        lambda: do_discard_timer(acting_user=request.user, timer=timer),
        done=_("Timer discarded; no work was recorded."),
    )
    return _after_timer(request, timer.request_id)


@require_POST
@staff_required
def correct_timer(request: HttpRequest, timer_pk: int) -> HttpResponse:
    timer = queries.get_running_timer_of(_staff(request), timer_pk)
    form = TimerCorrectionForm(request.POST)
    with timezone.override(ZoneInfo(get_vendor_policy().timezone)):
        valid = form.is_valid()
    if not valid:
        show_form_errors(request, form)
        return _after_timer(request, timer.request_id)
    run_action(
        request,
        lambda: do_correct_timer(
            acting_user=request.user,
            timer=timer,
            started_at=form.cleaned_data["started_at"],
            mode=form.cleaned_data["mode"],
        ),
        done=_("Timer corrected."),
    )
    return _after_timer(request, timer.request_id)


def _eligibility_refusal(
    desk_request: Request, *, mode: str, category: str | None, at: datetime
) -> str:
    """Why the customer may not get this work (``get_service_eligibility``,
    the answer the customer page, the API and the portal give), else ''."""
    if desk_request.product is None:
        return ""
    answer = queries.get_service_eligibility(
        desk_request.customer,
        mode=mode,
        category=category or desk_request.category,
        product=desk_request.product,
        at=at,
        request=desk_request,
    )
    if answer.allowed:
        return ""
    return _("%(mode)s is not available to this customer: %(reason)s") % {
        "mode": mode_label(mode),
        "reason": answer.message,
    }


@require_POST
@staff_required
def record_work(request: HttpRequest, pk: int) -> HttpResponse:
    desk_request = queries.get_request_for_staff(pk)
    form = ManualWorkForm(request.POST)
    # "Started at" is wall-clock time where the vendor works: parsed in the
    # policy's time zone (a time skipped by a DST change is refused).
    with timezone.override(ZoneInfo(get_vendor_policy().timezone)):
        valid = form.is_valid()
    if not valid:
        show_form_errors(request, form)
        return _back(pk, "#time")
    data = form.cleaned_data
    refusal = _eligibility_refusal(
        desk_request, mode=data["mode"], category=data["category"], at=data["started_at"]
    )
    if refusal:
        messages.error(request, refusal)
        return _back(pk, "#time")
    run_action(
        request,
        lambda: do_record_manual_work(
            acting_user=request.user,
            request=desk_request,
            agent=_staff(request),
            started_at=data["started_at"],
            minutes=data["minutes"],
            mode=data["mode"],
            category=data["category"] or None,
            city=data["city"] or None,
        ),
        done=_("Work recorded."),
    )
    return _back(pk, "#time")


@require_safe
@staff_required
def download_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(queries.get_attachment_for_staff(pk))


@require_safe
@staff_required
def response_targets(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    rows = list(queries.list_response_watch(now=now))
    for row in rows:
        row.overdue = is_first_response_overdue(row.response_due_at, row.first_response_at, now)
    return render(request, "console/desk/response_targets.html", {"rows": rows, "now": now})
