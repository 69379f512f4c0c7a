from datetime import date

from supportledger.rules.eligibility import may_download, updates_covered_until
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
