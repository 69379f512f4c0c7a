import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import TestCase

from supportledger.catalog.actions import do_set_service_prices
from supportledger.catalog.models import ServicePrice
from supportledger.core.convert import policy_from_row
from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.ops.setup import do_set_up_vendor
from supportledger.rules.presets import PRESET_NAMES, get_preset
from supportledger.rules.types import MODES


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_init_sets_the_vendor_up_from_each_preset_and_round_trips_its_policy(name):
    out = StringIO()
    call_command("init", preset=name, stdout=out)
    assert name in out.getvalue()
    row = VendorPolicy.objects.get()
    prices = ServicePrice.objects.get()
    rates = {field: getattr(prices, field) for field in ServicePrice.RATE_FIELDS}
    preset = get_preset(name).policy
    policy = policy_from_row(row, rates)
    assert policy.currency == preset.currency
    assert policy.timezone == preset.timezone
    assert dict(policy.business_hours) == dict(preset.business_hours)
    assert policy.increment_contract == preset.increment_contract
    assert policy.onsite_minimum_minutes == preset.onsite_minimum_minutes
    assert policy.uncovered_work == preset.uncovered_work
    assert dict(policy.kind_defaults) == dict(preset.kind_defaults)
    assert {k: v for k, v in policy.rates.items()} == dict(preset.rates)
    assert policy.renewal == preset.renewal
    assert policy.closures == preset.closures
    assert policy.extra_working_days == preset.extra_working_days
    assert policy.business_hours_only_modes == preset.business_hours_only_modes
    assert policy.outside_business_hours == preset.outside_business_hours


@pytest.mark.django_db
def test_the_migration_fills_an_existing_hungarian_policy_and_keeps_a_vendors_own_choices():
    fill = importlib.import_module(
        "supportledger.core.migrations.0005_preset_working_days_and_hours_only_modes"
    )
    call_command("init", preset="warranty_year_hu", stdout=StringIO())
    old_spec = {"covers": fill.ALL_CATEGORIES, "modes": fill.OLD_HU_SPEC["modes"]}
    VendorPolicy.objects.update(
        extra_working_days=[],
        business_hours_only_modes=[],
        closures=[],
        kind_defaults={
            "warranty": old_spec,
            "contract": {"covers": ["legal"], "modes": ["phone"]},
        },
    )
    fill.fill(django_apps, None)
    row = VendorPolicy.objects.get()
    assert row.extra_working_days == ["2026-01-10", "2026-08-08", "2026-12-12"]
    assert row.closures == ["2026-01-02", "2026-08-21", "2026-12-24"]
    assert set(row.business_hours_only_modes) == set(MODES)
    assert row.kind_defaults["warranty"] == {
        "covers": fill.HU_SERVICES,
        "modes": fill.HU_MODES,
        "downloads": True,
    }
    assert row.kind_defaults["contract"] == {"covers": ["legal"], "modes": ["phone"]}


@pytest.mark.django_db
def test_init_with_an_unknown_preset_is_a_clear_error_not_a_traceback():
    with pytest.raises(CommandError, match="Unknown preset 'nope'"):
        call_command("init", preset="nope")


@pytest.mark.django_db
def test_init_twice_is_refused_unless_replacing():
    call_command("init", preset="remote_sla_pl", stdout=StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("init", preset="prepaid_hours_bg")
    call_command("init", preset="prepaid_hours_bg", replace=True, stdout=StringIO())
    assert VendorPolicy.objects.get().preset == "prepaid_hours_bg"


class PolicyValidation(TestCase):
    @classmethod
    def setUpTestData(cls):
        do_set_up_vendor(acting_user=None, preset_name="warranty_year_hu")

    def setUp(self):
        self.policy = VendorPolicy.objects.get()

    def test_an_unknown_time_zone_is_refused(self):
        self.policy.timezone = "Europe/Atlantis"
        with pytest.raises(ValidationError, match="Unknown time zone"):
            self.policy.full_clean()

    def test_business_hours_must_open_before_they_close(self):
        self.policy.business_hours = {"mon": ["16:00", "08:00"]}
        with pytest.raises(ValidationError, match="must be before"):
            self.policy.full_clean()

    def test_a_negative_rate_is_refused(self):
        rates = dict.fromkeys(ServicePrice.RATE_FIELDS, "10")
        rates["onsite"] = "-1"
        with pytest.raises(ActionRefused, match="Negative rate for: onsite"):
            do_set_service_prices(
                acting_user=None, effective_from=self.policy_date(), currency="HUF", rates=rates
            )

    def test_the_preset_policy_is_valid(self):
        self.policy.full_clean()

    @staticmethod
    def policy_date():
        from datetime import date

        return date(2026, 1, 1)
