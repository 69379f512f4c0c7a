"""``POST /vouchers``, ``/contracts`` and ``/incident-packs`` sell the vendor's
offer of their kind, exactly as ``POST /sales`` does: a client that sends only
what the offer allows is served; a custom size or term is refused naming the
field, and nothing is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from supportledger.catalog.actions import do_create_offer, do_set_offer_price
from supportledger.entitlements.models import Entitlement
from tests.cast import SET_UP_AT


def test_a_voucher_sent_with_the_offers_size_and_term_is_the_offer_at_todays_price(api, world):
    customer = world.a["customer"].pk
    sold = api.post(
        "/vouchers",
        {"customer": customer, "minutes": 300, "starts": "2026-01-01", "ends": "2026-12-31"},
        key="v",
    )
    assert sold.status_code == 201, sold.content
    body = sold.json()
    assert (body["kind"], body["balance_minutes"]) == ("prepaid_hours", 300)
    assert (body["fee"], body["currency"]) == ("190.00", "EUR")
    assert (body["terms"]["offer"], body["terms"]["version"]) == ("voucher", 1)
    entitlement = Entitlement.objects.get(pk=body["id"])
    assert entitlement.offer is not None
    assert entitlement.offer.code == "voucher"


def test_a_contract_sent_with_only_the_offers_terms_carries_them_and_its_fee(api, world):
    sold = api.post(
        "/contracts",
        {"customer": world.a["customer"].pk, "starts": "2026-02-01", "sla": True},
        key="c",
    )
    assert sold.status_code == 201, sold.content
    body = sold.json()
    assert (body["sla"], body["minutes_per_month"], body["response_business_minutes"]) == (
        True,
        600,
        240,
    )
    assert (body["ends"], body["billing_period"], body["fee"]) == ("2027-01-31", "month", "320.00")
    assert body["terms"]["offer"] == "subscription"


@pytest.mark.parametrize(
    ("path", "extra", "field", "code"),
    [
        ("/vouchers", {"minutes": 250}, "minutes", "size_not_offered"),
        ("/vouchers", {"minutes": 300, "ends": "2026-06-30"}, "ends", "terms_not_offered"),
        ("/vouchers", {"minutes": 300, "fee": "1.00"}, "fee", "terms_not_offered"),
        ("/vouchers", {"minutes": 300, "currency": "USD"}, "currency", "terms_not_offered"),
        ("/vouchers", {"minutes": 300, "offer": "subscription"}, "offer", "not_offered"),
        ("/contracts", {"minutes_per_month": 120}, "minutes_per_month", "terms_not_offered"),
        ("/contracts", {"sla": False}, "sla", "terms_not_offered"),
        ("/contracts", {"billing_period": "year"}, "billing_period", "terms_not_offered"),
        ("/incident-packs", {"incidents": 4}, "offer", "not_offered"),
    ],
)
def test_a_custom_size_or_term_is_refused_naming_the_field_and_nothing_is_sold(
    api, world, path, extra, field, code
):
    before = Entitlement.objects.count()
    body = {"customer": world.a["customer"].pk, "starts": "2026-01-01", **extra}
    refused = api.post(path, body, key="x")
    assert refused.status_code == 422, refused.content
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"].startswith(f"{field}: ")
    assert Entitlement.objects.count() == before


def test_an_incident_pack_is_sold_in_the_offers_sizes_with_its_requirement(api, world):
    do_create_offer(
        acting_user=None,
        code="premium",
        values={
            "kind": "incident_pack",
            "names": {"en": "Premium phone support"},
            "sizes": [2, 4],
            "term_months": 12,
            "requires": "contract",
        },
        now=SET_UP_AT,
    )
    do_set_offer_price(
        acting_user=None,
        code="premium",
        size=4,
        currency="EUR",
        amount=Decimal("110"),
        effective_from=date(2026, 1, 1),
        now=SET_UP_AT,
    )
    customer = world.a["customer"].pk
    wrong = api.post("/incident-packs", {"customer": customer, "incidents": 3}, key="p0")
    assert wrong.json()["error"]["field"] == "incidents"
    loose = {"customer": customer, "incidents": 4, "requires": ""}
    assert api.post("/incident-packs", loose, key="p1").json()["error"]["field"] == "requires"
    sold = api.post(
        "/incident-packs", {"customer": customer, "incidents": 4, "requires": "contract"}, key="p2"
    )
    assert sold.status_code == 201, sold.content
    assert (sold.json()["balance_incidents"], sold.json()["fee"]) == (4, "110.00")
    assert sold.json()["requires"] == "contract"
