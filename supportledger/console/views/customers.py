"""The customer seen whole: a searchable list and one page per customer with
everything the desk and billing know of it — contacts, licences and
activations, entitlements with balances and their ledger history, requests,
visits, remote sessions, claims, orders, invoices, the hold, and what work
would cost now in each mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from supportledger.billing.queries import list_invoices_for_customer, list_orders_for_customer
from supportledger.console.access import staff_required
from supportledger.console.views.eligibility import eligibility_context
from supportledger.core import clock
from supportledger.core.prepared import Prepared
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.customers.queries import list_contacts, search_customers
from supportledger.desk.queries import (
    get_customer_holdings,
    get_rating_preview,
    list_requests_for_customer,
)
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.queries import (
    LEDGER_HISTORY,
    list_licences_with_activations,
    list_recent_ledger_entries_query,
)
from supportledger.rules.types import MODES
from supportledger.service.queries import (
    list_appointments_for_customer,
    list_claims_for_customer,
    list_remote_sessions_for_customer,
)

# The ledger's reasons as the page names them (the model keeps stable codes).
LEDGER_REASONS = {
    "grant": pgettext_lazy("ledger entry", "granted"),
    "consume": pgettext_lazy("ledger entry", "used"),
    "reversal": pgettext_lazy("ledger entry", "reversed"),
    "adjustment": pgettext_lazy("ledger entry", "adjusted"),
}
PAGE_SIZE = 50
RECENT = 20  # rows of each list on the customer page; the full lists are a click away
PREVIEW_MINUTES = 60


def _recent(build: Callable[[Customer], QuerySet[Any]]) -> Prepared:
    """``build``'s query of a customer, its first ``RECENT`` rows, compiled
    once for any customer (``core.prepared``): the page runs ten of them."""
    return Prepared(lambda pk: build(Customer(pk=pk))[:RECENT], int)


_CUSTOMER = Prepared(lambda pk: Customer.objects.filter(pk=pk), int)
_CONTACTS = Prepared(lambda pk: list_contacts(Customer(pk=pk)), int)
_LEDGER = Prepared(
    lambda pk: list_recent_ledger_entries_query(Customer(pk=pk))[:LEDGER_HISTORY], int
)
_REQUESTS = _recent(list_requests_for_customer)
_VISITS = _recent(list_appointments_for_customer)
_SESSIONS = _recent(list_remote_sessions_for_customer)
_CLAIMS = _recent(list_claims_for_customer)
_ORDERS = _recent(list_orders_for_customer)
_INVOICES = _recent(list_invoices_for_customer)


@require_safe
@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    page = Paginator(search_customers(text), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/customers/list.html", {"page": page, "q": text})


@require_safe
@staff_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _CUSTOMER.objects(pk)
    if not found:
        raise Http404("No such customer.")
    customer = found[0]
    now = clock.now()
    policy_row = get_vendor_policy()
    today = local_date(now, policy_row.timezone)
    holdings = get_customer_holdings(customer, on=today)
    licences = list(list_licences_with_activations(customer))
    ledger = _LEDGER.objects(customer.pk)
    history: dict[int, list[Any]] = {}
    for entry in ledger:
        history.setdefault(entry.entitlement_id, []).append(entry)
    # What an hour of consultation would cost now, in every mode, on the
    # product the customer bought last (nothing written, nothing locked).
    previews = []
    product = licences[0].product if licences else None
    if product is not None:
        for mode in MODES:
            previews.append(
                (
                    mode,
                    get_rating_preview(
                        customer,
                        started_at=now,
                        ended_at=now + timedelta(minutes=PREVIEW_MINUTES),
                        mode=mode,
                        category="consultation",
                        product=product,
                        city=customer.city if mode == "onsite" else "",
                        policy_row=policy_row,
                        holdings=holdings,
                    ),
                )
            )
    return render(
        request,
        "console/customers/detail.html",
        {
            "customer": customer,
            "contacts": _CONTACTS.objects(customer.pk),
            "licences": licences,
            "entitlements": [(line, history.get(line.id, [])) for line in holdings.summary()],
            "requests": _REQUESTS.objects(customer.pk),
            "visits": _VISITS.objects(customer.pk),
            "sessions": _SESSIONS.objects(customer.pk),
            "claims": _CLAIMS.objects(customer.pk),
            "orders": _ORDERS.objects(customer.pk),
            "invoices": _INVOICES.objects(customer.pk),
            "previews": previews,
            "preview_product": product,
            "preview_minutes": PREVIEW_MINUTES,
            "timezone": policy_row.timezone,
            "ledger_reasons": LEDGER_REASONS,
            **eligibility_context(request, customer, [lc.product for lc in licences], now),
        },
    )
