"""An issued invoice as an EN 16931 document in UN/CEFACT CII syntax.

The semantic model (business terms ``BT-n`` and groups ``BG-n`` of
EN 16931-1:2017) is filled from the invoice's frozen ``vendor`` and
``bill_to`` and its lines; the ``factur-x`` library (Akretion) writes it as
CII XML at the EN 16931 profile of Factur-X 1.0.7 / ZUGFeRD 2.3, checked
against the XSD that library ships. Schematron checks are in
:mod:`supportledger.billing.einvoice.validation`.

A credit note (type code 381) states positive amounts: EN 16931 puts the
sign in the document type, while our credit notes store negative lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from facturx.generate_xml import generate_xml

from supportledger.billing.models import Invoice, InvoiceKind
from supportledger.rules.money import round_money
from supportledger.rules.vat import EU_MEMBER_STATES as EU_COUNTRIES

PROFILE = "urn:cen.eu:en16931:2017"
INVOICE_TYPE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE_TYPE = "381"  # UNTDID 1001: credit note

# UN/ECE Recommendation 20 unit codes for the units lines are written in.
UNIT_CODES = {
    "min": "MIN",
    "h": "HUR",
    "month": "MON",
    "year": "ANN",
    "pcs": "C62",
    "": "C62",
}


@dataclass(frozen=True, slots=True)
class VatCategory:
    """EN 16931 VAT category (UNTDID 5305) with the exemption reason the
    rules BR-AE-10 / BR-G-10 require, and its VATEX code."""

    code: str
    reason: str = ""
    reason_code: str = ""


def en16931_category(stored: str, invoice: Invoice) -> VatCategory:
    """The EN 16931 VAT category (UNTDID 5305) of a line or breakdown group
    whose VAT category was decided at billing (``rules.vat``): ``S`` as is;
    ``AE`` (reverse charge) with the reason the rules BR-AE-10 require;
    ``O`` (not subject to EU VAT: a service to a customer outside the EU) is
    stated as ``G``, export outside the EU, because EN 16931 forbids ``O`` on
    an invoice that carries the seller's VAT identifier (BR-O-02). The
    invoice's own legal note is the exemption reason."""
    note = invoice.vat_note or ""
    if stored == "S":
        return VatCategory("S")
    if stored == "AE":
        return VatCategory("AE", note or "Reverse charge", "VATEX-EU-AE")
    if stored in ("O", "G"):
        return VatCategory("G", note or "Export outside the EU", "VATEX-EU-G")
    return VatCategory("Z")


def vat_category(invoice: Invoice) -> VatCategory:
    """The invoice's main VAT category: that of its largest breakdown group
    (an invoice has one group unless a rate changed within its period)."""
    groups = invoice.vat_breakdown or []
    if groups:
        largest = max(groups, key=lambda g: abs(Decimal(str(g["net"]))))
        return en16931_category(str(largest["category"]), invoice)
    if invoice.vat_rate > 0:
        return VatCategory("S")
    customer_country = str(invoice.bill_to.get("country", "")).upper()
    vendor_country = str(invoice.vendor.get("country", "")).upper()
    if customer_country in EU_COUNTRIES and customer_country != vendor_country:
        return en16931_category("AE", invoice)
    return en16931_category("O", invoice)


def _party(data: dict[str, Any], *, legal_id_key: str = "registration_number") -> dict[str, Any]:
    """A frozen party (``vendor`` or ``bill_to``) as an EN 16931 party: name,
    postal address (structured fields when the party has them, otherwise the
    printed address's lines), VAT identifier and legal registration id."""
    address_lines = [
        line.strip()
        for line in str(data.get("street") or data.get("address") or "").splitlines()
        if line.strip()
    ]
    party: dict[str, Any] = {
        "name": data.get("legal_name") or data.get("name") or "",
        "country_code": str(data.get("country", "")).upper(),
    }
    if data.get("city"):
        party["city"] = data["city"]
    if data.get("postcode"):
        party["postcode"] = data["postcode"]
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), address_lines, strict=False):
        party[key] = line
    if data.get("vat_id"):
        party["vat_identifier"] = data["vat_id"]
    if data.get(legal_id_key):
        party["legal_identifier"] = data[legal_id_key]
    if data.get("email"):
        party["einvoicing_addr"] = data["email"]
        party["einvoicing_addr_schemeid"] = "EM"
    return party


