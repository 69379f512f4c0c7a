"""VAT ids, registration numbers and bank details checked by python-stdnum."""

import pytest

from supportledger.rules.tax_ids import (
    TaxIdError,
    normalise_bic,
    normalise_iban,
    normalise_registration_number,
    normalise_vat_id,
)

VALID_VAT_IDS = [
    ("BG", "BG 175 074 752", "BG175074752"),
    ("BG", "175074752", "BG175074752"),
    ("HU", "HU12892312", "HU12892312"),
    ("HU", "10773381-2-44", "10773381-2-44"),
    ("HU", "10773381244", "10773381-2-44"),
    ("GR", "EL094259216", "EL094259216"),
    ("GR", "094259216", "EL094259216"),
    ("PL", "PL 526-025-02-74", "PL5260250274"),
    ("RU", "7707083893", "RU7707083893"),
    ("DE", "DE136695976", "DE136695976"),
    ("AT", "ATU13585627", "ATU13585627"),
]


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_VAT_IDS)
def test_valid_vat_ids_are_stored_in_their_compact_form(country, typed, stored):
    assert normalise_vat_id(typed, country) == stored


@pytest.mark.parametrize(
    ("country", "typed", "code"),
    [
        ("BG", "BG175074753", "checksum"),
        ("HU", "HU12892313", "checksum"),
        ("GR", "EL094259217", "checksum"),
        ("GR", "GR094259216", "country"),
        ("PL", "PL5260250275", "checksum"),
        ("RU", "7707083894", "checksum"),
        ("DE", "DE13669597", "length"),
        ("PL", "BG175074752", "country"),
    ],
)
def test_wrong_vat_ids_are_refused_with_the_reason(country, typed, code):
    with pytest.raises(TaxIdError) as refused:
        normalise_vat_id(typed, country)
    assert refused.value.code == code


def test_an_empty_vat_id_is_allowed():
    assert normalise_vat_id("  ", "BG") == ""


@pytest.mark.parametrize(
    ("country", "typed"),
    [("BG", "175074752"), ("HU", "01-09-562739"), ("PL", "0000019193"), ("RU", "1027700132195")],
)
def test_registration_numbers_of_known_schemes_pass(country, typed):
    assert normalise_registration_number(typed, country) == typed


@pytest.mark.parametrize(
    ("country", "typed"),
    [("BG", "175074753"), ("HU", "0109562739"), ("RU", "1027700132196"), ("GR", "12AB")],
)
def test_wrong_registration_numbers_are_refused(country, typed):
    with pytest.raises(TaxIdError):
        normalise_registration_number(typed, country)


def test_iban_and_bic_are_checked():
    assert normalise_iban("BG80 BNBG 9661 1020 3456 78") == "BG80BNBG96611020345678"
    with pytest.raises(TaxIdError):
        normalise_iban("BG81BNBG96611020345678")
    assert normalise_bic("bnbgbgsf") == "BNBGBGSF"
    with pytest.raises(TaxIdError):
        normalise_bic("BNBG")
