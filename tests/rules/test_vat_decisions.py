# ruff: noqa: RUF002  (laws quoted in their languages: Cyrillic)
"""VAT of a supply of support services for every seller of the five presets
and every customer country among them, plus Germany (another member state)
and the United States (outside the EU), business and consumer.

Expected figures, 2026 (module docstring of rules/vat.py for the law):
- domestic: the seller's standard rate - BG 20 % (ЗДДС чл. 66), HU 27 %
  (Áfa tv. 82. §), GR 24 % (Κώδικας ΦΠΑ άρθρο 21), PL 23 % (ustawa o VAT
  art. 41 ust. 1, art. 146ef), RU 22 % (НК РФ ст. 164 п. 3 as of 425-ФЗ);
- EU seller, business in another member state: reverse charge, 0 %
  (Directive 2006/112/EC Art. 44 + 196); RU counts as outside the EU;
- EU seller, consumer in another member state: seller's rate (Art. 45);
- EU seller, customer outside the EU: not subject, 0 % (Art. 44 / 59(c));
- RU seller, customer abroad: not subject to Russian VAT (НК РФ ст. 148).
"""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportledger.rules.vat import VatRate, decide_vat, rate_on

ON = date(2026, 3, 15)
SELLERS = {"BG": "20", "HU": "27", "GR": "24", "PL": "23", "RU": "22"}
CUSTOMERS = ["BG", "HU", "GR", "PL", "RU", "DE", "US"]
EU = {"BG", "HU", "GR", "PL", "DE"}


def expected(seller: str, customer: str, business: bool) -> tuple[str, str, str]:
    """(category, rate, note) worked out from the rules in the module docstring."""
    home = SELLERS[seller]
    if customer == seller:
        return ("S", home, "")
    if seller == "RU":
        return ("O", "0", "outside_seller_country")
    if customer in EU:
        return ("AE", "0", "reverse_charge") if business else ("S", home, "")
    return ("O", "0", "outside_eu")


CASES = [
    (seller, customer, business)
    for seller in SELLERS
    for customer in CUSTOMERS
    for business in (True, False)
]


@pytest.mark.parametrize(("seller", "customer", "business"), CASES)
def test_every_seller_and_customer_pair_gets_the_treatment_the_law_gives(
    seller, customer, business
):
    decision = decide_vat(
        seller_country=seller,
        customer_country=customer,
        customer_is_business=business,
        customer_vat_id="X123" if business else "",
        on=ON,
    )
    category, rate, note = expected(seller, customer, business)
    assert decision.missing == ()
    assert (decision.category, decision.rate, decision.note) == (category, Decimal(rate), note)
    if note == "reverse_charge":
        assert decision.legal_basis == "Directive 2006/112/EC Art. 44, Art. 196"
    if note:
        assert decision.legal_basis


def test_a_bulgarian_invoice_to_a_sofia_company_carries_twenty_percent():
    decision = decide_vat(
        seller_country="BG",
        customer_country="BG",
        customer_is_business=True,
        customer_vat_id="BG175074752",
        on=ON,
    )
    assert (decision.category, decision.rate, decision.note) == ("S", Decimal(20), "")


def test_an_eu_business_without_a_vat_id_cannot_be_decided():
    decision = decide_vat(
        seller_country="HU",
        customer_country="DE",
        customer_is_business=True,
        customer_vat_id=" ",
        on=ON,
    )
    assert decision.missing == ("vat_id",)


def test_russian_rate_is_twenty_before_2026_and_twenty_two_from_new_year():
    assert rate_on("RU", date(2025, 12, 31)).rate == Decimal(20)
    assert rate_on("RU", date(2026, 1, 1)).rate == Decimal(22)


def test_rates_in_force_in_2026_for_the_five_preset_countries():
    on = date(2026, 6, 30)
    assert {c: rate_on(c, on).rate for c in SELLERS} == {c: Decimal(r) for c, r in SELLERS.items()}


def test_a_vendor_rate_is_added_to_the_builtin_ones_and_wins_from_its_date():
    mine = [VatRate("BG", Decimal("21"), date(2027, 1, 1), "a future law")]
    assert rate_on("BG", date(2026, 12, 31), mine).rate == Decimal(20)
    assert rate_on("BG", date(2027, 1, 1), mine).rate == Decimal(21)


def test_a_seller_without_a_rate_for_its_country_is_told_what_is_missing():
    decision = decide_vat(
        seller_country="NO",
        customer_country="NO",
        customer_is_business=True,
        customer_vat_id="",
        on=ON,
    )
    assert decision.missing == ("seller.vat_rates.NO",)


@given(
    seller=st.sampled_from(sorted(SELLERS)),
    customer=st.sampled_from(CUSTOMERS),
    business=st.booleans(),
    vat_id=st.text(min_size=1).filter(str.strip),
    other=st.text(min_size=1).filter(str.strip),
    on=st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_decision_depends_on_a_vat_id_only_by_its_being_given(
    seller, customer, business, vat_id, other, on
):
    """What the billing run relies on to keep one decision per kind of
    customer and day for the whole run."""

    def decide(given: str):
        return decide_vat(
            seller_country=seller,
            customer_country=customer,
            customer_is_business=business,
            customer_vat_id=given,
            on=on,
        )

    assert decide(vat_id) == decide(other)
    assert decide(" ") == decide("")
