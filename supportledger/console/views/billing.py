"""The console's billing pages, under /console/billing/.

Each view parses its form, runs one action (``console.run``) or query and renders. Amounts
are shown as stored (already rounded by the rules); nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supportledger.billing import queries
from supportledger.billing.actions.invoices import (
    do_cancel_invoice,
    do_credit_invoice,
    do_issue_invoice,
    do_mark_invoice_paid,
)
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.queries import (
    get_electronic_document,
    list_electronic_documents,
)
from supportledger.billing.export import export_csv, export_json, export_xlsx
from supportledger.billing.models import BillingRun, BillingRunKind, BillingRunStatus, Invoice
from supportledger.billing.pdf import render_invoice_pdf
from supportledger.billing.queries import count_drafts_of_period, list_billing_runs
from supportledger.billing.runs import do_request_billing_run
from supportledger.console.access import staff_required
from supportledger.console.forms.billing import (
    CreditForm,
    ExportForm,
    InvoiceFilterForm,
    RunBillingForm,
)
from supportledger.console.run import run_action, show_form_errors

LIST_LIMIT = 200
"""Rows per list page; filters narrow it down."""


@require_safe
@staff_required
def invoices(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and not form.is_valid():
        show_form_errors(request, form)
    elif form.is_bound:
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if "customer" in filters:
            filters["customer"] = filters["customer"].pk
    rows = queries.list_invoices_for_console(**filters)[:LIST_LIMIT]
    return render(
        request,
        "console/billing/invoices.html",
        {
            "form": form,
            "invoices": rows,
            "limit": LIST_LIMIT,
            "export_form": ExportForm(),
        },
    )


def _invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("customer", "credits"), pk=pk)


@require_safe
@staff_required
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    return render(
        request,
        "console/billing/invoice.html",
        {
            "invoice": row,
            "lines": row.lines.order_by("position"),
            "credit_notes": row.credit_notes.order_by("id"),
            "credit_form": CreditForm(),
            "electronic_documents": list_electronic_documents(row),
        },
    )


@require_safe
@staff_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    if row.number is None:
        messages.error(request, _("A draft has no PDF; issue it first."))
        return redirect("billing:invoice", pk=pk)
    response = HttpResponse(render_invoice_pdf(row), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{row.number}.pdf"'
    return response


@require_safe
@staff_required
def invoice_xml(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    row = _invoice(pk)
    document = get_electronic_document(row, kind)
    if document is None:
        raise Http404
    response = HttpResponse(document.content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@require_POST
@staff_required
def issue_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    run_action(
        request,
        lambda: do_issue_invoice(acting_user=request.user, invoice=row),
        done=_("Invoice issued."),
    )
    return redirect("billing:invoice", pk=pk)


@require_POST
@staff_required
def mark_invoice_paid(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    run_action(
        request,
        lambda: do_mark_invoice_paid(acting_user=request.user, invoice=row),
        done=_("Payment recorded."),
    )
    return redirect("billing:invoice", pk=pk)


@require_POST
@staff_required
def cancel_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    run_action(
        request,
        lambda: do_cancel_invoice(acting_user=request.user, invoice=row),
        done=_("Draft cancelled."),
    )
    return redirect("billing:invoice", pk=pk)


@require_POST
@staff_required
def credit_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    row = _invoice(pk)
    form = CreditForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("billing:invoice", pk=pk)
    note = run_action(
        request,
        lambda: do_credit_invoice(
            acting_user=request.user, invoice=row, reason=form.cleaned_data["reason"]
        ),
        done=_("Credit note issued."),
    )
    return redirect("billing:invoice", pk=note.value.pk if note.value is not None else pk)


@require_safe
@staff_required
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("billing:invoices")
    period = form.cleaned_data["period"]
    by = form.cleaned_data.get("by") or "issue"
    rows = queries.list_invoices_for_period(period.start, period.end, by=by)
    kind = form.cleaned_data["format"]
    body: str | bytes
    if kind == "json":
        body, content_type = export_json(rows), "application/json"
    elif kind == "xlsx":
        body = export_xlsx(rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = export_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="invoices-{period.label}{"-by-supply" if by == "supply" else ""}'
        f'.{kind}"'
    )
    return response


@require_safe
@staff_required
def orders(request: HttpRequest) -> HttpResponse:
    rows = queries.list_orders_for_console()[:LIST_LIMIT]
    return render(request, "console/billing/orders.html", {"orders": rows, "limit": LIST_LIMIT})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def run_billing(request: HttpRequest) -> HttpResponse:
    """Asks the worker for a billing run of a period (drafts first, or issuing
    directly); the run's page shows its progress."""
    form = RunBillingForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            show_form_errors(request, form)
        else:
            period = form.cleaned_data["period"]
            result = run_action(
                request,
                lambda: do_request_billing_run(
                    acting_user=request.user, period=period, kind=form.cleaned_data["kind"]
                ),
                done=_("Billing run for %(period)s queued.") % {"period": period.label},
            )
            if result.value is not None:
                return redirect("billing:billing_run", pk=result.value.pk)
    return render(
        request,
        "console/billing/run.html",
        {"form": form, "runs": list_billing_runs()[:20]},
    )


@require_safe
@staff_required
def billing_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(BillingRun, pk=pk)
    period = f"{run.period_start:%Y-%m}"
    return render(
        request,
        "console/billing/billing_run.html",
        {
            "run": run,
            "period": period,
            "active": run.status in (BillingRunStatus.QUEUED, BillingRunStatus.RUNNING),
            "drafts": count_drafts_of_period(run.period_start, run.period_end),
        },
    )


@require_POST
@staff_required
def issue_drafts(request: HttpRequest, pk: int) -> HttpResponse:
    """Issues every draft of the run's period, in the background."""
    run = get_object_or_404(BillingRun, pk=pk)
    period = Period(run.period_start, run.period_end)
    result = run_action(
        request,
        lambda: do_request_billing_run(
            acting_user=request.user, period=period, kind=BillingRunKind.ISSUE_DRAFTS
        ),
        done=_("Issuing the drafts of %(period)s queued.") % {"period": period.label},
    )
    if result.value is not None:
        return redirect("billing:billing_run", pk=result.value.pk)
    return redirect("billing:billing_run", pk=run.pk)
