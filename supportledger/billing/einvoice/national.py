"""The national e-invoice documents of the sellers' countries, built from an
issued invoice's frozen data to the published structures:

- Poland: KSeF **FA(3)**, schema ``http://crd.gov.pl/wzor/2025/06/25/13775/``
  (``kodSystemowy="FA (3)"``, ``wersjaSchemy="1-0E"``), mandatory from
  1 February 2026;
- Hungary: NAV Online Számla **3.0** ``InvoiceData``
  (``http://schemas.nav.gov.hu/OSA/3.0/data``), reported in real time;
- Greece: AADE myDATA **v1.0.x** ``InvoicesDoc``
  (``http://www.aade.gr/myDATA/invoice/v1.0``).

No maintained, pinnable package ships these schemas, so each document is
checked by :func:`structure_problems` against the elements its schema
requires (``REQUIRED`` below, taken from the schemas' ``minOccurs``), with
the value formats the schema's simple types impose on them.

Amounts in those documents are in the national currency too (PLN, HUF;
EUR in Greece): an invoice in another currency needs the day's exchange
rate, which the invoice does not carry yet, so it is refused with
``exchange_rate_needed`` rather than reported wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from lxml import etree
from lxml.builder import ElementMaker

from supportledger.billing.einvoice.en16931 import vat_category
from supportledger.billing.models import Invoice, InvoiceKind

KSEF_NS = "http://crd.gov.pl/wzor/2025/06/25/13775/"
NAV_NS = "http://schemas.nav.gov.hu/OSA/3.0/data"
NAV_BASE_NS = "http://schemas.nav.gov.hu/OSA/3.0/base"
MYDATA_NS = "http://www.aade.gr/myDATA/invoice/v1.0"
MYDATA_ICLS_NS = "https://www.aade.gr/myDATA/incomeClassificaton/v1.0"

SYSTEM = "supportledger"


class NationalDocumentRefused(ValueError):
    """The invoice cannot be written as that country's document; ``code`` is
    stable (``exchange_rate_needed``, ``not_this_country``, ``not_issued``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class NationalFormat:
    country: str
    name: str
    version: str
    currency: str
    namespace: str


FORMATS = {
    "PL": NationalFormat("PL", "KSeF FA(3)", "FA (3) 1-0E", "PLN", KSEF_NS),
    "HU": NationalFormat("HU", "NAV Online Számla", "3.0", "HUF", NAV_NS),
    "GR": NationalFormat("GR", "myDATA", "1.0.10", "EUR", MYDATA_NS),
}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _lines(invoice: Invoice) -> list[Any]:
    return list(invoice.lines.filter(active=True).order_by("position"))


def _issued(invoice: Invoice | None) -> tuple[str, date]:
    """The number and issue date of an issued invoice; refused otherwise."""
    if invoice is None or not invoice.number or not invoice.issued_on:
        raise NationalDocumentRefused("not_issued", "only an issued invoice is reported")
    return invoice.number, invoice.issued_on


def _check(invoice: Invoice, country: str) -> NationalFormat:
    form = FORMATS[country]
    if not invoice.number or not invoice.issued_on:
        raise NationalDocumentRefused("not_issued", "only an issued invoice is reported")
    if str(invoice.vendor.get("country", "")).upper() != country:
        raise NationalDocumentRefused(
            "not_this_country", f"the seller is not established in {country}"
        )
    if invoice.currency != form.currency:
        raise NationalDocumentRefused(
            "exchange_rate_needed",
            f"{form.name} states amounts in {form.currency}; the invoice is in "
            f"{invoice.currency} and carries no exchange rate",
        )
    return form


def _address_lines(party: dict[str, Any]) -> tuple[str, str]:
    street = " ".join(str(party.get("street") or party.get("address") or "").split())
    place = " ".join(
        part for part in (str(party.get("postcode", "")), str(party.get("city", ""))) if part
    )
    return street or place or "-", place if street else ""


def _supply_date(invoice: Invoice) -> date:
    return invoice.period_end or invoice.issued_on or date.min


# --- Poland: KSeF FA(3) ----------------------------------------------------


def ksef_fa3(invoice: Invoice, *, generated_at: str) -> bytes:
    """The FA(3) ``Faktura`` of an issued invoice (``RodzajFaktury`` VAT) or
    credit note (KOR). ``generated_at`` is ``DataWytworzeniaFa`` (ISO 8601 UTC).

    VAT per FA(3): the domestic standard rate goes in ``P_13_1``/``P_14_1``
    with ``P_12`` = 23; services to an EU business taxed where the buyer is
    (art. 28b, reverse charge) in ``P_13_9`` with ``P_12`` = ``np II`` and
    ``P_18`` = 1 ("odwrotne obciążenie"); other services outside Poland in
    ``P_13_8`` with ``P_12`` = ``np I``."""
    _check(invoice, "PL")
    number, issued_on = _issued(invoice)
    E = ElementMaker(namespace=KSEF_NS, nsmap={None: KSEF_NS})
    vendor, buyer = invoice.vendor, invoice.bill_to
    category = vat_category(invoice).code
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    buyer_country = str(buyer.get("country", "")).upper()
    buyer_vat = str(buyer.get("vat_id", ""))
    if buyer_country == "PL" and buyer_vat:
        buyer_id = [E.NIP(_digits(buyer_vat))]
    elif buyer_vat and category == "AE":
        code = buyer_vat[:2].upper()
        buyer_id = [E.KodUE(code), E.NrVatUE(re.sub(r"[^0-9A-Za-z]", "", buyer_vat[2:]))]
    elif buyer_vat:
        buyer_id = [E.KodKraju(buyer_country), E.NrID(buyer_vat)]
    else:
        buyer_id = [E.BrakID("1")]
    vendor_l1, vendor_l2 = _address_lines(vendor)
    buyer_l1, buyer_l2 = _address_lines(buyer)

    def address(country: str, line1: str, line2: str) -> Any:
        return E.Adres(
            E.KodKraju(country), E.AdresL1(line1), *([E.AdresL2(line2)] if line2 else [])
        )

    if category == "S":
        rate_code = _number(invoice.vat_rate)
        totals = [E.P_13_1(_money(invoice.net_amount)), E.P_14_1(_money(invoice.vat_amount))]
    elif category == "AE":
        rate_code = "np II"
        totals = [E.P_13_9(_money(invoice.net_amount))]
    else:
        rate_code = "np I"
        totals = [E.P_13_8(_money(invoice.net_amount))]
    rows = [
        E.FaWiersz(
            E.NrWierszaFa(str(line.position)),
            E.P_7(line.description[:512]),
            E.P_8A(line.unit or "szt."),
            E.P_8B(_number(line.quantity)),
            *([E.P_9A(_number(line.unit_price))] if line.unit_price else []),
            E.P_11(_money(line.amount)),
            E.P_12(rate_code),
        )
        for line in _lines(invoice)
    ]
    correction = []
    if credit and invoice.credits_id:
        original_number, original_issued_on = _issued(invoice.credits)
        first_line = invoice.lines.first()
        reason = first_line.detail.get("reason", "-") if first_line else "-"
        correction = [
            E.PrzyczynaKorekty(str(reason)[:256] or "-"),
            E.TypKorekty("1"),
            E.DaneFaKorygowanej(
                E.DataWystFaKorygowanej(original_issued_on.isoformat()),
                E.NrFaKorygowanej(original_number),
                E.NrKSeFN("1"),
            ),
        ]
    period = (
        [
            E.OkresFa(
                E.P_6_Od(invoice.period_start.isoformat()), E.P_6_Do(invoice.period_end.isoformat())
            )
        ]
        if invoice.period_start and invoice.period_end
        else [E.P_6(_supply_date(invoice).isoformat())]
    )
    payment = []
    if not credit and invoice.due_on:
        account = _digits(str(vendor.get("bank_account", ""))) or ""
        payment = [
            E.Platnosc(
                E.TerminPlatnosci(E.Termin(invoice.due_on.isoformat())),
                E.FormaPlatnosci("6"),
                *([E.RachunekBankowy(E.NrRB(account))] if account else []),
            )
        ]
    document = E.Faktura(
        E.Naglowek(
            E.KodFormularza("FA", kodSystemowy="FA (3)", wersjaSchemy="1-0E"),
            E.WariantFormularza("3"),
            E.DataWytworzeniaFa(generated_at),
            E.SystemInfo(SYSTEM),
        ),
        E.Podmiot1(
            E.DaneIdentyfikacyjne(
                E.NIP(_digits(str(vendor.get("vat_id", "")))),
                E.Nazwa(str(vendor.get("legal_name", ""))),
            ),
            address("PL", vendor_l1, vendor_l2),
        ),
        E.Podmiot2(
            E.DaneIdentyfikacyjne(*buyer_id, E.Nazwa(str(buyer.get("name", "")))),
            address(buyer_country or "PL", buyer_l1, buyer_l2),
            E.JST("2"),
            E.GV("2"),
        ),
        E.Fa(
            E.KodWaluty(invoice.currency),
            E.P_1(issued_on.isoformat()),
            E.P_2(number),
            *period,
            *totals,
            E.P_15(_money(invoice.total_amount)),
            E.Adnotacje(
                E.P_16("2"),
                E.P_17("2"),
                E.P_18("1" if category == "AE" else "2"),
                E.P_18A("2"),
                E.Zwolnienie(E.P_19N("1")),
                E.NoweSrodkiTransportu(E.P_22N("1")),
                E.P_23("2"),
                E.PMarzy(E.P_PMarzyN("1")),
            ),
            E.RodzajFaktury("KOR" if credit else "VAT"),
            *correction,
            *rows,
            *payment,
        ),
    )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Hungary: NAV Online Számla 3.0 ------------------------------------------


def _hu_tax_number(value: str, B: ElementMaker) -> list[Any]:
    """A Hungarian tax number ``12345678-2-41`` (or ``HU12345678``) as
    ``base:taxpayerId`` / ``vatCode`` / ``countyCode``."""
    digits = _digits(value)
    parts = [B.taxpayerId(digits[:8])]
    if len(digits) >= 11:
        parts += [B.vatCode(digits[8]), B.countyCode(digits[9:11])]
    return parts


def nav_invoice_data(invoice: Invoice) -> bytes:
    """The NAV 3.0 ``InvoiceData`` of an issued invoice, or of a credit note
    as a modification (``invoiceReference``) of the invoice it corrects.

    A domestic sale states ``vatPercentage`` 0.27; a service to an EU
    business taxed in its member state (Áfa tv. § 37) is ``vatOutOfScope``
    case ``EUFAD37``; a service to a customer outside the EU is case ``HO``."""
    _check(invoice, "HU")
    number, issued_on = _issued(invoice)
    D = ElementMaker(namespace=NAV_NS, nsmap={None: NAV_NS, "base": NAV_BASE_NS})
    B = ElementMaker(namespace=NAV_BASE_NS)
    vendor, buyer = invoice.vendor, invoice.bill_to
    category = vat_category(invoice).code
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    buyer_country = str(buyer.get("country", "")).upper()
    buyer_vat = str(buyer.get("vat_id", ""))

    def simple_address(party: dict[str, Any], country: str) -> Any:
        street, _place = _address_lines(party)
        return B.simpleAddress(
            B.countryCode(country),
            B.postalCode(str(party.get("postcode") or "0000")),
            B.city(str(party.get("city") or "-")),
            B.additionalAddressDetail(street),
        )

    if buyer_country == "HU" and buyer_vat:
        status, vat_data = (
            "DOMESTIC",
            [D.customerVatData(D.customerTaxNumber(*_hu_tax_number(buyer_vat, B)))],
        )
    elif buyer_vat and category == "AE":
        status, vat_data = (
            "OTHER",
            [D.customerVatData(D.communityVatNumber(buyer_vat.replace(" ", "")))],
        )
    elif buyer_vat:
        status, vat_data = "OTHER", [D.customerVatData(D.thirdStateTaxId(buyer_vat))]
    elif buyer.get("kind") == "consumer":
        status, vat_data = "PRIVATE_PERSON", []
    else:
        status, vat_data = "OTHER", []
    customer = [D.customerVatStatus(status), *vat_data]
    if status != "PRIVATE_PERSON":
        customer += [
            D.customerName(str(buyer.get("name", ""))),
            D.customerAddress(simple_address(buyer, buyer_country or "HU")),
        ]

    def vat_rate() -> Any:
        if category == "S":
            return D.vatPercentage(_number(invoice.vat_rate / 100))
        case = "EUFAD37" if category == "AE" else "HO"
        return D.vatOutOfScope(D.case(case), D.reason(invoice.vat_note[:200] or case))

    rate = invoice.vat_rate / 100
    lines = []
    for line in _lines(invoice):
        vat = (line.amount * rate).quantize(Decimal("1.00")) if category == "S" else Decimal(0)
        lines.append(
            D.line(
                D.lineNumber(str(line.position)),
                *(
                    [
                        D.lineModificationReference(
                            D.lineNumberReference(str(line.position)),
                            D.lineOperation("CREATE"),
                        )
                    ]
                    if credit
                    else []
                ),
                D.lineExpressionIndicator("true"),
                D.lineDescription(line.description[:512]),
                D.quantity(_number(line.quantity)),
                D.unitOfMeasure("OWN"),
                D.unitOfMeasureOwn(line.unit or "db"),
                D.unitPrice(_number(line.unit_price)),
                D.lineAmountsNormal(
                    D.lineNetAmountData(
                        D.lineNetAmount(_money(line.amount)),
                        D.lineNetAmountHUF(_money(line.amount)),
                    ),
                    D.lineVatRate(vat_rate()),
                    D.lineVatData(D.lineVatAmount(_money(vat)), D.lineVatAmountHUF(_money(vat))),
                    D.lineGrossAmountData(
                        D.lineGrossAmountNormal(_money(line.amount + vat)),
                        D.lineGrossAmountNormalHUF(_money(line.amount + vat)),
                    ),
                ),
            )
        )
    reference = []
    if credit and invoice.credits_id:
        reference = [
            D.invoiceReference(
                D.originalInvoiceNumber(_issued(invoice.credits)[0]),
                D.modifyWithoutMaster("false"),
                D.modificationIndex("1"),
            )
        ]
    period = (
        [
            D.invoiceDeliveryPeriodStart(invoice.period_start.isoformat()),
            D.invoiceDeliveryPeriodEnd(invoice.period_end.isoformat()),
        ]
        if invoice.period_start and invoice.period_end
        else []
    )
    document = D.InvoiceData(
        D.invoiceNumber(number),
        D.invoiceIssueDate(issued_on.isoformat()),
        D.completenessIndicator("false"),
        D.invoiceMain(
            D.invoice(
                *reference,
                D.invoiceHead(
                    D.supplierInfo(
                        D.supplierTaxNumber(*_hu_tax_number(str(vendor.get("vat_id", "")), B)),
                        D.supplierName(str(vendor.get("legal_name", ""))),
                        D.supplierAddress(simple_address(vendor, "HU")),
                        *(
                            [D.supplierBankAccountNumber(str(vendor["bank_account"]))]
                            if vendor.get("bank_account")
                            else []
                        ),
                    ),
                    D.customerInfo(*customer),
                    D.invoiceDetail(
                        D.invoiceCategory("NORMAL"),
                        D.invoiceDeliveryDate(_supply_date(invoice).isoformat()),
                        *period,
                        D.currencyCode(invoice.currency),
                        D.exchangeRate("1"),
                        D.paymentMethod("TRANSFER"),
                        *([D.paymentDate(invoice.due_on.isoformat())] if invoice.due_on else []),
                        D.invoiceAppearance("ELECTRONIC"),
                    ),
                ),
                D.invoiceLines(D.mergedItemIndicator("false"), *lines),
                D.invoiceSummary(
                    D.summaryNormal(
                        D.summaryByVatRate(
                            D.vatRate(vat_rate()),
                            D.vatRateNetData(
                                D.vatRateNetAmount(_money(invoice.net_amount)),
                                D.vatRateNetAmountHUF(_money(invoice.net_amount)),
                            ),
                            D.vatRateVatData(
                                D.vatRateVatAmount(_money(invoice.vat_amount)),
                                D.vatRateVatAmountHUF(_money(invoice.vat_amount)),
                            ),
                        ),
                        D.invoiceNetAmount(_money(invoice.net_amount)),
                        D.invoiceNetAmountHUF(_money(invoice.net_amount)),
                        D.invoiceVatAmount(_money(invoice.vat_amount)),
                        D.invoiceVatAmountHUF(_money(invoice.vat_amount)),
                    ),
                    D.summaryGrossData(
                        D.invoiceGrossAmount(_money(invoice.total_amount)),
                        D.invoiceGrossAmountHUF(_money(invoice.total_amount)),
                    ),
                ),
            )
        ),
    )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Greece: myDATA ----------------------------------------------------------


def mydata_invoices_doc(invoice: Invoice, *, original_mark: str = "") -> bytes:
    """The myDATA ``InvoicesDoc`` of an issued invoice or credit note.

    Invoice types (AADE code list): 2.1 services, domestic; 2.2 services to
    an EU business; 2.3 services to a customer outside the EU; a credit note
    is 5.1 with the original's MARK when it was transmitted, else 5.2.
    VAT category 1 is 24 %; category 7 (without VAT) carries exemption
    category 4 (place of supply of services, art. 14 of the VAT code).
    Income is classified as provision of services (category1_3), type
    E3_561_001 / _005 / _006 for domestic / EU / third-country customers."""
    _check(invoice, "GR")
    number, issued_on = _issued(invoice)
    M = ElementMaker(namespace=MYDATA_NS, nsmap={None: MYDATA_NS, "icls": MYDATA_ICLS_NS})
    C = ElementMaker(namespace=MYDATA_ICLS_NS)
    vendor, buyer = invoice.vendor, invoice.bill_to
    category = vat_category(invoice).code
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    buyer_country = str(buyer.get("country", "")).upper() or "GR"
    if credit:
        invoice_type = "5.1" if original_mark else "5.2"
    else:
        invoice_type = {"S": "2.1", "AE": "2.2"}.get(category, "2.3")
    income_type = {"S": "E3_561_001", "AE": "E3_561_005"}.get(category, "E3_561_006")
    sign = -1 if credit else 1

    def classification(amount: Decimal) -> list[Any]:
        return [
            C.classificationType(income_type),
            C.classificationCategory("category1_3"),
            C.amount(_money(amount)),
        ]

    details = []
    for line in _lines(invoice):
        net = line.amount * sign
        vat = (net * invoice.vat_rate / 100).quantize(Decimal("1.00"))
        details.append(
            M.invoiceDetails(
                M.lineNumber(str(line.position)),
                M.netValue(_money(net)),
                M.vatCategory("1" if category == "S" else "7"),
                M.vatAmount(_money(vat)),
                *([] if category == "S" else [M.vatExemptionCategory("4")]),
                M.incomeClassification(*classification(net)),
            )
        )
    counterpart = [
        M.vatNumber(_digits(str(buyer.get("vat_id", ""))) or "0"),
        M.country(buyer_country),
        M.branch("0"),
    ]
    if buyer_country != "GR":
        counterpart.append(M.name(str(buyer.get("name", ""))))
    street, _place = _address_lines(buyer)
    counterpart.append(
        M.address(
            M.street(street),
            M.postalCode(str(buyer.get("postcode") or "00000")),
            M.city(str(buyer.get("city") or "-")),
        )
    )
    series, _, aa = number.rpartition("-")
    net_total = invoice.net_amount * sign
    document = M.InvoicesDoc(
        M.invoice(
            M.issuer(
                M.vatNumber(_digits(str(vendor.get("vat_id", "")))),
                M.country("GR"),
                M.branch("0"),
            ),
            M.counterpart(*counterpart),
            M.invoiceHeader(
                M.series(series or "A"),
                M.aa(aa),
                M.issueDate(issued_on.isoformat()),
                M.invoiceType(invoice_type),
                M.currency(invoice.currency),
                *([M.correlatedInvoices(original_mark)] if credit and original_mark else []),
            ),
            M.paymentMethods(
                M.paymentMethodDetails(
                    M.type("5"),  # on credit
                    M.amount(_money(invoice.total_amount * sign)),
                )
            ),
            *details,
            M.invoiceSummary(
                M.totalNetValue(_money(net_total)),
                M.totalVatAmount(_money(invoice.vat_amount * sign)),
                M.totalWithheldAmount("0.00"),
                M.totalFeesAmount("0.00"),
                M.totalStampDutyAmount("0.00"),
                M.totalOtherTaxesAmount("0.00"),
                M.totalDeductionsAmount("0.00"),
                M.totalGrossValue(_money(invoice.total_amount * sign)),
                M.incomeClassification(*classification(net_total)),
            ),
        )
    )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Structure checks ----------------------------------------------------------

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT = re.compile(r"^-?\d{1,16}(\.\d{1,2})?$")
NIP = re.compile(r"^\d{10}$")

# Elements each schema requires (minOccurs ≥ 1 on the path from the root),
# with the format of the simple type where it matters. Paths use the
# prefixes of NAMESPACES below.
REQUIRED: dict[str, list[tuple[str, re.Pattern[str] | None]]] = {
    "PL": [
        ("k:Naglowek/k:KodFormularza", re.compile("^FA$")),
        ("k:Naglowek/k:WariantFormularza", re.compile("^3$")),
        ("k:Naglowek/k:DataWytworzeniaFa", None),
        ("k:Podmiot1/k:DaneIdentyfikacyjne/k:NIP", NIP),
        ("k:Podmiot1/k:DaneIdentyfikacyjne/k:Nazwa", None),
        ("k:Podmiot1/k:Adres/k:KodKraju", None),
        ("k:Podmiot1/k:Adres/k:AdresL1", None),
        ("k:Podmiot2/k:DaneIdentyfikacyjne", None),
        ("k:Podmiot2/k:JST", re.compile("^[12]$")),
        ("k:Podmiot2/k:GV", re.compile("^[12]$")),
        ("k:Fa/k:KodWaluty", re.compile("^[A-Z]{3}$")),
        ("k:Fa/k:P_1", DATE),
        ("k:Fa/k:P_2", None),
        ("k:Fa/k:P_15", AMOUNT),
        ("k:Fa/k:Adnotacje/k:P_16", re.compile("^[12]$")),
        ("k:Fa/k:Adnotacje/k:P_17", re.compile("^[12]$")),
        ("k:Fa/k:Adnotacje/k:P_18", re.compile("^[12]$")),
        ("k:Fa/k:Adnotacje/k:P_18A", re.compile("^[12]$")),
        ("k:Fa/k:Adnotacje/k:Zwolnienie", None),
        ("k:Fa/k:Adnotacje/k:NoweSrodkiTransportu", None),
        ("k:Fa/k:Adnotacje/k:P_23", re.compile("^[12]$")),
        ("k:Fa/k:Adnotacje/k:PMarzy", None),
        ("k:Fa/k:RodzajFaktury", re.compile("^(VAT|KOR|ZAL|ROZ|UPR|KOR_ZAL|KOR_ROZ)$")),
    ],
    "HU": [
        ("d:invoiceNumber", None),
        ("d:invoiceIssueDate", DATE),
        ("d:completenessIndicator", re.compile("^(true|false)$")),
        (
            "d:invoiceMain/d:invoice/d:invoiceHead/d:supplierInfo/d:supplierTaxNumber/b:taxpayerId",
            re.compile(r"^\d{8}$"),
        ),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:supplierInfo/d:supplierName", None),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:supplierInfo/d:supplierAddress", None),
        (
            "d:invoiceMain/d:invoice/d:invoiceHead/d:customerInfo/d:customerVatStatus",
            re.compile("^(DOMESTIC|OTHER|PRIVATE_PERSON)$"),
        ),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/d:invoiceCategory", None),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/d:invoiceDeliveryDate", DATE),
        (
            "d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/d:currencyCode",
            re.compile("^[A-Z]{3}$"),
        ),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/d:exchangeRate", None),
        ("d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/d:invoiceAppearance", None),
        (
            "d:invoiceMain/d:invoice/d:invoiceSummary/d:summaryGrossData/d:invoiceGrossAmount",
            AMOUNT,
        ),
        (
            "d:invoiceMain/d:invoice/d:invoiceSummary/d:summaryGrossData/d:invoiceGrossAmountHUF",
            AMOUNT,
        ),
    ],
    "GR": [
        ("m:invoice/m:issuer/m:vatNumber", re.compile(r"^\d{9}$")),
        ("m:invoice/m:issuer/m:country", re.compile("^GR$")),
        ("m:invoice/m:issuer/m:branch", None),
        ("m:invoice/m:invoiceHeader/m:series", None),
        ("m:invoice/m:invoiceHeader/m:aa", None),
        ("m:invoice/m:invoiceHeader/m:issueDate", DATE),
        ("m:invoice/m:invoiceHeader/m:invoiceType", re.compile(r"^\d{1,2}\.\d{1,2}$")),
        ("m:invoice/m:invoiceDetails/m:lineNumber", None),
        ("m:invoice/m:invoiceDetails/m:netValue", AMOUNT),
        ("m:invoice/m:invoiceDetails/m:vatCategory", re.compile("^[1-8]$")),
        ("m:invoice/m:invoiceDetails/m:vatAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalNetValue", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalVatAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalWithheldAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalFeesAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalStampDutyAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalOtherTaxesAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalDeductionsAmount", AMOUNT),
        ("m:invoice/m:invoiceSummary/m:totalGrossValue", AMOUNT),
    ],
}
ROOTS = {
    "PL": f"{{{KSEF_NS}}}Faktura",
    "HU": f"{{{NAV_NS}}}InvoiceData",
    "GR": f"{{{MYDATA_NS}}}InvoicesDoc",
}
NAMESPACES = {"k": KSEF_NS, "d": NAV_NS, "b": NAV_BASE_NS, "m": MYDATA_NS}
LINE_REQUIRED = {
    "PL": ("k:Fa/k:FaWiersz", ["k:NrWierszaFa", "k:P_11", "k:P_12"]),
    "HU": (
        "d:invoiceMain/d:invoice/d:invoiceLines/d:line",
        [
            "d:lineNumber",
            "d:lineExpressionIndicator",
            "d:lineAmountsNormal/d:lineNetAmountData/d:lineNetAmount",
        ],
    ),
    "GR": (
        "m:invoice/m:invoiceDetails",
        ["m:lineNumber", "m:netValue", "m:vatCategory", "m:vatAmount"],
    ),
}


