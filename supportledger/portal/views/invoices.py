"""The customer's invoices and credit notes, and their PDFs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supportledger.billing.einvoice.national import FORMATS
from supportledger.billing.einvoice.queries import get_electronic_document
from supportledger.billing.models import Invoice
from supportledger.billing.pdf import render_invoice_pdf
from supportledger.billing.queries import get_billing_settings, list_invoices_for_customer
from supportledger.portal.access import contact_required, owned


@require_safe
@contact_required
def invoices_view(request: HttpRequest) -> HttpResponse:
    invoices = list_invoices_for_customer(request.customer)  # type: ignore[attr-defined]
    national = FORMATS.get(get_billing_settings().country)
    return render(
        request,
        "portal/invoices.html",
        {"invoices": invoices, "national_format": national.name if national else ""},
    )


def _invoices(request: HttpRequest) -> QuerySet[Invoice]:
    return list_invoices_for_customer(request.customer)  # type: ignore[attr-defined]


@contact_required
@owned("invoice_id", _invoices)
@require_safe
def invoice_pdf_view(request: HttpRequest, invoice_id: Invoice) -> HttpResponse:
    invoice = invoice_id
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@contact_required
@owned("invoice_id", _invoices)
@require_safe
def invoice_xml_view(request: HttpRequest, invoice_id: Invoice, kind: str) -> HttpResponse:
    """The invoice's electronic document (EN 16931 or the national one)."""
    document = get_electronic_document(invoice_id, kind)
    if document is None:
        raise Http404
    response = HttpResponse(document.content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
