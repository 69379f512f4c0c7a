"""The customer's invoices and credit notes, and their PDFs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supportledger.billing.pdf import render_invoice_pdf
from supportledger.billing.queries import get_invoice_for_customer, list_invoices_for_customer
from supportledger.portal.access import contact_required


@require_safe
@contact_required
def invoices_view(request: HttpRequest) -> HttpResponse:
    invoices = list_invoices_for_customer(request.customer)  # type: ignore[attr-defined]
    return render(request, "portal/invoices.html", {"invoices": invoices})


@require_safe
@contact_required
def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_customer(request.customer, invoice_id)  # type: ignore[attr-defined]
    if invoice is None:
        raise Http404
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
