"""Orders, the request thread and invoices, through staff and customer tokens."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from supportledger.api.models import IdempotentRequest
from supportledger.billing.models import Invoice, InvoiceStatus, Order
from supportledger.core.models import AuditEntry
from supportledger.desk.models import Message

# --- orders ---------------------------------------------------------------------


def test_a_customer_token_orders_hours_for_its_own_customer(customer_api_a, world):
    placed = customer_api_a.post(
        "/orders",
        {"customer": world.a["customer"].pk, "kind": "voucher", "quantity": 5},
        key="order-1",
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    order = Order.objects.get(pk=body["id"])
    assert (body["customer"], body["kind"], body["status"]) == (
        world.a["customer"].pk,
        "voucher",
        "placed",
    )
    assert Decimal(body["amount"]) == order.amount > 0
    assert body["explanation"] == order.explanation
    assert AuditEntry.objects.filter(action="place_order", object_id=str(order.pk)).exists()


def test_placing_an_order_twice_with_one_key_places_it_once(api, world):
    body = {"customer": world.a["customer"].pk, "kind": "voucher", "quantity": 20}
    first = api.post("/orders", body, key="same")
    again = api.post("/orders", body, key="same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(quantity=20).count() == 1


def test_the_offers_list_what_the_vendor_sells_with_todays_prices(customer_api_a):
    response = customer_api_a.get("/offers")
    assert response.status_code == 200, response.content
    offers = {offer["code"]: offer for offer in response.json()}
    assert offers["voucher"]["sizes"] == [300, 600, 1200]
    prices = {(p["size"], p["currency"]): Decimal(p["amount"]) for p in offers["voucher"]["prices"]}
    assert prices == {
        (300, "EUR"): Decimal("190.00"),
        (600, "EUR"): Decimal("360.00"),
        (1200, "EUR"): Decimal("680.00"),
    }
    subscription = offers["subscription"]
    assert (subscription["sla"], subscription["minutes_per_month"], subscription["billing"]) == (
        True,
        600,
        "month",
    )
    assert offers["warranty"]["sold"] is False


def test_an_order_of_a_size_the_offer_does_not_sell_is_refused_naming_the_quantity(api, world):
    orders = Order.objects.count()
    body = {"customer": world.a["customer"].pk, "kind": "voucher", "quantity": 3}
    refused = api.post("/orders", body, key="odd-size")
    assert refused.status_code == 422, refused.content
    error = refused.json()["error"]
    assert error["code"] == "size_not_offered"
    assert error["message"].startswith("quantity: ")
    assert Order.objects.count() == orders


# --- messages -------------------------------------------------------------------


def test_a_customer_token_replies_publicly_as_its_contact(customer_api_a, world):
    desk_request = world.a["request"]
    posted = customer_api_a.post(
        f"/requests/{desk_request.pk}/messages", {"body_text": "Still broken."}, key="m1"
    )
    assert posted.status_code == 201, posted.content
    message = Message.objects.get(pk=posted.json()["id"])
    assert (message.internal, message.author_contact, message.request) == (
        False,
        world.a["contact"],
        desk_request,
    )
    assert AuditEntry.objects.filter(action="post_message", object_id=str(message.pk)).exists()


def test_staff_write_a_note_the_customer_never_sees_and_a_reply_it_does(
    customer_api_a, api, world, staff_user
):
    path = f"/requests/{world.a['request'].pk}/messages"
    note = api.post(path, {"body_text": "Check the licence", "internal": True}, key="n1")
    reply = api.post(path, {"body_text": "Fixed in 5.1"}, key="r1")
    assert (note.status_code, reply.status_code) == (201, 201)
    assert Message.objects.get(pk=note.json()["id"]).author_user == staff_user
    seen = [m["body_text"] for m in customer_api_a.get(path).json()["items"]]
    assert "Fixed in 5.1" in seen
    assert "Check the licence" not in seen


# --- invoices -------------------------------------------------------------------


def test_invoices_are_listed_within_the_callers_scope_and_customers_never_see_drafts(
    customer_api_a, api, world
):
    a_invoice = world.a["invoice"]
    Invoice.objects.filter(pk=a_invoice.pk).update(
        status=InvoiceStatus.DRAFT, number=None, series="", year=None, sequence=None
    )
    assert {i["id"] for i in api.get("/invoices").json()["items"]} == {
        a_invoice.pk,
        world.b["invoice"].pk,
    }
    assert customer_api_a.get("/invoices").json()["items"] == []
    assert customer_api_a.get(f"/invoices/{a_invoice.pk}").status_code == 404
    assert customer_api_a.get(f"/invoices/{a_invoice.pk}/pdf").status_code == 404
    draft_pdf = api.get(f"/invoices/{a_invoice.pk}/pdf")
    assert draft_pdf.status_code == 422
    assert draft_pdf.json()["error"]["code"] == "invoice_not_issued"


def test_the_thread_and_the_invoice_list_take_as_many_queries_however_long_they_are(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supportledger.billing.actions.orders import do_invoice_order, do_place_order
    from supportledger.desk.actions.thread import do_post_message

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    thread = f"/requests/{world.a['request'].pk}/messages"
    api.get("/me")  # the token's use is stamped, once a minute: not counted below
    before = (queries(thread), queries("/invoices"), queries("/orders"))
    for n in range(3):
        do_post_message(
            acting_user=None,
            request=world.a["request"],
            body_text=f"more {n}",
            attachments=[(f"log{n}.txt", "text/plain", b"log")],
        )
        order = do_place_order(
            acting_user=None, customer=world.a["customer"], kind="voucher", quantity=5
        )
        do_invoice_order(acting_user=None, order=order)
    assert (queries(thread), queries("/invoices"), queries("/orders")) == before


# --- payment and cancellation ---------------------------------------------------------


def test_a_vendor_token_marks_an_invoice_paid_and_the_order_is_fulfilled(api, world):
    invoice, order = world.a["invoice"], world.a["order"]
    paid = api.post(f"/invoices/{invoice.pk}/paid", key="pay-1")
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid"
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert order.status == "fulfilled"
    assert AuditEntry.objects.filter(action="mark_invoice_paid", object_id=str(invoice.pk)).exists()
    # The same key replays the first answer; a new key is refused: it is paid already.
    again = api.post(f"/invoices/{invoice.pk}/paid", key="pay-1")
    assert (again.status_code, again.json()) == (200, paid.json())
    twice = api.post(f"/invoices/{invoice.pk}/paid", key="pay-2")
    assert twice.status_code == 422
    assert twice.json()["error"]["code"] == "invalid_transition"


def test_a_customer_cancels_its_own_placed_order(customer_api_a, world):
    placed = customer_api_a.post(
        "/orders", {"customer": world.a["customer"].pk, "kind": "voucher", "quantity": 5}, key="o"
    ).json()
    cancelled = customer_api_a.post(f"/orders/{placed['id']}/cancel", key="cancel-1")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert Order.objects.get(pk=placed["id"]).status == "cancelled"
    assert AuditEntry.objects.filter(action="cancel_order", object_id=str(placed["id"])).exists()


def test_an_invoiced_order_is_not_cancelled_and_another_customers_is_not_found(
    customer_api_a, api, world
):
    invoiced = api.post(f"/orders/{world.a['order'].pk}/cancel", key="cancel-invoiced")
    assert invoiced.status_code == 422
    assert invoiced.json()["error"]["code"] == "invoiced"
    other = customer_api_a.post(f"/orders/{world.b['order'].pk}/cancel", key="cancel-other")
    assert other.status_code == 404
    assert Order.objects.get(pk=world.b["order"].pk).status == world.b["order"].status


def test_the_electronic_invoice_downloads_as_en16931_xml(customer_api_a, world):
    invoice = world.a["invoice"]
    response = customer_api_a.get(f"/invoices/{invoice.pk}/xml/en16931")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert b"CrossIndustryInvoice" in response.content
    assert invoice.number.encode() in response.content
    # The cast's vendor is in Bulgaria: it has no national document.
    missing = customer_api_a.get(f"/invoices/{invoice.pk}/xml/national")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    unknown = customer_api_a.get(f"/invoices/{invoice.pk}/xml/ubl")
    assert unknown.status_code == 422
    assert "kind" in str(unknown.json())


def test_another_customers_electronic_invoice_is_not_found(customer_api_a, world):
    response = customer_api_a.get(f"/invoices/{world.b['invoice'].pk}/xml/en16931")
    assert response.status_code == 404


def test_a_sale_of_an_offer_makes_exactly_its_terms_and_refuses_other_sizes(api, world):
    sold = api.post(
        "/sales", {"customer": world.a["customer"].pk, "offer": "subscription"}, key="sale-1"
    )
    assert sold.status_code == 201, sold.content
    body = sold.json()
    assert (body["kind"], body["sla"], body["minutes_per_month"]) == ("contract", True, 600)
    refused = api.post(
        "/sales",
        {"customer": world.a["customer"].pk, "offer": "voucher", "size": 420},
        key="sale-2",
    )
    assert refused.status_code == 422, refused.content
    assert refused.json()["error"]["code"] == "size_not_offered"
    assert refused.json()["error"]["message"].startswith("size: ")


@pytest.mark.usefixtures("class_world")
class TestReadsAndRefusals:
    """Tests that only read the world, or are refused and write nothing:
    one world for the class (``class_world``)."""

    def test_an_order_naming_another_customers_licence_is_not_found_and_writes_nothing(
        self, customer_api_a, api, world
    ):
        orders, keys = Order.objects.count(), IdempotentRequest.objects.count()
        for client in (customer_api_a, api):
            for field in ("licence", "entitlement"):
                response = client.post(
                    "/orders",
                    {
                        "customer": world.a["customer"].pk,
                        "kind": "renewal",
                        field: world.b[field].pk,
                    },
                    key=f"smuggle-{field}",
                )
                assert response.status_code == 404, response.content
                assert response.json()["error"] == {
                    "code": "not_found",
                    "message": f"No such {field}: {world.b[field].pk}.",
                    "field": field,
                }
        assert (Order.objects.count(), IdempotentRequest.objects.count()) == (orders, keys)

    def test_an_order_the_rules_cannot_price_is_refused_with_a_reason(self, api, world):
        voucher = world.a["entitlement"]  # a renewal renews a support period, not a voucher
        response = api.post(
            "/orders",
            {"customer": world.a["customer"].pk, "kind": "renewal", "entitlement": voucher.pk},
        )
        assert response.status_code == 422
        assert "support period" in response.json()["error"]["message"]
        assert Order.objects.filter(kind="renewal").count() == 0

    def test_a_refusal_is_in_english_unless_the_client_asks_for_a_language(self, api, world):
        voucher = world.a["entitlement"]  # a renewal renews a support period, not a voucher
        body = {"customer": world.a["customer"].pk, "kind": "renewal", "entitlement": voucher.pk}
        plain = api.post("/orders", body, key="renew-en")
        assert plain.status_code == 422
        assert plain.json()["error"] == {
            "code": "invalid",
            "message": "entitlement: a renewal renews a support period.",
        }
        headers = {
            "Authorization": f"Bearer {api.token}",
            "Idempotency-Key": "renew-bg",
            "Accept-Language": "bg",
        }
        asked = api.client.post(
            "/api/v1/orders", json.dumps(body), content_type="application/json", headers=headers
        )
        assert asked.status_code == 422
        assert asked.json()["error"]["code"] == "invalid"
        assert asked.json()["error"]["message"] == (
            "entitlement: подновява се само период на поддръжка."  # noqa: RUF001
        )

    def test_an_unknown_order_kind_names_the_field(self, api, world):
        response = api.post("/orders", {"customer": world.a["customer"].pk, "kind": "gift"})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "kind"

    def test_orders_are_listed_and_read_within_the_callers_scope(self, customer_api_a, api, world):
        a_order, b_order = world.a["order"], world.b["order"]
        assert {o["id"] for o in api.get("/orders").json()["items"]} == {a_order.pk, b_order.pk}
        assert [o["id"] for o in customer_api_a.get("/orders").json()["items"]] == [a_order.pk]
        assert customer_api_a.get(f"/orders/{a_order.pk}").json()["reference"] == a_order.reference
        assert customer_api_a.get(f"/orders/{b_order.pk}").status_code == 404

    def test_staff_read_the_whole_thread_a_customer_only_its_public_replies(
        self, customer_api_a, api, world
    ):
        path = f"/requests/{world.a['request'].pk}/messages"
        staff_view = api.get(path).json()["items"]
        assert [(m["body_text"], m["internal"]) for m in staff_view] == [
            ("Reply to a", False),
            ("Internal note on a", True),
        ]
        customer_view = customer_api_a.get(path).json()["items"]
        assert [m["body_text"] for m in customer_view] == ["Reply to a"]
        assert customer_view[0]["author_contact"] == world.a["contact"].pk

    def test_a_customer_token_cannot_write_an_internal_note(self, customer_api_a, world):
        messages = Message.objects.count()
        response = customer_api_a.post(
            f"/requests/{world.a['request'].pk}/messages",
            {"body_text": "psst", "internal": True},
        )
        assert response.status_code == 403
        assert response.json()["error"]["field"] == "internal"
        assert Message.objects.count() == messages

    def test_an_empty_message_is_refused_naming_the_field(self, api, world):
        response = api.post(f"/requests/{world.a['request'].pk}/messages", {"body_text": ""})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "body_text"

    def test_another_customers_thread_is_not_found(self, customer_api_a, world):
        path = f"/requests/{world.b['request'].pk}/messages"
        assert customer_api_a.get(path).status_code == 404
        messages = Message.objects.count()
        assert customer_api_a.post(path, {"body_text": "hello"}).status_code == 404
        assert Message.objects.count() == messages

    def test_an_invoice_is_read_with_its_lines(self, customer_api_a, world):
        invoice = world.a["invoice"]
        body = customer_api_a.get(f"/invoices/{invoice.pk}").json()
        assert body["number"] == invoice.number
        assert body["status"] == "issued"
        assert Decimal(body["total_amount"]) == invoice.total_amount
        assert [line["order"] for line in body["lines"]] == [world.a["order"].pk]
        assert body["bill_to"] == invoice.bill_to

    def test_the_invoice_pdf_downloads_as_an_attachment(self, customer_api_a, world):
        invoice = world.a["invoice"]
        response = customer_api_a.get(f"/invoices/{invoice.pk}/pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        assert response.content.startswith(b"%PDF-")

    def test_another_customers_invoice_and_its_pdf_are_not_found(self, customer_api_a, world):
        invoice = world.b["invoice"]
        for path in (f"/invoices/{invoice.pk}", f"/invoices/{invoice.pk}/pdf"):
            response = customer_api_a.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"

    def test_a_customer_token_cannot_mark_its_own_invoice_paid(self, customer_api_a, world):
        invoice = world.a["invoice"]
        response = customer_api_a.post(f"/invoices/{invoice.pk}/paid", key="pay-own")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_forbidden"
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.ISSUED

    def test_a_read_token_cannot_mark_an_invoice_paid(self, read_api, world):
        response = read_api.post(f"/invoices/{world.a['invoice'].pk}/paid", key="pay-read")
        assert response.status_code == 403
        assert Invoice.objects.get(pk=world.a["invoice"].pk).status == InvoiceStatus.ISSUED

    def test_another_customers_invoice_cannot_be_marked_paid(self, customer_api_a, world):
        invoice = world.b["invoice"]
        response = customer_api_a.post(f"/invoices/{invoice.pk}/paid", key="pay-other")
        assert response.status_code == 403  # no customer's token may mark any invoice paid
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED


def test_a_repeated_renewal_order_answers_200_with_the_existing_order(api, world):
    from supportledger.catalog.actions import do_create_product, do_set_product_price
    from supportledger.entitlements.actions.sales import do_sell_licence
    from supportledger.entitlements.models import Entitlement
    from tests.cast import SET_UP_AT

    studio = do_create_product(
        acting_user=None, code="STU", name="Studio", support_period_months=6, now=SET_UP_AT
    )
    do_set_product_price(
        acting_user=None,
        product=studio,
        effective_from=date(2025, 1, 1),
        amount=Decimal("7990"),
        currency=world.a["customer"].currency,
        now=SET_UP_AT,
    )
    licence = do_sell_licence(
        acting_user=None,
        customer=world.a["customer"],
        product=studio,
        sold_on=date(2026, 1, 1),
        now=SET_UP_AT,
    )
    period = Entitlement.objects.get(licence=licence, kind="support_period")
    body = {"customer": world.a["customer"].pk, "kind": "renewal", "entitlement": period.pk}
    first = api.post("/orders", body, key="renew-1")
    assert first.status_code == 201, first.content
    audits = AuditEntry.objects.filter(action="place_order").count()
    again = api.post("/orders", body, key="renew-2")
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Order.objects.filter(kind="renewal", entitlement=period).count() == 1
    assert AuditEntry.objects.filter(action="place_order").count() == audits
