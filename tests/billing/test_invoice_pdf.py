import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from supportledger.billing.actions.invoices import do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.export import export_csv, export_json
from supportledger.billing.pdf import render_invoice_pdf
from supportledger.billing.queries import list_invoices_for_period
from supportledger.core.locale_format import format_money
from supportledger.customers.actions import do_create_customer
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import SET_UP_AT, at, open_request

MARCH = Period.month("2026-03")
WORDS = {
    "en": "Invoice",
    "bg": "Фактура",
    "hu": "Számla",
    "el": "Τιμολόγιο",
    "ru": "Счёт-фактура",
    "pl": "Faktura",
}


def _plain(text: str) -> str:
    """Text with every kind of space (CLDR uses no-break and narrow ones) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _pdf_text(pdf: bytes) -> str:
    return _plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def story(db):
    cast, _contract, request = build_billing_story()
    record(cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
    return cast


@pytest.mark.parametrize("language", ["en", "bg", "hu", "el", "ru", "pl"])
def test_the_invoice_pdf_speaks_the_customers_language_and_shows_its_totals(story, language):
    customer = do_create_customer(
        acting_user=None,
        organisation=f"Kunde <img src='file:///etc/passwd'> {language}",
        street="1 Rakovski St",
        postcode="1000",
        city="Sofia",
        country="BG",
        language=language,
        currency="EUR",
        now=SET_UP_AT,
    )
    request = open_request(customer)
    record(story, request, f"W-{language}", at(MARCH_4, 10), at(MARCH_4, 12, 30))
    invoice = do_run_billing(
        acting_user=None, period=MARCH, customer=customer, now=BILLED_AT
    ).invoices[0]
    text = _pdf_text(render_invoice_pdf(invoice))
    assert WORDS[language] in text
    assert invoice.number in text
    for amount in (invoice.net_amount, invoice.vat_amount, invoice.total_amount):
        assert _plain(format_money(amount, "EUR", language)) in text
    assert "Sofia Soft Ltd" in text
    assert "root:" not in text  # the customer's name did not pull in a local file


def test_the_work_line_in_the_pdf_explains_the_minutes_in_bulgarian(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    text = _pdf_text(render_invoice_pdf(invoice))
    assert "Отдалечена поддръжка 4.03.2026 г., заявка REQ-" in text  # noqa: RUF001
    assert "65 мин → 120 мин отчетени: 60 мин от договор за поддръжка" in text
    assert "60 мин за плащане" in text
    assert "SUB-" not in text  # no internal codes the customer does not know


def test_a_credit_note_pdf_names_the_invoice_it_corrects(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    note = do_credit_invoice(acting_user=None, invoice=invoice, reason="Error", now=BILLED_AT)
    text = _pdf_text(render_invoice_pdf(note))
    assert "Кредитно известие" in text
    assert invoice.number in text
    assert _plain(format_money(note.total_amount, "EUR", "bg")) in text


def test_an_eu_business_customer_abroad_gets_the_reverse_charge_note(story):
    greek = do_create_customer(
        acting_user=None,
        organisation="Athens SA",
        street="Ermou 10",
        postcode="10563",
        city="Athens",
        country="GR",
        language="el",
        currency="EUR",
        vat_id="EL094259216",
        now=SET_UP_AT,
    )
    record(story, open_request(greek), "W-GR", at(MARCH_4, 10), at(MARCH_4, 11))
    invoice = do_run_billing(
        acting_user=None, period=MARCH, customer=greek, now=BILLED_AT
    ).invoices[0]
    assert invoice.vat_rate == 0
    assert invoice.vat_amount == 0
    assert invoice.total_amount == invoice.net_amount
    assert "Αντίστροφη επιβάρυνση" in _pdf_text(render_invoice_pdf(invoice))


def test_csv_and_json_exports_list_every_line_with_what_it_bills(story):
    invoice = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices[0]
    invoices = list_invoices_for_period(date(2026, 4, 1), date(2026, 4, 30))
    rows = list(csv.DictReader(io.StringIO(export_csv(invoices))))
    assert [r["line_kind"] for r in rows] == ["contract_fee", "work"]
    assert {r["number"] for r in rows} == {invoice.number}
    assert rows[1]["work_id"] == "W1"
    assert rows[0]["invoice_total"] == str(invoice.total_amount)
    records = json.loads(export_json(invoices))
    assert records[0]["total"] == str(invoice.total_amount)
    assert sum(Decimal(line["amount"]) for line in records[0]["lines"]) == invoice.net_amount


CREDIT_WORDS = {
    # (date of supply, unit of minutes, corrects, reason label, no due date label)
    "en": ("Date of supply", "min", "Corrects invoice", "Reason for the correction", "Due date"),
    "bg": ("Дата на доставка", "мин", "Коригира фактура", "Основание за корекцията", "Падеж"),
    "hu": ("Teljesítés dátuma", "perc", "Helyesbíti", "A helyesbítés oka", "Fizetési határidő"),
    "el": (
        "Ημερομηνία παροχής",
        "λεπτά",
        "Διορθώνει το τιμολόγιο",
        "Αιτία της διόρθωσης",
        "Ημερομηνία λήξης",
    ),
    "ru": ("Дата оказания", "мин", "Исправляет счёт", "Причина исправления", "Срок оплаты"),
    "pl": ("Data wykonania", "min", "Koryguje fakturę", "Przyczyna korekty", "Termin płatności"),
}


@pytest.mark.parametrize("language", ["en", "bg", "hu", "el", "ru", "pl"])
def test_an_invoice_and_its_credit_note_read_fully_in_each_language(story, language):
    customer = do_create_customer(
        acting_user=None,
        organisation=f"Reader {language}",
        street="7 Oborishte St",
        postcode="1504",
        city="Sofia",
        country="BG",
        registration_number="204612908",
        language=language,
        currency="EUR",
        now=SET_UP_AT,
    )
    record(story, open_request(customer), f"R-{language}", at(MARCH_4, 10), at(MARCH_4, 11))
    [invoice] = do_run_billing(
        acting_user=None, period=MARCH, customer=customer, now=BILLED_AT
    ).invoices
    supplied, unit, corrects, reason, due = CREDIT_WORDS[language]
    text = _pdf_text(render_invoice_pdf(invoice))
    assert "7 Oborishte St" in text
    assert "1504 Sofia" in text
    assert "204612908" in text  # the customer's registration number
    assert "BG175074752" in text  # the seller's VAT id
    assert supplied in text
    assert f"60 {unit}" in text
    assert due in text
    note = do_credit_invoice(
        acting_user=None, invoice=invoice, reason="Billed twice", now=BILLED_AT
    )
    credit = _pdf_text(render_invoice_pdf(note))
    assert corrects in credit
    assert invoice.number in credit
    assert f"{reason}: Billed twice" in credit
    assert due not in credit
    assert note.due_on is None
