"""Invoice PDFs, rendered by WeasyPrint from an HTML template.

Invoices carry text the customer typed (organisation, address, request
subjects). WeasyPrint would fetch any URL that text smuggles in (an ``<img
src="file:///etc/passwd">``, a stylesheet on an internal address), so it
renders with :class:`OfflineURLFetcher`, which fetches nothing but inline
``data:`` URLs. Fonts come from the system through fontconfig (DejaVu covers
Latin, Cyrillic and Greek), never through a URL.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from supportledger.billing.explain import explain_passed_over
from supportledger.core.locale_format import format_date, format_money, format_number

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"data"})


class URLRefused(ValueError):
    """A document asked for a URL the renderer will not fetch."""


class OfflineURLFetcher(URLFetcher):
    """Fetches ``data:`` URLs only; ``file:``, ``http(s):`` and every other
    scheme are refused and listed in ``refused``. A refused resource is
    simply missing from the PDF."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False, **kwargs)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise URLRefused(f"URL not fetched: {url[:200]}")
        return super().fetch(url, headers)


def render_pdf(html: str, *, variant: str | None = None) -> bytes:
    """The PDF of a complete HTML document, with no access to files or network.

    There is deliberately no ``base_url``: a relative URL has nothing to
    resolve against, and an absolute one is refused by the fetcher.
    ``variant`` asks WeasyPrint for a PDF/A or PDF/UA flavour (``pdf/a-3b``).
    """
    fetcher = OfflineURLFetcher()
    options = {"pdf_variant": variant} if variant else {}
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(**options)
    return pdf


def render_invoice_pdf(invoice: Any) -> bytes:
    """The PDF of an invoice or credit note, in its language and currency
    format, from what was frozen on it at issue.

    An issued one is a Factur-X PDF: PDF/A-3b with its EN 16931 CII XML
    embedded as ``factur-x.xml``, so an accounting program reads the invoice
    without retyping it. A draft is a plain PDF (it has no number yet)."""
    html = invoice_html(invoice)
    if not invoice.number:
        return render_pdf(html)
    from supportledger.billing.einvoice.facturx_pdf import embed_cii

    return embed_cii(render_pdf(html, variant="pdf/a-3b"), invoice)


def unit_label(code: str) -> str:
    """A line's unit code as the reader writes it (active language)."""
    labels = {
        "min": pgettext("unit", "min"),
        "h": pgettext("unit", "h"),
        "pcs": pgettext("unit", "pcs"),
        "month": pgettext("unit", "month"),
        "year": pgettext("unit", "year"),
    }
    return labels.get(code, code)


def invoice_html(invoice: Any) -> str:
    language = invoice.language

    def money(amount: Any) -> str:
        return format_money(amount, invoice.currency, language)

    def supply_text(line: Any) -> str:
        if line.supplied_from and line.supplied_on and line.supplied_from != line.supplied_on:
            return (
                f"{format_date(line.supplied_from, language)} – "  # noqa: RUF001
                f"{format_date(line.supplied_on, language)}"
            )
        return format_date(line.supplied_on, language) if line.supplied_on else ""

    with override(language):
        lines = [
            {
                "position": line.position,
                "description": line.description,
                "supplied": supply_text(line),
                "quantity_text": (
                    f"{format_number(line.quantity.normalize(), language)} {unit_label(line.unit)}"
                ).strip(),
                "vat_rate": format_number(line.vat_rate.normalize(), language),
                "amount_text": money(line.amount),
                # Entitlements the customer holds that did not pay for the work.
                "passed_over": explain_passed_over(
                    (line.detail or {}).get("passed_over") or [], language
                ),
            }
            for line in invoice.lines.order_by("position")
        ]
        breakdown = [
            {
                "rate": format_number(Decimal(group["rate"]).normalize(), language),
                "net": money(Decimal(group["net"])),
                "vat": money(Decimal(group["vat"])),
            }
            for group in invoice.vat_breakdown or []
        ]
        title = _("Credit note") if invoice.kind == "credit_note" else _("Invoice")
        period = (
            f"{format_date(invoice.period_start, language)} – "  # noqa: RUF001
            f"{format_date(invoice.period_end, language)}"
            if invoice.period_start
            else ""
        )
        return render_to_string(
            "billing/invoice.html",
            {
                "invoice": invoice,
                "title": title,
                "lines": lines,
                "issued_on": format_date(invoice.issued_on, language) if invoice.issued_on else "",
                "due_on": (
                    format_date(invoice.due_on, language)
                    if invoice.due_on and invoice.kind == "invoice"
                    else ""
                ),
                "period": period,
                "credits": invoice.credits.number if invoice.credits_id else "",
                "credits_issued_on": (
                    format_date(invoice.credits.issued_on, language)
                    if invoice.credits_id and invoice.credits.issued_on
                    else ""
                ),
                "breakdown": breakdown,
                "net": money(invoice.net_amount),
                "vat_rate": format_number(invoice.vat_rate.normalize(), language),
                "vat": money(invoice.vat_amount),
                "total": money(invoice.total_amount),
            },
        )
