"""Every console page by URL name, with the capability it needs.

Checked in one place, :class:`ConsoleRoleMiddleware`, for every request
under ``/console/``: a page whose URL name is not listed here is refused to
everyone (deny by default), and tests/console/test_role_matrix.py fails on
it. Which role holds which capability is written once, in
``supportledger.customers.permissions``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.customers.permissions import (
    BILL,
    CONFIGURE,
    DECIDE_CLAIMS,
    EDIT_CALENDAR,
    EDIT_OFFERS,
    MANAGE_DESK,
    PUBLIC,
    SEE_BILLING,
    SELL,
    STAFF,
    STAFF_ROLES,
    TAKE_PAYMENTS,
    WORK,
    role_can,
    staff_role_of,
)

logger = logging.getLogger(__name__)

CONSOLE_PREFIX = "/console/"

VIEW_CAPABILITIES: dict[str, str] = {
    # signing in and out, the second factor
    "console:login": PUBLIC,
    "console:logout": PUBLIC,
    "console:login_code": PUBLIC,
    "console:second_factor": STAFF,
    "console:reset_second_factor": STAFF,
    "console:staff_second_factors": CONFIGURE,
    "console:reset_staff_second_factor": CONFIGURE,
    # the desk
    "console:queue": WORK,
    "console:new_request": WORK,
    "console:request": WORK,
    "console:post_message": WORK,
    "console:change_status": WORK,
    "console:assign": WORK,
    "console:set_priority": WORK,
    "console:start_timer": WORK,
    "console:stop_timer": WORK,
    "console:record_work": WORK,
    "console:my_timers": WORK,
    "console:discard_timer": WORK,
    "console:correct_timer": WORK,
    "console:attachment": WORK,
    "console:response_targets": WORK,
    "console:queue_bulk": WORK,
    "console:save_queue_filter": WORK,
    "console:delete_queue_filter": WORK,
    "console:merge_request": WORK,
    "console:canned_replies": MANAGE_DESK,
    "console:delete_canned_reply": MANAGE_DESK,
    # pickers: the rows matching what is typed in a form's search field
    "console:pick": WORK,
    # offers: every staff member reads them (the views let only managers and
    # administrators write on the pages that both show and change)
    "console:offers": WORK,
    "console:offer": WORK,
    "console:consent_terms": WORK,
    "console:offer_new": EDIT_OFFERS,
    "console:offer_price": EDIT_OFFERS,
    "console:offer_sell": SELL,
    # mail the local catcher caught (make run): what the system sent
    "console:caught_mail": WORK,
    "console:caught_mail_detail": WORK,
    # the seller's identity and billing settings
    "console:seller": CONFIGURE,
    # the business calendar's working-day exceptions: every staff member
    # reads them, managers and administrators change them
    "console:calendar": WORK,
    "console:calendar_day": EDIT_CALENDAR,
    # customers (their page also lists the customer's orders and invoices)
    "customers:list": WORK,
    "customers:detail": WORK,
    # selling from the customer's page: licences, vouchers, contracts,
    # incident packs, renewals and extensions of support (preview, confirm)
    "customers:sell": SELL,
    # mail intake
    "intake:mail_list": WORK,
    "intake:mail_detail": WORK,
    "intake:mail_raw": WORK,
    "intake:mail_route": WORK,
    # mail out: what was not delivered, and sending it again
    "console:outbox": WORK,
    "console:retry_mail": WORK,
    # visits, remote sessions, work and claims
    "service:appointments": WORK,
    "service:book_appointment": WORK,
    "service:reschedule_appointment": WORK,
    "service:cancel_appointment": WORK,
    "service:sessions": WORK,
    "service:record_consent": WORK,
    "service:start_session": WORK,
    "service:attach_tool": WORK,
    "service:end_session": WORK,
    "service:work": WORK,
    "service:confirm_work": WORK,
    "service:claims": DECIDE_CLAIMS,
    "service:accept_claim": DECIDE_CLAIMS,
    "service:reject_claim": DECIDE_CLAIMS,
    # billing
    "billing:invoices": SEE_BILLING,
    "billing:invoice": SEE_BILLING,
    "billing:invoice_pdf": SEE_BILLING,
    "billing:invoice_xml": SEE_BILLING,
    "billing:orders": SEE_BILLING,
    "billing:export": BILL,
    "billing:run_billing": BILL,
    "billing:billing_run": BILL,
    "billing:issue_drafts": BILL,
    "billing:issue_invoice": BILL,
    "billing:cancel_invoice": BILL,
    "billing:mark_invoice_paid": TAKE_PAYMENTS,
    "billing:credit_invoice": TAKE_PAYMENTS,
}


def capability_of(view_name: str) -> str | None:
    """The capability a console page needs; None when the page is unclassified."""
    return VIEW_CAPABILITIES.get(view_name)


def roles_with(capability: str) -> list[str]:
    return [role for role in STAFF_ROLES if role_can(role, capability)]


def _audit_refusal(
    request: HttpRequest, view_name: str, capability: str | None, role: str | None
) -> None:
    write_audit(
        acting_user=request.user,
        action="refuse_access",
        obj=request.user,  # type: ignore[arg-type]
        at=clock.now(),
        detail={
            "door": "console",
            "view": view_name,
            "method": request.method or "",
            "path": request.path[:300],
            "role": role or "",
            "needs": capability or "unclassified",
        },
    )


def refuse(request: HttpRequest, view_name: str, capability: str | None) -> HttpResponse:
    """403 with the reason, and an audit row naming who was refused what."""
    role = staff_role_of(request.user)
    if request.user.is_authenticated:
        _audit_refusal(request, view_name, capability, role)
    if capability is None:
        logger.error("Console page %s is not in the role matrix; refused.", view_name)
        message = _("This page is not open to any role yet.")
    elif role is None:
        message = _("Only staff may use the console.")
    else:
        message = _("Your role (%(role)s) may not do this; it needs: %(roles)s.") % {
            "role": role,
            "roles": ", ".join(roles_with(capability)),
        }
    return render(request, "console/refused.html", {"message": message}, status=403)


class ConsoleRoleMiddleware:
    """Checks every console request against ``VIEW_CAPABILITIES`` before its view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.path.startswith(CONSOLE_PREFIX) or request.resolver_match is None:
            return None
        view_name = request.resolver_match.view_name
        capability = capability_of(view_name)
        if capability == PUBLIC:
            return None
        if capability is not None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("console:login"))
        if capability is None or not role_can(staff_role_of(request.user), capability):
            return refuse(request, view_name, capability)
        return None
