"""For each preset: a customer holding what the vendor sells walks the portal,
and everything the portal offers is something the rules would grant, asked
through the one eligibility query; what the policy switches off is neither
linked nor reachable. Every offer the vendor sells has a price from ``init``
and can be ordered on day one."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.test import Client

from supportledger.billing.actions.orders import do_sell_offer_now
from supportledger.billing.queries import get_order_quote
from supportledger.catalog.actions import do_create_product
from supportledger.catalog.queries import list_current_offers
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_add_contact, do_create_customer
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.queries import get_service_eligibility
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.ops.setup import do_set_up_vendor
from supportledger.portal.actions import do_give_contact_portal_login
from supportledger.rules.presets import PRESET_NAMES

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday morning everywhere
ORDER_KIND = {"prepaid_hours": "voucher", "incident_pack": "incident_pack", "contract": "contract"}


def _walk(preset: str) -> tuple[Client, object, object, object]:
    do_set_up_vendor(acting_user=None, preset_name=preset, now=NOW)
    policy = get_vendor_policy()
    product = do_create_product(acting_user=None, code="ACC", name="Accounting", now=NOW)
    customer = do_create_customer(
        acting_user=None,
        organisation="Walker",
        city=(policy.service_area or ["Capital"])[0],
        country=policy.country,
        language=policy.language,
        currency=policy.currency,
        now=NOW,
    )
    do_sell_licence(acting_user=None, customer=customer, product=product, sold_on=date(2026, 1, 5))
    for offer in list_current_offers(sold_only=True):
        do_sell_offer_now(
            acting_user=None,
            customer=customer,
            offer=offer.code,
            size=offer.sizes[0] if offer.sizes else None,
            starts=date(2026, 1, 5),
            now=NOW,
        )
    contact = do_add_contact(
        acting_user=None, customer=customer, name="Walker", email="walker@example.com", now=NOW
    )
    user = do_give_contact_portal_login(acting_user=None, contact=contact, password="x" * 12)
    request = do_open_request(
        acting_user=None,
        customer=customer,
        product=product,
        subject="Help",
        category="consultation",
        channel="email",
        now=NOW,
    )
    client = Client()
    client.force_login(user)
    return client, customer, product, request


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_portal_offers_nothing_the_rules_would_refuse(preset):
    with mock.patch("supportledger.core.clock.now", return_value=NOW):
        client, customer, product, request = _walk(preset)
        features = set(get_vendor_policy().features)
        page = client.get("/portal/").content.decode()
        linked = 'href="/portal/remote/"' in page
        remote = get_service_eligibility(
            customer,
            mode="remote",
            category="consultation",
            product=product,
            at=NOW,
            feature="remote_sessions",
            request=request,
        )
        # The link and the page exist exactly when remote help is offered and
        # the rules grant remote work to this customer.
        assert linked == remote.allowed, (preset, remote)
        assert client.get("/portal/remote/").status_code == (200 if linked else 404)
        if "claims" not in features:
            assert client.post("/portal/work/1/claim/", {"description": "x"}).status_code == 404
        # Every offer on sale has a price in the vendor's currency today.
        for offer in list_current_offers(sold_only=True):
            quote = get_order_quote(
                customer=customer,
                kind=ORDER_KIND[offer.kind],
                product=product,
                entitlement=None,
                quantity=(offer.sizes[0] // 60 if offer.kind == "prepaid_hours" else offer.sizes[0])
                if offer.sizes
                else 1,
                on=NOW.date(),
                offer_code=offer.code,
            )
            assert quote.currency == get_vendor_policy().currency
            assert quote.amount > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preset", "offered"),
    [
        ("prepaid_hours_bg", True),
        ("warranty_year_hu", True),
        ("annual_maintenance_gr", False),  # Professional is e-mail, portal and chat
        ("support_period_ru", False),  # support in writing only
        ("remote_sla_pl", True),
    ],
)
def test_remote_help_is_offered_where_the_seed_sells_it(preset, offered):
    with mock.patch("supportledger.core.clock.now", return_value=NOW):
        client, _customer, _product, _request = _walk(preset)
        assert ('href="/portal/remote/"' in client.get("/portal/").content.decode()) == offered
