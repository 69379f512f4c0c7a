"""The vendor's working-day exceptions (``/console/calendar/``): the extra
days off and the extra working days of its business calendar, e.g. the
Saturdays a Hungarian decree makes working days. Every staff member reads
them; managers and administrators add and remove them
(``core.actions.do_set_calendar_day``)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from supportledger.console.access import staff_required
from supportledger.console.run import run_action, show_form_errors
from supportledger.core.actions import do_set_calendar_day
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.permissions import EDIT_CALENDAR, role_can, staff_role_of


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Make it"),
        choices=[
            ("working_day", gettext_lazy("an extra working day")),
            ("closure", gettext_lazy("an extra day off")),
            ("normal", gettext_lazy("an ordinary day again")),
        ],
    )


def _days(values: list[str]) -> list[date]:
    return sorted(date.fromisoformat(v) for v in values)


@require_safe
@staff_required
def calendar(request: HttpRequest) -> HttpResponse:
    policy = get_vendor_policy()
    return render(
        request,
        "console/calendar.html",
        {
            "policy": policy,
            "working_days": _days(policy.extra_working_days),
            "closures": _days(policy.closures),
            "form": CalendarDayForm(initial={"kind": "working_day"}),
            "editor": role_can(staff_role_of(request.user), EDIT_CALENDAR),
        },
    )


@require_POST
@staff_required
def calendar_day(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("console:calendar")
    day, kind = form.cleaned_data["day"], form.cleaned_data["kind"]
    run_action(
        request,
        lambda: do_set_calendar_day(acting_user=request.user, day=day, kind=kind),
        done=_("%(day)s is now %(what)s.")
        % {"day": day.isoformat(), "what": dict(form.fields["kind"].choices)[kind]},  # type: ignore[attr-defined]
    )
    return redirect("console:calendar")
