from datetime import date
from decimal import Decimal

import pytest

from supportledger.rules.renewal import grace_ends, quote_renewal
from supportledger.rules.types import RenewalPolicy, RenewalQuote

RU = RenewalPolicy()  # 1 month grace at 25 %, otherwise 45 %, 12 months, whole roubles


def quote(support_ends: date, on: date, price: str = "7990", **changes: object) -> RenewalQuote:
    renewal = RenewalPolicy(**changes) if changes else RU  # type: ignore[arg-type]
    result = quote_renewal(renewal, "RUB", Decimal(price), support_ends, on)
    assert isinstance(result, RenewalQuote)
    return result


def test_renewing_within_a_month_of_expiry_costs_a_quarter_and_extends_twelve_months():
    result = quote(date(2026, 5, 31), date(2026, 6, 20))
    assert (result.kind, result.price, result.new_support_ends) == (
        "grace",
        Decimal("1998"),
        date(2027, 5, 31),
    )


def test_renewing_later_costs_the_standard_rate_for_twelve_months_from_that_day():
    result = quote(date(2026, 5, 31), date(2026, 7, 10))
    assert (result.kind, result.price, result.new_support_ends) == (
        "standard",
        Decimal("3596"),
        date(2027, 7, 9),
    )


def test_the_grace_month_after_the_last_day_of_january_ends_on_the_last_day_of_february():
    assert grace_ends(RU, date(2026, 1, 31)) == date(2026, 2, 28)
    assert quote(date(2026, 1, 31), date(2026, 2, 28)).kind == "grace"
    assert quote(date(2026, 1, 31), date(2026, 3, 1)).kind == "standard"


def test_renewing_before_expiry_is_a_grace_renewal_from_the_old_end():
    result = quote(date(2026, 5, 31), date(2026, 5, 1))
    assert (result.kind, result.new_support_ends) == ("grace", date(2027, 5, 31))


def test_the_rates_are_settings_and_the_seed_example_uses_forty_percent():
    result = quote(date(2026, 1, 31), date(2026, 6, 1), standard_rate=Decimal("0.40"))
    assert result.price == Decimal("3196")


def test_the_price_follows_the_list_price_on_the_renewal_date():
    assert quote(date(2026, 5, 31), date(2026, 6, 1), price="8990").price == Decimal("2248")


def test_the_price_rounds_to_the_policy_step():
    result = quote(date(2026, 5, 31), date(2026, 6, 1), price="7990", round_to=Decimal("0.01"))
    assert str(result.price) == "1997.50"


def test_a_renewal_after_a_lapse_unlocks_the_releases_of_the_lapse():
    result = quote(date(2026, 5, 31), date(2026, 9, 1))
    assert result.releases_up_to == date(2027, 8, 31)
    assert any("lapsed" in line for line in result.explanation)


@pytest.mark.parametrize("price", ["-1", "-0.01"])
def test_a_negative_price_is_a_rules_error(price: str):
    result = quote_renewal(RU, "RUB", Decimal(price), date(2026, 5, 31), date(2026, 6, 1))
    assert not isinstance(result, RenewalQuote)
    assert result.code == "invalid_price"
