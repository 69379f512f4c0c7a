from decimal import Decimal

import pytest

from supportledger.rules.money import (
    UNIT_PRICE_DIGITS,
    minor_unit_digits,
    round_money,
    round_to_step,
)


def test_amounts_round_half_up_to_the_cent():
    assert round_money(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert round_money(Decimal("0.0049"), "EUR") == Decimal("0.00")
    assert round_money(Decimal("2.675"), "PLN") == Decimal("2.68")


def test_a_rounded_amount_always_prints_with_the_minor_unit():
    assert str(round_money(Decimal(140), "EUR")) == "140.00"
    assert str(round_money(Decimal("24000"), "HUF")) == "24000.00"


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("HUF", 2), ("RUB", 2), ("JPY", 0)])
def test_the_minor_unit_comes_from_the_currency(currency: str, digits: int):
    assert minor_unit_digits(currency) == digits


def test_yen_amounts_round_to_whole_yen():
    assert round_money(Decimal("100.5"), "JPY") == Decimal(101)


def test_a_price_rounds_half_up_to_whole_roubles_like_the_seed_example():
    assert round_to_step(Decimal("7990") * Decimal("0.25"), Decimal("1")) == Decimal("1998")
    assert round_to_step(Decimal("7990") * Decimal("0.40"), Decimal("1")) == Decimal("3196")


def test_a_price_rounds_to_any_step_and_keeps_the_step_exponent():
    assert round_to_step(Decimal("1997.5"), Decimal("0.01")) == Decimal("1997.50")
    assert str(round_to_step(Decimal("1997.5"), Decimal("0.01"))) == "1997.50"
    assert round_to_step(Decimal("1997.5"), Decimal("5")) == Decimal("2000")
    assert round_to_step(Decimal("12.49"), Decimal("0.5")) == Decimal("12.5")


def test_a_step_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        round_to_step(Decimal(1), Decimal(0))


def test_a_unit_price_keeps_four_digits_rounded_half_up_whatever_the_currency():
    assert round_money(Decimal("1.00005"), "EUR", digits=UNIT_PRICE_DIGITS) == Decimal("1.0001")
    assert round_money(Decimal(100) / 3, "JPY", digits=UNIT_PRICE_DIGITS) == Decimal("33.3333")
    assert str(round_money(Decimal(2), "EUR", digits=UNIT_PRICE_DIGITS)) == "2.0000"
