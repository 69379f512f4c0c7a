# ruff: noqa: RUF002  (the laws cited in their languages)
"""One story per preset: ``init --preset``, the seller's identity completed,
four customers - a domestic business, a business in another member state
with a VAT id (Germany), a consumer in another member state (Germany), a
business outside the EU (United States) - each with a monthly support
contract of 100.00, March billed on 1 April 2026.

Worked figures (rules/vat.py for the law), net 100.00 each:
- domestic business: the seller's standard rate on 31 March 2026 (the last
  day of the supplied month): BG 20 % (ЗДДС чл. 66) → VAT 20.00, total
  120.00; HU 27 % (Áfa tv. 82. §) → 27.00 / 127.00; GR 24 % (Κώδικας ΦΠΑ
  άρθρο 21) → 24.00 / 124.00; PL 23 % (ustawa o VAT art. 41, 146ef) →
  23.00 / 123.00; RU 22 % (НК РФ ст. 164 п. 3, since 2026-01-01) → 22.00 /
  122.00.
- German business with a VAT id, EU seller: place of supply Germany
  (Directive 2006/112/EC Art. 44), the customer accounts for the VAT
  (Art. 196): 0 %, total 100.00, the reverse-charge statement.
- German consumer, EU seller: place of supply the seller's (Art. 45): the
  seller's rate, as for the domestic business.
- US business, EU seller: outside the EU (Art. 44): 0 %, "not subject to
  VAT in the EU".
- RU seller, every foreign customer: not subject to Russian VAT (НК РФ
  ст. 148 п. 1 пп. 4), 0 %.
"""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.en16931 import cii_xml
from supportledger.billing.einvoice.national import (
    FORMATS,
    NationalDocumentRefused,
    national_document,
    structure_problems,
)
from supportledger.billing.einvoice.validation import en16931_problems
from supportledger.billing.seller import do_update_seller
from supportledger.customers.actions import do_create_customer
from supportledger.demo.build import DEMO_SELLERS
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.cast import SET_UP_AT, at

MARCH = Period.month("2026-03")
BILLED_AT = at(date(2026, 4, 1), 6)
PRESETS = {
    "prepaid_hours_bg": ("BG", "20", "bg", "EUR"),
    "warranty_year_hu": ("HU", "27", "hu", "HUF"),
    "annual_maintenance_gr": ("GR", "24", "el", "EUR"),
    "support_period_ru": ("RU", "22", "ru", "RUB"),
    "remote_sla_pl": ("PL", "23", "pl", "PLN"),
}
DOMESTIC = {
    "BG": ("ул. Раковски 1", "1000", "София", "BG204612908"),
    "HU": ("Fő utca 1", "1011", "Budapest", "HU27463101"),
    "GR": ("Ερμού 2", "10563", "Αθήνα", "EL801234560"),
    "RU": ("ул. Ленина 1", "101000", "Москва", "RU7709123453"),
    "PL": ("ul. Długa 1", "00-001", "Warszawa", "PL5273015517"),
}
REVERSE_CHARGE = "Reverse charge: VAT to be accounted for by the recipient"
OUTSIDE_EU = "Not subject to VAT in the EU"
OUTSIDE_RU = "Not subject to VAT in RU"


def _customer(name, street, postcode, city, country, currency, kind="business", vat_id=""):
    return do_create_customer(
        acting_user=None,
        organisation=name,
        street=street,
        postcode=postcode,
        city=city,
        country=country,
        language="en",
        currency=currency,
        customer_type=kind,
        vat_id=vat_id,
        now=SET_UP_AT,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("preset", list(PRESETS))
def test_each_presets_four_kinds_of_customer_get_the_vat_the_law_gives(preset):
    country, rate, _language, currency = PRESETS[preset]
    call_command("init", preset=preset, stdout=StringIO())
    do_update_seller(acting_user=None, **DEMO_SELLERS[country])
    street, postcode, city, vat_id = DOMESTIC[country]
    customers = {
        "domestic": _customer("Home Ltd", street, postcode, city, country, currency, vat_id=vat_id),
        "eu_business": _customer(
            "Berlin GmbH",
            "Unter den Linden 1",
            "10117",
            "Berlin",
            "DE",
            currency,
            vat_id="DE136695976",
        ),
        "eu_consumer": _customer(
            "Erika Mustermann", "Hauptstr. 1", "80331", "München", "DE", currency, "consumer"
        ),
        "non_eu": _customer("Austin Inc", "1 Congress Ave", "78701", "Austin", "US", currency),
        "no_vat_id": _customer("Köln GmbH", "Domplatz 1", "50667", "Köln", "DE", currency),
    }
    for customer in customers.values():
        do_sell_contract(
            acting_user=None,
            customer=customer,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            fee=Decimal("100.00"),
            currency=currency,
            billing_period="month",
            now=SET_UP_AT,
        )
    result = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
    invoices = {invoice.customer_id: invoice for invoice in result.invoices}
    home = Decimal(rate)

    def check(kind, vat_rate, category, note):
        invoice = invoices[customers[kind].pk]
        vat = (Decimal(100) * vat_rate / 100).quantize(Decimal("0.01"))
        assert (invoice.net_amount, invoice.vat_rate, invoice.vat_amount) == (
            Decimal("100.00"),
            vat_rate,
            vat,
        ), kind
        assert invoice.total_amount == Decimal("100.00") + vat, kind
        [line] = invoice.lines.all()
        assert line.vat_category == category, kind
        assert (line.supplied_from, line.supplied_on) == (MARCH.start, MARCH.end), kind
        assert (invoice.period_start, invoice.period_end) == (MARCH.start, MARCH.end), kind
        if note:
            assert invoice.vat_note.startswith(note), kind
            assert invoice.vat_legal_basis, kind
        else:
            assert invoice.vat_note == "", kind
        assert invoice.vendor["vat_id"] == DEMO_SELLERS[country]["vat_id"], kind
        assert invoice.bill_to["street"] == customers[kind].street, kind

    check("domestic", home, "S", "")
    if country == "RU":
        check("eu_business", Decimal(0), "O", OUTSIDE_RU)
        check("eu_consumer", Decimal(0), "O", OUTSIDE_RU)
        check("non_eu", Decimal(0), "O", OUTSIDE_RU)
        # A foreign business needs no VAT id to be outside Russian VAT.
        assert customers["no_vat_id"].pk in invoices
    else:
        check("eu_business", Decimal(0), "AE", REVERSE_CHARGE)
        assert "Art. 44, Art. 196" in invoices[customers["eu_business"].pk].vat_legal_basis
        check("eu_consumer", home, "S", "")
        check("non_eu", Decimal(0), "O", OUTSIDE_EU)
        # An EU business without a VAT id is not invoiced: reverse charge or
        # domestic VAT cannot be told apart without it.
        assert result.refused == {customers["no_vat_id"].pk: ["vat_id"]}
        assert customers["no_vat_id"].pk not in invoices
    # Each of these invoices is also a valid EN 16931 document (XSD and
    # schematron), and its seller's national document where it has one.
    for invoice in invoices.values():
        assert en16931_problems(cii_xml(invoice)) == [], invoice.bill_to["name"]
        if country in FORMATS and invoice.currency == FORMATS[country].currency:
            _name, xml = national_document(invoice, generated_at="2026-04-01T06:00:00Z")
            assert structure_problems(country, xml) == [], invoice.bill_to["name"]
        elif country in FORMATS:
            # Another currency than the country's: refused, not reported wrong.
            with pytest.raises(NationalDocumentRefused, match="exchange rate"):
                national_document(invoice, generated_at="2026-04-01T06:00:00Z")
