from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from supportledger.rules.eligibility import grants_downloads, may_download, updates_covered_until
from supportledger.rules.presets import get_preset
from supportledger.rules.types import Licence, Release

from .factories import entitlement

PERPETUAL = Licence("REPORT")
PERIOD = entitlement("SP-1", "support_period", starts=date(2026, 1, 1), ends=date(2026, 6, 30))


def release(on: date) -> Release:
    return Release("REPORT", "2.4", on)


def test_a_release_during_the_support_period_may_be_downloaded():
    answer = may_download([PERPETUAL], [PERIOD], release(date(2026, 5, 1)), date(2026, 9, 1))
    assert (answer.allowed, answer.reason) == (True, "covered")
    assert answer.covered_until == date(2026, 6, 30)


def test_a_release_after_support_ended_is_refused_until_renewal():
    answer = may_download([PERPETUAL], [PERIOD], release(date(2026, 8, 1)), date(2026, 9, 1))
    assert (answer.allowed, answer.reason) == (False, "released_after_cover")


def test_a_renewal_unlocks_releases_that_came_out_during_the_lapse():
    renewed = entitlement("SP-2", "support_period", starts=date(2026, 9, 1), ends=date(2027, 8, 31))
    answer = may_download(
        [PERPETUAL], [PERIOD, renewed], release(date(2026, 8, 1)), date(2026, 9, 1)
    )
    assert answer.allowed


def test_an_expired_subscription_licence_may_not_download_anything():
    licence = Licence("REPORT", "subscription", expires=date(2026, 8, 31))
    answer = may_download([licence], [PERIOD], release(date(2026, 5, 1)), date(2026, 9, 1))
    assert (answer.allowed, answer.reason) == (False, "licence_expired")
    assert may_download([licence], [PERIOD], release(date(2026, 5, 1)), date(2026, 8, 31)).allowed


def test_without_a_licence_for_the_product_nothing_may_be_downloaded():
    other = Licence("OTHER")
    assert may_download([other], [PERIOD], release(date(2026, 5, 1)), date(2026, 6, 1)).reason == (
        "no_licence"
    )


def test_a_maintenance_contract_grants_updates_only_when_it_says_so():
    contract = entitlement("MNT-1", "contract", ends=date(2026, 12, 31), updates=True)
    plain = entitlement("SLA-1", "contract", ends=date(2027, 12, 31), updates=False)
    assert updates_covered_until([contract, plain], "REPORT") == date(2026, 12, 31)
    answer = may_download([PERPETUAL], [plain], release(date(2026, 5, 1)), date(2026, 6, 1))
    assert answer.reason == "no_update_entitlement"


def test_support_for_another_product_does_not_count():
    other = entitlement("SP-9", "support_period", products=frozenset({"OTHER"}))
    assert updates_covered_until([other], "REPORT") is None


def test_the_version_bought_may_always_be_downloaded_by_its_buyer():
    bought = Licence("REPORT", sold_on=date(2026, 3, 1))
    on_sale_day = may_download([bought], [], release(date(2026, 3, 1)), date(2026, 9, 1))
    assert (on_sale_day.allowed, on_sale_day.reason) == (True, "bought")
    older = may_download([bought], [], release(date(2025, 11, 5)), date(2026, 9, 1))
    assert older.allowed
    newer = may_download([bought], [], release(date(2026, 3, 2)), date(2026, 9, 1))
    assert (newer.allowed, newer.reason) == (False, "no_update_entitlement")


def test_an_expired_subscription_does_not_download_even_the_version_bought():
    lapsed = Licence("REPORT", "subscription", date(2026, 6, 30), sold_on=date(2026, 1, 1))
    result = may_download([lapsed], [], release(date(2025, 12, 1)), date(2026, 7, 1))
    assert (result.allowed, result.reason) == (False, "licence_expired")


def test_an_entitlement_grants_downloads_as_its_terms_say_whatever_its_kind():
    warranty = entitlement("WAR-1", "warranty", ends=date(2026, 12, 31))
    assert not grants_downloads(warranty)
    assert grants_downloads(replace(warranty, grants_downloads=True))
    assert not grants_downloads(replace(PERIOD, grants_downloads=False))
    out = release(date(2026, 10, 1))
    assert not may_download([PERPETUAL], [warranty], out, date(2026, 11, 1)).allowed
    allowed = may_download(
        [PERPETUAL], [replace(warranty, grants_downloads=True)], out, date(2026, 11, 1)
    )
    assert (allowed.allowed, allowed.covered_until) == (True, date(2026, 12, 31))


def test_the_hungarian_warranty_year_downloads_releases_of_its_year():
    # "Jogszabálykövetés": legislation tracking ships law changes as new versions.
    preset = get_preset("warranty_year_hu")
    defaults = preset.policy.kind_defaults["warranty"]
    warranty = entitlement(
        "WAR-1",
        "warranty",
        products=frozenset({"REPORT"}),
        starts=date(2026, 1, 15),
        ends=date(2027, 1, 14),
        grants_downloads=defaults.downloads,
    )
    bought = Licence("REPORT", sold_on=date(2026, 1, 15))
    assert may_download([bought], [warranty], release(date(2026, 11, 2)), date(2026, 11, 3)).allowed
    late = may_download([bought], [warranty], release(date(2027, 2, 1)), date(2027, 2, 2))
    assert (late.allowed, late.reason) == (False, "released_after_cover")


@given(
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.lists(st.sampled_from(("support_period", "warranty", "contract")), max_size=3),
)
def test_a_release_out_by_the_sale_date_is_always_downloadable(
    sold: date, released: date, kinds: list[str]
):
    held = [entitlement(f"E{i}", kind) for i, kind in enumerate(kinds)]
    result = may_download([Licence("REPORT", sold_on=sold)], held, release(released), sold)
    if released <= sold:
        assert result.allowed
