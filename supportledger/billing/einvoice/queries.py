"""The electronic documents of an issued invoice, for download."""

from __future__ import annotations

from dataclasses import dataclass

from supportledger.billing.einvoice.en16931 import cii_xml
from supportledger.billing.models import Invoice, NationalDocument

KINDS = ("en16931", "national")


@dataclass(frozen=True, slots=True)
class ElectronicDocument:
    kind: str  # one of KINDS
    label: str  # "EN 16931 (CII)", "KSeF FA(3)" …
    filename: str
    content: bytes
    status: str = ""  # a national document's status with its tax service


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def list_electronic_documents(invoice: Invoice) -> list[tuple[str, str, str]]:
    """(kind, label, status) of the documents ``invoice`` has, without
    building them: none for a draft; EN 16931 for every issued one; the
    national document where the seller's country has one."""
    if not invoice.number:
        return []
    found = [("en16931", "EN 16931 (CII)", "")]
    national = NationalDocument.objects.filter(invoice=invoice).only("format", "status").first()
    if national is not None:
        found.append(("national", national.format, national.get_status_display()))
    return found


def get_electronic_document(invoice: Invoice, kind: str) -> ElectronicDocument | None:
    """The document of ``kind`` of an issued invoice, or None."""
    if not invoice.number or kind not in KINDS:
        return None
    if kind == "en16931":
        return ElectronicDocument(
            kind, "EN 16931 (CII)", f"{_safe(invoice.number)}-en16931.xml", cii_xml(invoice)
        )
    national = NationalDocument.objects.filter(invoice=invoice).first()
    if national is None:
        return None
    return ElectronicDocument(
        kind,
        national.format,
        f"{_safe(invoice.number)}-{national.country.lower()}.xml",
        national.xml.encode("utf-8"),
        national.get_status_display(),
    )