def structure_problems(country: str, xml: bytes) -> list[str]:
    """Every element the country's schema requires that ``xml`` lacks or
    fills with a value of the wrong format; empty means the document has
    the structure the tax service checks first."""
    root = etree.fromstring(xml)
    if root.tag != ROOTS[country]:
        return [f"root: expected {ROOTS[country]}, found {root.tag}"]
    problems = []
    for path, pattern in REQUIRED[country]:
        found = cast(list[Any], root.xpath(path, namespaces=NAMESPACES))
        if not found:
            problems.append(f"{path}: missing")
        elif pattern is not None and not pattern.match((found[0].text or "").strip()):
            problems.append(f"{path}: {found[0].text!r} is not a valid value")
    lines_path, line_children = LINE_REQUIRED[country]
    lines = cast(list[Any], root.xpath(lines_path, namespaces=NAMESPACES))
    if not lines:
        problems.append(f"{lines_path}: missing")
    for index, line in enumerate(lines, start=1):
        for child in line_children:
            if not line.xpath(child, namespaces=NAMESPACES):
                problems.append(f"{lines_path}[{index}]/{child}: missing")
    return problems


def national_document(
    invoice: Invoice, *, generated_at: str, original_mark: str = ""
) -> tuple[str, bytes]:
    """The seller country's document for ``invoice`` as (format name, XML)."""
    country = str(invoice.vendor.get("country", "")).upper()
    if country == "PL":
        return FORMATS["PL"].name, ksef_fa3(invoice, generated_at=generated_at)
    if country == "HU":
        return FORMATS["HU"].name, nav_invoice_data(invoice)
    if country == "GR":
        return FORMATS["GR"].name, mydata_invoices_doc(invoice, original_mark=original_mark)
    raise NationalDocumentRefused(
        "not_this_country", f"no national e-invoice document in {country}"
    )
