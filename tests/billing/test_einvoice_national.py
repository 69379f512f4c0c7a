"""The national e-invoice documents: KSeF FA(3) for a Polish seller, NAV
Online Számla 3.0 for a Hungarian one, myDATA for a Greek one, each with
the elements its schema requires, and a broken document failing the check."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from supportledger.billing.actions.invoices import do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.national import (
    NAMESPACES,
    NationalDocumentRefused,
    ksef_fa3,
    mydata_invoices_doc,
    national_document,
    nav_invoice_data,
    structure_problems,
)
from supportledger.billing.models import BillingSettings
from supportledger.customers.actions import do_create_customer
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.cast import SET_UP_AT, at, build_cast

MARCH = Period.month("2026-03")
BILLED_AT = at(date(2026, 4, 1), 6)
GENERATED = "2026-04-01T06:00:00Z"

SELLERS = {
    "PL": (
        "remote_sla_pl",
        "PL5260250274",
        "PLN",
        "23",
        "ul. Marszałkowska 1",
        "00-624",
        "Warszawa",
    ),
    "HU": ("warranty_year_hu", "12345676-2-41", "HUF", "27", "Váci út 1", "1062", "Budapest"),
    "GR": ("annual_maintenance_gr", "EL094014201", "EUR", "24", "Stadiou 1", "10564", "Athens"),
}


IBANS = {
    "PL": "PL61109010140000071219812874",
    "HU": "HU42117730161111101800000000",
    "GR": "GR1601101250000000012300695",
}


def _seller(country):
    preset, vat_id, currency, rate, street, postcode, city = SELLERS[country]
    cast = build_cast(preset)
    BillingSettings.objects.update_or_create(
        pk=1,
        defaults={
            "legal_name": f"Vendor {country}",
            "address": street,
            "postcode": postcode,
            "city": city,
            "registration_number": "0000123456",
            "country": country,
            "vat_id": vat_id,
            "vat_rates": {country: rate},
            "bank_account": IBANS[country],
        },
    )
    return cast, currency


def _invoice(country, *, customer_country, vat_id=""):
    _cast, currency = _seller(country)
    customer = do_create_customer(
        acting_user=None,
        organisation=f"Buyer in {customer_country}",
        street="1 Main Street",
        postcode="1000",
        city="Town",
        country=customer_country,
        language="en",
        currency=currency,
        vat_id=vat_id,
        now=SET_UP_AT,
    )
    do_sell_contract(
        acting_user=None,
        customer=customer,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        fee=Decimal("1000.00") if currency != "HUF" else Decimal("150000"),
        currency=currency,
        billing_period="month",
        now=SET_UP_AT,
    )
    return do_run_billing(
        acting_user=None, period=MARCH, customer=customer, now=BILLED_AT
    ).invoices[0]


def _text(xml, path):
    return etree.fromstring(xml).xpath(path, namespaces=NAMESPACES)[0].text


@pytest.mark.django_db
def test_a_polish_sale_to_a_polish_company_is_an_fa3_invoice_at_23_percent():
    invoice = _invoice("PL", customer_country="PL", vat_id="PL7740001454")
    xml = ksef_fa3(invoice, generated_at=GENERATED)
    assert structure_problems("PL", xml) == []
    # 1 000.00 PLN net, 23 % VAT = 230.00, 1 230.00 total (art. 146ef VAT Act).
    assert _text(xml, "k:Fa/k:P_13_1") == "1000.00"
    assert _text(xml, "k:Fa/k:P_14_1") == "230.00"
    assert _text(xml, "k:Fa/k:P_15") == "1230.00"
    assert _text(xml, "k:Podmiot2/k:DaneIdentyfikacyjne/k:NIP") == "7740001454"
    assert _text(xml, "k:Fa/k:FaWiersz/k:P_12") == "23"
    assert _text(xml, "k:Fa/k:OkresFa/k:P_6_Od") == "2026-03-01"


@pytest.mark.django_db
def test_a_polish_service_to_a_german_business_is_reverse_charge_np_ii():
    invoice = _invoice("PL", customer_country="DE", vat_id="DE136695976")
    xml = ksef_fa3(invoice, generated_at=GENERATED)
    assert structure_problems("PL", xml) == []
    assert _text(xml, "k:Fa/k:P_13_9") == "1000.00"
    assert _text(xml, "k:Fa/k:Adnotacje/k:P_18") == "1"  # odwrotne obciążenie
    assert _text(xml, "k:Fa/k:FaWiersz/k:P_12") == "np II"
    assert _text(xml, "k:Podmiot2/k:DaneIdentyfikacyjne/k:KodUE") == "DE"


@pytest.mark.django_db
def test_a_polish_credit_note_is_a_kor_naming_the_invoice_it_corrects():
    invoice = _invoice("PL", customer_country="PL", vat_id="PL7740001454")
    note = do_credit_invoice(acting_user=None, invoice=invoice, reason="Duplicate", now=BILLED_AT)
    xml = ksef_fa3(note, generated_at=GENERATED)
    assert structure_problems("PL", xml) == []
    assert _text(xml, "k:Fa/k:RodzajFaktury") == "KOR"
    assert _text(xml, "k:Fa/k:DaneFaKorygowanej/k:NrFaKorygowanej") == invoice.number
    assert _text(xml, "k:Fa/k:PrzyczynaKorekty") == "Duplicate"


@pytest.mark.django_db
def test_a_hungarian_domestic_sale_is_nav_invoice_data_at_27_percent():
    invoice = _invoice("HU", customer_country="HU", vat_id="10773381-2-44")
    xml = nav_invoice_data(invoice)
    assert structure_problems("HU", xml) == []
    # 150 000 HUF net, 27 % = 40 500, 190 500 gross (Áfa tv. § 82).
    summary = "d:invoiceMain/d:invoice/d:invoiceSummary"
    assert _text(xml, f"{summary}/d:summaryNormal/d:invoiceVatAmountHUF") == "40500.00"
    assert _text(xml, f"{summary}/d:summaryGrossData/d:invoiceGrossAmountHUF") == "190500.00"
    head = "d:invoiceMain/d:invoice/d:invoiceHead"
    assert _text(xml, f"{head}/d:customerInfo/d:customerVatStatus") == "DOMESTIC"
    assert _text(xml, f"{head}/d:supplierInfo/d:supplierTaxNumber/b:taxpayerId") == "12345676"


@pytest.mark.django_db
def test_a_hungarian_service_to_an_austrian_business_is_out_of_scope_eufad37():
    invoice = _invoice("HU", customer_country="AT", vat_id="ATU13585627")
    xml = nav_invoice_data(invoice)
    assert structure_problems("HU", xml) == []
    line = "d:invoiceMain/d:invoice/d:invoiceLines/d:line/d:lineAmountsNormal"
    assert _text(xml, f"{line}/d:lineVatRate/d:vatOutOfScope/d:case") == "EUFAD37"


@pytest.mark.django_db
def test_a_greek_domestic_sale_is_mydata_type_2_1_at_24_percent():
    invoice = _invoice("GR", customer_country="GR", vat_id="EL090000045")
    xml = mydata_invoices_doc(invoice)
    assert structure_problems("GR", xml) == []
    assert _text(xml, "m:invoice/m:invoiceHeader/m:invoiceType") == "2.1"
    assert _text(xml, "m:invoice/m:invoiceSummary/m:totalVatAmount") == "240.00"
    assert _text(xml, "m:invoice/m:invoiceSummary/m:totalGrossValue") == "1240.00"
    assert _text(xml, "m:invoice/m:issuer/m:vatNumber") == "094014201"


@pytest.mark.django_db
def test_a_greek_service_outside_the_eu_is_type_2_3_without_vat():
    invoice = _invoice("GR", customer_country="US")
    xml = mydata_invoices_doc(invoice)
    assert structure_problems("GR", xml) == []
    assert _text(xml, "m:invoice/m:invoiceHeader/m:invoiceType") == "2.3"
    assert _text(xml, "m:invoice/m:invoiceDetails/m:vatCategory") == "7"
    assert _text(xml, "m:invoice/m:invoiceDetails/m:vatExemptionCategory") == "4"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "remove"),
    [
        ("PL", "k:Podmiot2/k:GV"),
        ("HU", "d:invoiceIssueDate"),
        ("GR", "m:invoice/m:invoiceSummary/m:totalGrossValue"),
    ],
)
def test_a_document_missing_a_required_element_fails_the_structure_check(country, remove):
    invoice = _invoice(country, customer_country=country)
    _name, xml = national_document(invoice, generated_at=GENERATED)
    root = etree.fromstring(xml)
    element = root.xpath(remove, namespaces=NAMESPACES)[0]
    element.getparent().remove(element)
    assert structure_problems(country, etree.tostring(root)) == [f"{remove}: missing"]


@pytest.mark.django_db
def test_a_wrongly_formatted_value_fails_the_structure_check():
    invoice = _invoice("PL", customer_country="PL", vat_id="PL7740001454")
    root = etree.fromstring(ksef_fa3(invoice, generated_at=GENERATED))
    root.xpath("k:Fa/k:P_1", namespaces=NAMESPACES)[0].text = "01.04.2026"
    assert structure_problems("PL", etree.tostring(root)) == [
        "k:Fa/k:P_1: '01.04.2026' is not a valid value"
    ]


@pytest.mark.django_db
def test_an_invoice_in_another_currency_is_not_reported_with_wrong_amounts():
    _seller("PL")
    customer = do_create_customer(
        acting_user=None,
        organisation="Euro buyer",
        street="Unter den Linden 1",
        postcode="10117",
        city="Berlin",
        country="DE",
        language="en",
        currency="EUR",
        vat_id="DE136695976",
        now=SET_UP_AT,
    )
    do_sell_contract(
        acting_user=None,
        customer=customer,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        fee=Decimal("100.00"),
        currency="EUR",
        billing_period="month",
        now=SET_UP_AT,
    )
    invoice = do_run_billing(
        acting_user=None, period=MARCH, customer=customer, now=BILLED_AT
    ).invoices[0]
    with pytest.raises(NationalDocumentRefused) as refused:
        ksef_fa3(invoice, generated_at=GENERATED)
    assert refused.value.code == "exchange_rate_needed"
