"""Idempotent writes, read-only tokens, cursor pages and list filters."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from supportledger.api.models import IdempotentRequest
from supportledger.customers.models import Customer
from tests.api.conftest import Api

NEW_CUSTOMER = {
    "organisation": "Gamma",
    "city": "Varna",
    "country": "BG",
    "language": "bg",
    "currency": "EUR",
}


def test_the_same_key_and_body_replays_the_first_response_and_writes_once(api):
    first = api.post("/customers", NEW_CUSTOMER, key="order-77")
    again = api.post("/customers", NEW_CUSTOMER, key="order-77")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(organisation="Gamma").count() == 1


def test_the_same_key_with_another_body_is_a_409(api):
    api.post("/customers", NEW_CUSTOMER, key="order-78")
    response = api.post("/customers", {**NEW_CUSTOMER, "city": "Ruse"}, key="order-78")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Customer.objects.filter(organisation="Gamma").count() == 1


def test_keys_belong_to_their_token(api, staff_user):
    from supportledger.api.actions import do_create_api_token

    other = Api(
        do_create_api_token(acting_user=None, name="o", user=staff_user, write=True).plaintext
    )
    api.post("/customers", NEW_CUSTOMER, key="same")
    assert other.post("/customers", NEW_CUSTOMER, key="same").status_code == 201
    assert Customer.objects.filter(organisation="Gamma").count() == 2


def test_a_write_without_an_idempotency_key_is_refused_naming_the_header(api):
    response = api.post("/customers", NEW_CUSTOMER, key=None)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert not Customer.objects.filter(organisation="Gamma").exists()


def test_a_failed_write_keeps_no_key_so_a_corrected_retry_may_use_it(api):
    refused = api.post("/customers", {**NEW_CUSTOMER, "country": "B1"}, key="fix-me")
    assert refused.status_code == 422
    assert not IdempotentRequest.objects.filter(key="fix-me").exists()
    assert api.post("/customers", NEW_CUSTOMER, key="fix-me").status_code == 201


def test_pages_follow_the_cursor_in_id_order_without_gaps_or_repeats(api, world):
    for n in range(5):
        api.post("/customers", {**NEW_CUSTOMER, "organisation": f"C{n}"}, key=f"c{n}")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/customers", **params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(Customer.objects.values_list("id", flat=True))


def test_listing_does_not_grow_queries_with_rows(api, world, django_assert_max_num_queries):
    for n in range(10):
        api.post("/customers", {**NEW_CUSTOMER, "organisation": f"C{n}"}, key=f"c{n}")
    with django_assert_max_num_queries(8):
        api.get("/work-entries")
    with django_assert_max_num_queries(8):
        api.get("/customers")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_once(world, staff_token):
    api_token = staff_token.plaintext
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        try:
            barrier.wait()
            statuses.append(Api(api_token).post("/customers", NEW_CUSTOMER, key="race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]
    assert Customer.objects.filter(organisation="Gamma").count() == 1
    assert IdempotentRequest.objects.filter(key="race").count() == 1


@pytest.mark.usefixtures("class_world")
class TestReadsAndRefusals:
    """Tests that only read the world, or are refused and write nothing:
    one world for the class (``class_world``)."""

    def test_a_read_token_may_not_write(self, read_api):
        response = read_api.post("/customers", NEW_CUSTOMER)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "read_only_token"
        assert not Customer.objects.filter(organisation="Gamma").exists()

    def test_a_read_token_reads(self, read_api):
        assert read_api.get("/customers").status_code == 200

    def test_a_write_without_a_token_is_a_401(self, world):
        assert Api(None).post("/customers", NEW_CUSTOMER).status_code == 401

    def test_a_forged_cursor_is_a_400(self, api, world):
        response = api.get("/customers", cursor="not-a-cursor")
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "invalid_cursor",
            "message": "cursor: not a cursor this API gave out.",
            "field": "cursor",
        }

    def test_lists_filter_by_customer_and_by_date_range(self, api, world):
        acme = world.a["customer"].pk
        requests = api.get("/requests", customer=acme).json()["items"]
        assert {r["customer"] for r in requests} == {acme}
        assert api.get("/work-entries", since="2026-03-04", until="2026-03-04").json()["items"]
        assert api.get("/work-entries", since="2026-03-05").json()["items"] == []
        assert api.get("/work-entries", until="2026-03-03").json()["items"] == []

    def test_an_inverted_date_range_is_a_400(self, api, world):
        response = api.get("/licences", since="2026-02-01", until="2026-01-01")
        assert response.json()["error"]["code"] == "invalid_date_range"

    def test_a_limit_out_of_range_is_refused_naming_it(self, api, world):
        response = api.get("/customers", limit=0)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "limit"
