"""The vendor policy and the service price list are held per process and
checked against the policy version token once per request: whoever edits
them (the admin, an action, another process through its own connection), the
next request sees the edit."""

import json
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connections, transaction
from django.forms.models import model_to_dict

from supportledger.catalog.actions import do_set_service_prices
from supportledger.catalog.models import ServicePrice
from supportledger.catalog.queries import get_service_price_on
from supportledger.core import policy_cache
from supportledger.core.models import PolicyVersion, VendorPolicy
from supportledger.core.queries import get_vendor_policy
from supportledger.desk.actions.requests import do_open_request
from tests.cast import at, build_cast

MARCH_4 = date(2026, 3, 4)


@pytest.fixture
def desk_page(client):
    """A request of a customer who holds nothing (so the cost preview bills
    from the price list), seen by an agent in business hours; returns a
    function that loads its page."""
    cast = build_cast()
    request = do_open_request(
        acting_user=None,
        customer=cast.zeta,
        subject="Printing",
        category="consultation",
        channel="phone",
        product=cast.accounting,
        now=at(MARCH_4, 7),
    )
    client.force_login(cast.maria.user)
    with mock.patch("supportledger.core.clock.now", return_value=at(MARCH_4, 8)):

        def page():
            response = client.get(
                f"/console/requests/{request.pk}/", {"mode": "remote", "minutes": 60}
            )
            assert response.status_code == 200
            return response.context

        yield page


def _other_connection_runs(*statements):
    """Run ``statements`` on a second connection to the same database and
    commit, as another process would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_an_edit_committed_through_another_connection_is_seen_by_the_next_request(desk_page):
    first = desk_page()
    amount = first["preview"].amount
    assert first["time_zone"] == "Europe/Sofia"
    _other_connection_runs(("UPDATE catalog_serviceprice SET remote = remote * 2", []))
    assert desk_page()["preview"].amount == amount * 2
    _other_connection_runs(
        ("UPDATE core_vendorpolicy SET timezone = %s WHERE id = 1", ["Europe/Warsaw"])
    )
    assert desk_page()["time_zone"] == "Europe/Warsaw"


@pytest.mark.django_db
def test_a_policy_edit_in_the_admin_is_seen_by_the_next_request(desk_page, admin_client):
    assert desk_page()["time_zone"] == "Europe/Sofia"
    row = VendorPolicy.objects.get()
    form = {
        name: json.dumps(value) if isinstance(value, list | dict) else value
        for name, value in model_to_dict(row).items()
        if name not in ("id", "preset")
    }
    form["timezone"] = "Europe/Warsaw"
    response = admin_client.post(f"/admin/core/vendorpolicy/{row.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert desk_page()["time_zone"] == "Europe/Warsaw"


@pytest.mark.django_db
def test_the_version_is_read_once_a_request_and_on_every_call_outside_one(
    django_assert_num_queries,
):
    build_cast()
    get_vendor_policy()
    with django_assert_num_queries(1):
        get_vendor_policy()
    with django_assert_num_queries(2):
        get_vendor_policy()
        get_service_price_on(MARCH_4)
    policy_cache.request_started()
    try:
        with django_assert_num_queries(1):
            for _ in range(3):
                get_vendor_policy()
                get_service_price_on(MARCH_4)
    finally:
        policy_cache.request_finished()


@pytest.mark.django_db
def test_a_request_sees_its_own_price_list_at_once():
    build_cast()
    policy_cache.request_started()
    try:
        before = get_service_price_on(MARCH_4)
        rates = {name: Decimal("99.00") for name in ServicePrice.RATE_FIELDS}
        do_set_service_prices(
            acting_user=None, effective_from=MARCH_4, currency=before.currency, rates=rates
        )
        assert get_service_price_on(MARCH_4).remote == Decimal("99.00")
        assert get_service_price_on(date(2026, 3, 3)).remote == before.remote
    finally:
        policy_cache.request_finished()


@pytest.mark.django_db
def test_a_rolled_back_edit_is_not_kept():
    build_cast()
    assert get_vendor_policy().timezone == "Europe/Sofia"
    seen_inside = []

    def edit_then_fail():
        with transaction.atomic():
            VendorPolicy.objects.filter(pk=1).update(timezone="Europe/Warsaw")
            seen_inside.append(get_vendor_policy().timezone)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        edit_then_fail()
    assert seen_inside == ["Europe/Warsaw"]
    assert get_vendor_policy().timezone == "Europe/Sofia"


@pytest.mark.django_db
def test_every_write_renews_the_token_and_a_wiped_token_reads_through():
    build_cast()
    tokens = {PolicyVersion.objects.get().token}
    VendorPolicy.objects.filter(pk=1).update(language="en")
    tokens.add(PolicyVersion.objects.get().token)
    ServicePrice.objects.update(travel=Decimal("1.00"))
    tokens.add(PolicyVersion.objects.get().token)
    assert len(tokens) == 3
    PolicyVersion.objects.all().delete()
    assert get_vendor_policy().timezone == "Europe/Sofia"
    VendorPolicy.objects.filter(pk=1).update(timezone="Europe/Warsaw")
    assert get_vendor_policy().timezone == "Europe/Warsaw"
