"""Whether an offer lets its holder download new releases is stored on the
offer (seeded per preset from what its kind granted), changed by a manager
as a new version, copied into the terms of each entitlement sold on it, and
the downloads follow that copy."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from supportledger.billing.actions.orders import do_sell_offer_now
from supportledger.catalog.models import Offer
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.portal.queries import get_downloads
from tests.cast import SET_UP_AT, at, build_cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("prepaid_hours_bg", {"warranty": False, "voucher": False, "subscription": False}),
        ("warranty_year_hu", {"warranty": True, "follow_up": True}),
        ("annual_maintenance_gr", {"maintenance": True, "lease": True, "premium": False}),
        ("support_period_ru", {"support_period": True}),
        ("remote_sla_pl", {"sla": False, "service_warranty": False}),
    ],
)
def test_each_presets_offers_grant_the_downloads_their_kind_granted(preset, expected):
    build_cast(preset)
    stored = {o.code: o.grants_downloads for o in Offer.objects.filter(current=True)}
    assert {code: stored[code] for code in expected} == expected


def _releases_seen(customer, now):
    (product,) = get_downloads(customer, now=now)
    return {line.release.version for line in product.releases if line.eligibility.allowed}


def test_a_manager_lets_vouchers_download_and_only_vouchers_sold_after_may(client):
    cast = build_cast()
    boss = do_add_staff_member(
        acting_user=None,
        user=get_user_model().objects.create_user("boss"),
        role=StaffRole.MANAGER,
        products=[cast.accounting],
        now=SET_UP_AT,
    )
    for version, day in (("1.0", date(2025, 11, 3)), ("1.1", date(2026, 6, 1))):
        do_publish_release(
            acting_user=None,
            product=cast.accounting,
            version=version,
            released_on=day,
            kind="feature",
            now=SET_UP_AT,
        )
    for customer in (cast.acme, cast.zeta):
        do_sell_licence(
            acting_user=None,
            customer=customer,
            product=cast.accounting,
            sold_on=date(2026, 1, 5),
            now=SET_UP_AT,
        )
    before = do_sell_offer_now(
        acting_user=None, customer=cast.acme, offer="voucher", size=300, now=at(date(2026, 2, 2), 9)
    )
    assert before.terms["grants_downloads"] is False
    offer = Offer.objects.get(code="voucher", current=True)
    form = {
        "kind": "prepaid_hours",
        "name_en": offer.names["en"],
        "sizes": "300, 600, 1200",
        "term_months": 12,
        "billing": "once",
        "sold": "on",
        "grants_downloads": "on",
    }
    client.force_login(boss.user)
    with mock.patch("supportledger.core.clock.now", return_value=at(date(2026, 3, 4), 9)):
        saved = client.post(reverse("console:offer", args=["voucher"]), form)
        assert saved.status_code == 302, saved.content.decode()[:2000]
        page = client.get(reverse("console:offer", args=["voucher"])).content.decode()
    assert "Lets its holder download new releases" in page
    versions = list(Offer.objects.filter(code="voucher").order_by("version"))
    assert [(v.version, v.grants_downloads) for v in versions] == [(1, False), (2, True)]
    after = do_sell_offer_now(
        acting_user=None, customer=cast.zeta, offer="voucher", size=300, now=at(date(2026, 3, 5), 9)
    )
    assert after.terms["grants_downloads"] is True
    july = datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert _releases_seen(cast.zeta, july) == {"1.0", "1.1"}
    # Acme's voucher keeps the terms it was sold on: only the version bought.
    assert _releases_seen(cast.acme, july) == {"1.0"}
