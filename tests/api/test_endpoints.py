"""Each family of endpoints, through the staff token (and a customer's where it matters)."""

from __future__ import annotations

import pytest

from supportledger.api.models import IdempotentRequest
from supportledger.core.models import AuditEntry
from supportledger.desk.models import WorkEntry
from supportledger.entitlements.models import Activation, Entitlement, Licence


def test_customers_are_listed_read_and_created(api, world):
    listed = api.get("/customers").json()
    assert {c["organisation"] for c in listed["items"]} == {"Acme Ltd", "Zeta OOD"}
    one = api.get(f"/customers/{world.a['customer'].pk}").json()
    assert one["city"] == "Sofia"
    created = api.post(
        "/customers",
        {
            "organisation": "Gamma",
            "city": "Varna",
            "country": "bg",
            "language": "bg",
            "currency": "eur",
        },
    )
    assert created.status_code == 201
    assert (created.json()["country"], created.json()["currency"]) == ("BG", "EUR")
    assert AuditEntry.objects.filter(action="create_customer", object_id=str(created.json()["id"]))


def test_contacts_are_listed_and_added_to_a_customer(api, world):
    customer = world.a["customer"].pk
    added = api.post(f"/customers/{customer}/contacts", {"name": "Petar", "email": "p@a.example"})
    assert added.status_code == 201
    assert added.json()["customer"] == customer
    names = {c["name"] for c in api.get("/contacts", customer=customer).json()["items"]}
    assert names == {"Contact a", "Petar"}


def test_a_licence_is_sold_with_its_entitlements_and_activated_then_deactivated(api, world):
    sold = api.post(
        "/licences",
        {
            "customer": world.a["customer"].pk,
            "product": world.cast.accounting.pk,
            "sold_on": "2026-04-01",
            "seats": 2,
        },
        key="sell-1",
    )
    assert sold.status_code == 201
    licence = sold.json()["id"]
    activated = api.post(f"/licences/{licence}/activate", {"workstation": "PC9"}, key="act-1")
    assert activated.status_code == 201
    assert activated.json()["deactivated_at"] is None
    deactivated = api.post(f"/licences/{licence}/deactivate", {"workstation": "PC9"}, key="de-1")
    assert deactivated.status_code == 200
    assert deactivated.json()["deactivated_at"] is not None
    assert Activation.objects.filter(licence_id=licence).count() == 1


def test_a_customer_token_activates_its_own_licence(customer_api_a, world):
    licence = world.a["licence"]
    Activation.objects.filter(licence=licence).update(deactivated_at=licence.created_at)
    response = customer_api_a.post(f"/licences/{licence.pk}/activate", {"workstation": "NEW"})
    assert response.status_code == 201


def test_vouchers_and_contracts_are_sold_as_the_vendors_offers_with_their_balances(api, world):
    customer = world.a["customer"].pk
    span = {"customer": customer, "starts": "2026-01-01", "ends": "2026-12-31"}
    voucher = api.post("/vouchers", {**span, "minutes": 300}, key="v").json()
    assert (voucher["kind"], voucher["balance_minutes"]) == ("prepaid_hours", 300)
    contract = api.post("/contracts", {**span, "sla": True, "minutes_per_month": 600}, key="c")
    assert contract.json()["sla"] is True
    kinds = {e["kind"] for e in api.get("/entitlements", customer=customer).json()["items"]}
    assert {"prepaid_hours", "contract"} <= kinds


def test_requests_are_opened_and_work_is_recorded_with_its_rating(api, world):
    customer = world.a["customer"].pk
    opened = api.post(
        "/requests",
        {
            "customer": customer,
            "subject": "Printing",
            "category": "configuration",
            "opened_via": "phone",
        },
        key="r",
    )
    assert opened.status_code == 201
    work = api.post(
        "/work-entries",
        {
            "work_id": "API-1",
            "request": opened.json()["id"],
            "started_at": "2026-03-05T08:00:00Z",
            "ended_at": "2026-03-05T08:20:00Z",
            "mode": "remote",
            "category": "configuration",
            "product": world.cast.accounting.pk,
        },
        key="w",
    )
    assert work.status_code == 201, work.content
    rating = work.json()["ratings"][0]
    assert rating["current"] is True
    assert rating["counted_minutes"] >= 20
    assert rating["explanation"]
    assert [step["code"] for step in rating["steps"]][:2] == ["work", "increment_no_sla"]
    assert len(rating["steps"]) == len(rating["explanation"])
    assert rating["steps"][0]["args"]["mode"] == "remote"
    assert rating["steps"][0]["args"]["minutes"] == 20
    listed = api.get("/work-entries", customer=customer).json()["items"]
    assert {w["work_id"] for w in listed} == {"W-a", "API-1"}


