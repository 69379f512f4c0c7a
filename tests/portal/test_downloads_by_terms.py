"""Which releases a customer may download, as the portal's query answers:
the version bought always; newer ones while an entitlement whose terms grant
downloads covers their release date (the Hungarian warranty year does)."""

from datetime import UTC, date, datetime

import pytest

from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.portal.queries import get_downloads
from tests.cast import SET_UP_AT, build_cast

pytestmark = pytest.mark.django_db


def publish(product, version, day):
    return do_publish_release(
        acting_user=None,
        product=product,
        version=version,
        released_on=day,
        kind="legal",
        now=SET_UP_AT,
    )


def verdicts(customer, now):
    (product,) = get_downloads(customer, now=now)
    return {line.release.version: line.eligibility for line in product.releases}


def sell_and_publish(preset):
    cast = build_cast(preset)
    publish(cast.accounting, "1.0", date(2025, 11, 3))
    publish(cast.accounting, "1.1", date(2026, 2, 2))  # the version sold
    publish(cast.accounting, "1.2", date(2026, 6, 1))  # within the first year
    publish(cast.accounting, "2.0", date(2027, 3, 1))  # after it
    do_sell_licence(
        acting_user=None,
        customer=cast.acme,
        product=cast.accounting,
        sold_on=date(2026, 2, 10),
        now=SET_UP_AT,
    )
    return cast


def test_a_hungarian_customer_in_the_warranty_year_downloads_the_years_releases():
    cast = sell_and_publish("warranty_year_hu")
    seen = verdicts(cast.acme, datetime(2026, 7, 1, 10, tzinfo=UTC))
    assert {version for version, v in seen.items() if v.allowed} == {"1.0", "1.1", "1.2"}
    assert seen["1.2"].reason == "covered"
    assert seen["1.1"].reason == "bought"
    assert seen["2.0"].reason == "released_after_cover"


def test_a_bulgarian_customer_downloads_the_version_bought_but_not_newer_ones():
    # The Bulgarian product warranty covers defects only: no new versions.
    cast = sell_and_publish("prepaid_hours_bg")
    seen = verdicts(cast.acme, datetime(2026, 7, 1, 10, tzinfo=UTC))
    assert {version for version, v in seen.items() if v.allowed} == {"1.0", "1.1"}
    assert (seen["1.2"].allowed, seen["1.2"].reason) == (False, "no_update_entitlement")


def test_a_polish_customer_downloads_the_version_bought():
    cast = sell_and_publish("remote_sla_pl")
    seen = verdicts(cast.acme, datetime(2027, 6, 1, 10, tzinfo=UTC))
    assert seen["1.1"].allowed
    assert not seen["2.0"].allowed
