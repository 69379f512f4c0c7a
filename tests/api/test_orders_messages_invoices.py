"""Orders, the request thread and invoices, through staff and customer tokens."""

from __future__ import annotations

from decimal import Decimal

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
    body = {"customer": world.a["customer"].pk, "kind": "voucher", "quantity": 3}
    first = api.post("/orders", body, key="same")
    again = api.post("/orders", body, key="same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(quantity=3).count() == 1


def test_an_order_naming_another_customers_licence_is_not_found_and_writes_nothing(
    customer_api_a, api, world
):
    orders, keys = Order.objects.count(), IdempotentRequest.objects.count()
    for client in (customer_api_a, api):
        for field in ("licence", "entitlement"):
            response = client.post(
                "/orders",
                {"customer": world.a["customer"].pk, "kind": "renewal", field: world.b[field].pk},
                key=f"smuggle-{field}",
            )
            assert response.status_code == 404, response.content
            assert response.json()["error"] == {
                "code": "not_found",
                "message": f"No such {field}: {world.b[field].pk}.",
                "field": field,
            }
    assert (Order.objects.count(), IdempotentRequest.objects.count()) == (orders, keys)


def test_an_order_the_rules_cannot_price_is_refused_with_a_reason(api, world):
    voucher = world.a["entitlement"]  # a renewal renews a support period, not a voucher
    response = api.post(
        "/orders",
        {"customer": world.a["customer"].pk, "kind": "renewal", "entitlement": voucher.pk},
    )
    assert response.status_code == 422
    assert "support period" in response.json()["error"]["message"]
    assert Order.objects.filter(kind="renewal").count() == 0


def test_an_unknown_order_kind_names_the_field(api, world):
    response = api.post("/orders", {"customer": world.a["customer"].pk, "kind": "gift"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "kind"


def test_orders_are_listed_and_read_within_the_callers_scope(customer_api_a, api, world):
    a_order, b_order = world.a["order"], world.b["order"]
    assert {o["id"] for o in api.get("/orders").json()["items"]} == {a_order.pk, b_order.pk}
    assert [o["id"] for o in customer_api_a.get("/orders").json()["items"]] == [a_order.pk]
    assert customer_api_a.get(f"/orders/{a_order.pk}").json()["reference"] == a_order.reference
    assert customer_api_a.get(f"/orders/{b_order.pk}").status_code == 404


# --- messages -------------------------------------------------------------------


def test_staff_read_the_whole_thread_a_customer_only_its_public_replies(
    customer_api_a, api, world
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


def test_a_customer_token_cannot_write_an_internal_note(customer_api_a, world):
    messages = Message.objects.count()
    response = customer_api_a.post(
        f"/requests/{world.a['request'].pk}/messages",
        {"body_text": "psst", "internal": True},
    )
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "internal"
    assert Message.objects.count() == messages


def test_staff_write_a_note_the_customer_never_sees_and_a_reply_it_does(
    customer_api_a, api, world
):
    path = f"/requests/{world.a['request'].pk}/messages"
    note = api.post(path, {"body_text": "Check the licence", "internal": True}, key="n1")
    reply = api.post(path, {"body_text": "Fixed in 5.1"}, key="r1")
    assert (note.status_code, reply.status_code) == (201, 201)
    assert Message.objects.get(pk=note.json()["id"]).author_user == world.cast.maria.user
    seen = [m["body_text"] for m in customer_api_a.get(path).json()["items"]]
    assert "Fixed in 5.1" in seen
    assert "Check the licence" not in seen


def test_an_empty_message_is_refused_naming_the_field(api, world):
    response = api.post(f"/requests/{world.a['request'].pk}/messages", {"body_text": ""})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body_text"


def test_another_customers_thread_is_not_found(customer_api_a, world):
    path = f"/requests/{world.b['request'].pk}/messages"
    assert customer_api_a.get(path).status_code == 404
    messages = Message.objects.count()
    assert customer_api_a.post(path, {"body_text": "hello"}).status_code == 404
    assert Message.objects.count() == messages


# --- invoices -------------------------------------------------------------------


def test_an_invoice_is_read_with_its_lines(customer_api_a, world):
    invoice = world.a["invoice"]
    body = customer_api_a.get(f"/invoices/{invoice.pk}").json()
    assert body["number"] == invoice.number
    assert body["status"] == "issued"
    assert Decimal(body["total_amount"]) == invoice.total_amount
    assert [line["order"] for line in body["lines"]] == [world.a["order"].pk]
    assert body["bill_to"] == invoice.bill_to


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


def test_the_invoice_pdf_downloads_as_an_attachment(customer_api_a, world):
    invoice = world.a["invoice"]
    response = customer_api_a.get(f"/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_another_customers_invoice_and_its_pdf_are_not_found(customer_api_a, world):
    invoice = world.b["invoice"]
    for path in (f"/invoices/{invoice.pk}", f"/invoices/{invoice.pk}/pdf"):
        response = customer_api_a.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
