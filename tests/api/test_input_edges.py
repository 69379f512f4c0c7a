"""What the API refuses or cleans at its edge: dates out of range, work in the
future, control characters; re-indented retries; expiring tokens; no-store."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from supportledger.api.actions import do_create_api_token
from supportledger.api.models import ApiToken
from supportledger.customers.models import Customer
from supportledger.desk.models import Request
from tests.api.conftest import Api

NEW_CUSTOMER = {
    "organisation": "Gamma",
    "city": "Varna",
    "country": "BG",
    "language": "bg",
    "currency": "EUR",
}


def _voucher(world, starts, ends):
    return {"customer": world.a["customer"].pk, "minutes": 60, "starts": starts, "ends": ends}


def test_a_date_in_year_one_or_9999_is_a_422_naming_the_field(api, world):
    for starts, ends, field in (
        ("0001-01-01", "2026-12-31", "starts"),
        ("2026-01-01", "9999-12-31", "ends"),
    ):
        response = api.post("/vouchers", _voucher(world, starts, ends), key=f"v-{field}")
        assert response.status_code == 422, response.content
        error = response.json()["error"]
        assert error["field"] == field
        assert "between 1990-01-01 and 2099-12-31" in error["message"]


def test_a_list_filtered_from_year_one_is_a_422_not_a_500(api, world):
    response = api.get("/requests", since="0001-01-01")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "since"


def test_work_ending_in_the_future_beyond_a_quarter_hour_is_refused(api, world):
    soon = timezone.now() + timedelta(minutes=5)
    later = timezone.now() + timedelta(days=400)
    body = {
        "request": world.a["request"].pk,
        "mode": "remote",
        "category": "consultation",
        "product": world.cast.accounting.pk,
    }
    refused = api.post(
        "/work-entries",
        {**body, "work_id": "F1", "started_at": later.isoformat(), "ended_at": later.isoformat()},
        key="future",
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "ended_at"
    started = soon - timedelta(minutes=30)
    fine = api.post(
        "/work-entries",
        {**body, "work_id": "F2", "started_at": started.isoformat(), "ended_at": soon.isoformat()},
        key="near",
    )
    assert fine.status_code != 422 or fine.json()["error"]["field"] != "ended_at", fine.content


def test_control_characters_are_taken_out_of_text_keeping_line_feeds_and_tabs(
    customer_api_a, world
):
    body = {
        "customer": world.a["customer"].pk,
        "subject": "Printer\x00 down\x07",
        "category": "consultation",
        "opened_via": "portal",
    }
    response = customer_api_a.post("/requests", body, key="nul")
    assert response.status_code == 201, response.content
    assert Request.objects.get(pk=response.json()["id"]).subject == "Printer down"


def test_a_retry_with_the_same_json_reindented_or_reordered_replays_the_first(api):
    first = api.post("/customers", NEW_CUSTOMER, key="pretty")
    pretty = json.dumps(dict(reversed(list(NEW_CUSTOMER.items()))), indent=4)
    again = api.client.generic(
        "POST",
        "/api/v1/customers",
        pretty,
        content_type="application/json",
        headers=api._headers("pretty"),
    )
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Customer.objects.filter(organisation="Gamma").count() == 1


def test_an_expired_token_is_refused_and_a_used_one_shows_when(staff_user, world):
    issued = do_create_api_token(
        acting_user=None,
        name="short",
        user=staff_user,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    api = Api(issued.plaintext)
    assert api.get("/me").status_code == 200
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/me").status_code == 401


def test_api_answers_are_never_stored_by_caches(api, world):
    for response in (api.get("/customers"), Api(None).get("/customers")):
        assert "no-store" in response["Cache-Control"]
    pdf = api.get(f"/invoices/{world.a['invoice'].pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "no-store" in pdf["Cache-Control"]
