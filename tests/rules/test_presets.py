from datetime import date, time
from decimal import Decimal

import pytest

from supportledger.rules.presets import PRESET_NAMES, PRESETS, get_preset
from supportledger.rules.types import CATEGORIES, KINDS, MODES, KindDefaults


def test_there_is_one_preset_per_seed_vendor():
    assert PRESET_NAMES == (
        "prepaid_hours_bg",
        "warranty_year_hu",
        "annual_maintenance_gr",
        "support_period_ru",
        "remote_sla_pl",
    )
    assert [PRESETS[name].language for name in PRESET_NAMES] == ["bg", "hu", "el", "ru", "pl"]


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_is_complete_and_consistent(name: str):
    preset = get_preset(name)
    policy = preset.policy
    assert policy.holidays == preset.country
    assert set(policy.rates) == {*MODES, "travel"}
    assert all(rate >= 0 for rate in policy.rates.values())
    assert set(policy.kind_defaults) == set(KINDS)
    assert all(offer.kind in KINDS for offer in preset.offers)
    for defaults in policy.kind_defaults.values():
        assert defaults.covers <= set(CATEGORIES)
        assert defaults.modes <= set(MODES)
    assert preset.channels


def test_an_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="remote_sla_pl"):
        get_preset("flat_rate_xx")


def test_the_bulgarian_preset_has_the_sofia_area_and_the_three_hour_onsite_minimum():
    preset = get_preset("prepaid_hours_bg")
    assert preset.policy.onsite_minimum_minutes == 180
    assert "Sofia" in preset.policy.service_area
    assert preset.kinds_sold == ("warranty", "prepaid_hours", "contract")
    assert preset.policy.kind_defaults["warranty"].covers == {"defect"}


def test_the_hungarian_warranty_year_covers_the_seeds_services_on_business_days_eight_to_four():
    preset = get_preset("warranty_year_hu")
    warranty = preset.policy.kind_defaults["warranty"]
    # Remote help by phone and internet, expert consulting, legislation tracking.
    assert warranty.covers == {
        "consultation",
        "defect",
        "configuration",
        "update",
        "legal",
        "hardware",
    }
    assert warranty.modes == {"phone", "remote", "email", "chat", "portal"}
    assert "development" not in warranty.covers
    assert preset.policy.kind_defaults["contract"] == KindDefaults(warranty.covers, warranty.modes)
    assert preset.policy.business_hours["mon"] == (time(8), time(16))
    assert "sat" not in preset.policy.business_hours
    assert preset.default_warranty_months == 12


def test_the_hungarian_warranty_year_grants_downloads_and_support_is_in_business_hours_only():
    preset = get_preset("warranty_year_hu")
    policy = preset.policy
    assert policy.kind_defaults["warranty"].downloads is True
    warranty_offer = next(offer for offer in preset.offers if offer.kind == "warranty")
    assert warranty_offer.grants_downloads is True
    assert policy.business_hours_only_modes == set(MODES)
    assert policy.outside_business_hours == "refuse"


def test_the_hungarian_preset_knows_the_2026_working_saturdays_and_rest_days_of_the_decree():
    policy = get_preset("warranty_year_hu").policy
    assert policy.extra_working_days == {date(2026, 1, 10), date(2026, 8, 8), date(2026, 12, 12)}
    assert all(day.weekday() == 5 for day in policy.extra_working_days)
    assert policy.closures == {date(2026, 1, 2), date(2026, 8, 21), date(2026, 12, 24)}


def test_greek_premium_phone_support_is_in_business_hours_only():
    policy = get_preset("annual_maintenance_gr").policy
    assert policy.business_hours_only_modes == {"phone"}
    assert policy.outside_business_hours == "refuse"


def test_only_the_hungarian_and_greek_presets_limit_modes_to_business_hours():
    limited = {name for name, p in PRESETS.items() if p.policy.business_hours_only_modes}
    assert limited == {"warranty_year_hu", "annual_maintenance_gr"}


def test_the_greek_preset_refuses_uncovered_work_and_sells_premium_packs_needing_a_contract():
    preset = get_preset("annual_maintenance_gr")
    assert preset.policy.uncovered_work == "refuse"
    pack = next(offer for offer in preset.offers if offer.kind == "incident_pack")
    assert pack.sizes == (2, 4, 10, 25)
    assert pack.requires == "contract"
    contract = preset.policy.kind_defaults["contract"]
    assert contract.covers == {"consultation", "defect", "update", "legal"}
    assert contract.modes == {"email", "portal", "chat"}


def test_the_russian_preset_has_no_phone_and_renews_at_a_quarter_or_the_standard_rate():
    preset = get_preset("support_period_ru")
    assert "phone" not in preset.channels
    assert "phone" not in preset.policy.kind_defaults["support_period"].modes
    assert preset.channels == ("email", "whatsapp", "chat", "vk")
    assert preset.policy.renewal.grace_rate == Decimal("0.25")
    assert preset.policy.renewal.standard_rate == Decimal("0.45")
    assert preset.default_support_period_months == 6


def test_the_polish_preset_bills_per_started_thirty_or_sixty_minutes_with_a_claim_window():
    policy = get_preset("remote_sla_pl").policy
    assert (policy.increment_contract, policy.increment_no_contract) == (30, 60)
    assert (policy.claims.complaint_business_days, policy.claims.service_warranty_days) == (3, 14)