def _plain(value: Decimal) -> str:
    """A decimal as XML Schema writes it: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def _amount(value: Decimal, sign: int, currency: str) -> str:
    return str(round_money(value * sign, currency))


def _line(
    line: Any, category: VatCategory, rate: Decimal, sign: int, currency: str
) -> dict[str, Any]:
    """One invoice line (BG-25). When quantity × unit price is not exactly
    the line's amount (a work line counts minutes at an hourly rate), the
    price is stated for the whole quantity (price base quantity BT-149), so
    quantity × price ÷ base = the line amount exactly."""  # noqa: RUF002
    quantity = abs(line.quantity) or Decimal(1)
    amount = abs(line.amount)
    item: dict[str, Any] = {
        "BT-126": str(line.position),
        "BT-153": line.description[:500] or line.kind,
        "BT-129": _plain(quantity),
        "BT-130": UNIT_CODES.get(line.unit, "C62"),
        "BT-131": _amount(line.amount, sign, currency),
        "BT-151": category.code,
        "BT-152": _plain(rate),
    }
    unit_price = abs(line.unit_price)
    if unit_price and quantity * unit_price == amount:
        item["BT-146"] = _plain(unit_price)
    else:
        item["BT-146"] = _plain(amount)
        item["BT-149"] = _plain(quantity)
    return item


def en16931_data(invoice: Invoice) -> dict[str, Any]:
    """The EN 16931 business terms of an issued invoice or credit note."""
    if not invoice.number or not invoice.issued_on:
        raise ValueError("only an issued invoice has an electronic document")
    currency = invoice.currency
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    sign = -1 if credit else 1
    category = vat_category(invoice)
    lines = list(invoice.lines.filter(active=True).order_by("position"))
    data: dict[str, Any] = {
        "BT-24": PROFILE,
        "BT-1": invoice.number,
        "BT-2": invoice.issued_on,
        "BT-3": CREDIT_NOTE_TYPE if credit else INVOICE_TYPE,
        "BT-5": currency,
        "BG-4": _party(invoice.vendor),
        "BG-7": _party(invoice.bill_to),
        # Date of supply: the last day of the period billed, else the issue day.
        "BT-72": invoice.period_end or invoice.issued_on,
    }
    if invoice.period_start and invoice.period_end:
        data["BT-73"] = invoice.period_start
        data["BT-74"] = invoice.period_end
    if invoice.due_on and not credit:
        data["BT-9"] = invoice.due_on
    original = invoice.credits
    if credit and original is not None:
        data["BG-3"] = [{"BT-25": original.number, "BT-26": original.issued_on}]
    bank_account = str(invoice.vendor.get("bank_account", "")).replace(" ", "")
    if bank_account:
        data["BT-81"] = "58"  # UNTDID 4461: SEPA credit transfer
        data["BT-84"] = bank_account
    data["BG-25"] = [
        _line(
            line,
            en16931_category(line.vat_category, invoice) if line.vat_category else category,
            line.vat_rate if line.vat_category else invoice.vat_rate,
            sign,
            currency,
        )
        for line in lines
    ]
    net = _amount(invoice.net_amount, sign, currency)
    vat = _amount(invoice.vat_amount, sign, currency)
    total = _amount(invoice.total_amount, sign, currency)
    groups = invoice.vat_breakdown or [
        {
            "category": category.code,
            "rate": str(invoice.vat_rate),
            "net": str(invoice.net_amount),
            "vat": str(invoice.vat_amount),
        }
    ]
    data["BG-23"] = []
    for group in groups:
        group_category = en16931_category(str(group["category"]), invoice)
        breakdown: dict[str, Any] = {
            "BT-116": _amount(Decimal(str(group["net"])), sign, currency),
            "BT-117": _amount(Decimal(str(group["vat"])), sign, currency),
            "BT-118": group_category.code,
            "BT-119": _plain(Decimal(str(group["rate"]))),
        }
        if group_category.reason:
            breakdown["BT-120"] = group_category.reason
            breakdown["BT-121"] = group_category.reason_code
        data["BG-23"].append(breakdown)
    data.update(
        {
            "BT-106": net,
            "BT-109": net,
            "BT-110": vat,
            "BT-112": total,
            "BT-115": total,
        }
    )
    return data


def cii_xml(invoice: Invoice) -> bytes:
    """The invoice as Factur-X / ZUGFeRD CII XML at the EN 16931 profile,
    valid against the XSD (raises ``Exception`` from the library if not)."""
    result: bytes = generate_xml(
        en16931_data(invoice),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        check_schematron=False,
    )
    return result