def test_a_customer_token_opens_a_request_but_cannot_record_work(customer_api_a, world):
    customer = world.a["customer"].pk
    opened = customer_api_a.post(
        "/requests",
        {
            "customer": customer,
            "subject": "Help",
            "category": "consultation",
            "opened_via": "portal",
        },
        key="r",
    )
    assert opened.status_code == 201
    body = {
        "work_id": "X",
        "request": opened.json()["id"],
        "started_at": "2026-03-05T08:00:00Z",
        "ended_at": "2026-03-05T09:00:00Z",
        "mode": "remote",
        "category": "consultation",
        "product": world.cast.accounting.pk,
    }
    assert customer_api_a.post("/work-entries", body, key="w").status_code == 403
    assert not WorkEntry.objects.filter(work_id="X").exists()


@pytest.mark.usefixtures("class_world")
class TestReadsAndRefusals:
    """Tests that only read the world, or are refused and write nothing:
    one world for the class (``class_world``)."""

    def test_products_prices_releases_and_the_service_price_list_are_readable(self, api, world):
        product = world.cast.accounting.pk
        assert api.get(f"/products/{product}").json()["code"] == "ACC"
        prices = api.get(f"/products/{product}/prices").json()["items"]
        assert [p["amount"] for p in prices] == ["7990.00"]
        assert api.get("/releases").json()["items"][0]["version"] == "5.1"
        assert api.get("/service-prices").json()["items"]

    def test_a_business_refusal_is_a_422_with_the_actions_code(self, api, world):
        licence = world.a["licence"].pk
        refused = api.post(f"/licences/{licence}/activate", {"workstation": "PC2"}, key="x")
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "no_free_seat"

    def test_a_customer_token_cannot_sell_to_its_own_customer(self, customer_api_a, world):
        body = {
            "customer": world.a["customer"].pk,
            "minutes": 60,
            "starts": "2026-01-01",
            "ends": "2026-12-31",
        }
        response = customer_api_a.post("/vouchers", body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_forbidden"

    def test_the_renewal_quote_follows_the_grace_and_standard_rates(self, api, world):
        licence = world.a["licence"]
        period = Entitlement.objects.filter(licence=licence, kind="support_period").first()
        if period is None:
            response = api.get(f"/licences/{licence.pk}/renewal-quote", on="2026-06-01")
            assert response.json()["error"]["code"] == "no_support_period"
            return
        grace = api.get(f"/licences/{licence.pk}/renewal-quote", on=period.ends.isoformat()).json()
        assert grace["kind"] == "grace"
        assert grace["list_price"] == "7990.00"

    def test_the_rating_preview_rates_without_writing(self, api, world):
        before = (
            AuditEntry.objects.count(),
            WorkEntry.objects.count(),
            IdempotentRequest.objects.count(),
        )
        voucher = world.a["entitlement"]
        response = api.post(
            "/rating-preview",
            {
                "customer": world.a["customer"].pk,
                "started_at": "2026-03-05T08:00:00Z",
                "ended_at": "2026-03-05T08:50:00Z",
                "mode": "remote",
                "category": "consultation",
                "product": world.cast.accounting.pk,
            },
            key=None,
        )
        assert response.status_code == 200, response.content
        preview = response.json()
        assert preview["counted_minutes"] == 60
        assert preview["allocations"][0]["entitlement"] == voucher.reference
        assert len(preview["steps"]) == len(preview["explanation"])
        assert preview["steps"][-1] == {
            "code": "amount",
            "args": {"amount": preview["amount"], "currency": preview["currency"]},
        }
        assert (
            AuditEntry.objects.count(),
            WorkEntry.objects.count(),
            IdempotentRequest.objects.count(),
        ) == before

    def test_the_rating_preview_reports_a_rules_error_as_422(self, api, world):
        response = api.post(
            "/rating-preview",
            {
                "customer": world.a["customer"].pk,
                "started_at": "2026-03-05T08:00:00Z",
                "ended_at": "2026-03-05T09:00:00Z",
                "mode": "onsite",
                "category": "installation",
                "product": world.cast.accounting.pk,
                "city": "Burgas",
            },
            key=None,
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "outside_service_area"

    def test_an_unknown_field_is_refused_naming_it(self, api, world):
        response = api.post(
            "/customers",
            {
                "organisation": "G",
                "city": "V",
                "country": "BG",
                "language": "bg",
                "currency": "EUR",
                "on_hold": True,
            },
        )
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "on_hold"

    def test_a_missing_field_is_named(self, api, world):
        response = api.post("/customers", {"organisation": "G"})
        assert response.status_code == 422
        assert response.json()["error"] == {
            "code": "missing_field",
            "message": "city: this field is required.",
            "field": "city",
        }

    def test_a_body_that_is_not_json_is_a_400(self, api, world):
        response = api.client.post(
            "/api/v1/customers",
            "{not json",
            content_type="application/json",
            headers=api._headers("k"),
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_body"

    def test_the_docs_page_is_served_from_the_projects_own_static_files(self, api):
        page = api.client.get("/api/v1/docs").content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in page
        assert "cdn" not in page.lower()
        assert "http" not in page.replace("http-equiv", "")

    def test_the_schema_is_published(self, api):
        schema = api.client.get("/api/v1/openapi.json").json()
        assert "/api/v1/work-entries" in schema["paths"]
        assert Licence  # the models behind the schema are importable
