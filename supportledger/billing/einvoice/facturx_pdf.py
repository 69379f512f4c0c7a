"""Factur-X / ZUGFeRD: the invoice PDF (PDF/A-3b) with its EN 16931 CII XML
attached as ``factur-x.xml`` (relationship ``Data``) and the Factur-X XMP
metadata, written by the ``factur-x`` library."""

from __future__ import annotations

from facturx import generate_from_binary

from supportledger.billing.einvoice.en16931 import cii_xml
from supportledger.billing.models import Invoice, InvoiceKind


def embed_cii(pdf: bytes, invoice: Invoice) -> bytes:
    """``pdf`` (already PDF/A-3b) with ``invoice``'s CII XML embedded."""
    title = ("Credit note " if invoice.kind == InvoiceKind.CREDIT_NOTE else "Invoice ") + str(
        invoice.number
    )
    result: bytes = generate_from_binary(
        pdf,
        cii_xml(invoice),
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # cii_xml has checked it
        pdf_metadata={
            "author": str(invoice.vendor.get("legal_name", "")),
            "keywords": "Factur-X, EN 16931",
            "title": title,
            "subject": title,
        },
        lang=invoice.language,
    )
    return result
