"""Customers' billing data over the API: address, business or consumer,
registration number and VAT id, checked by python-stdnum; a refusal names
the field and changes nothing."""

from __future__ import annotations

from supportledger.core.models import AuditEntry
from supportledger.customers.models import Customer


def test_a_customer_is_created_with_its_address_and_a_checked_vat_id(api, world):
    created = api.post(
        "/customers",
        {
            "organisation": "Athens SA",
            "street": "Ermou 10",
            "postcode": "10563",
            "city": "Athens",
            "country": "GR",
            "customer_type": "business",
            "vat_id": "094259216",
            "language": "el",
            "currency": "EUR",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["vat_id"], body["street"], body["customer_type"]) == (
        "EL094259216",
        "Ermou 10",
        "business",
    )


def test_a_vat_id_with_wrong_check_digits_is_refused_naming_the_field(api, world):
    refused = api.post(
        "/customers",
        {
            "organisation": "Bad Ltd",
            "city": "Sofia",
            "country": "BG",
            "vat_id": "BG175074753",
            "language": "bg",
            "currency": "EUR",
        },
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("vat_id: ")
    assert not Customer.objects.filter(organisation="Bad Ltd").exists()


def test_staff_change_a_customers_address_and_type_and_it_is_audited(api, world):
    customer = world.a["customer"]
    changed = api.post(
        f"/customers/{customer.pk}/billing",
        {"street": "5 Shipka St", "postcode": "1504", "customer_type": "consumer"},
    )
    assert changed.status_code == 200
    customer.refresh_from_db()
    assert (customer.street, customer.postcode, customer.customer_type) == (
        "5 Shipka St",
        "1504",
        "consumer",
    )
    assert AuditEntry.objects.filter(action="update_customer_billing_data").exists()


def test_a_customer_token_changes_its_own_billing_data_but_never_anothers(customer_api_a, world):
    own = world.a["customer"]
    other = world.b["customer"]
    assert (
        customer_api_a.post(
            f"/customers/{own.pk}/billing", {"registration_number": "204612908"}
        ).status_code
        == 200
    )
    assert (
        customer_api_a.post(
            f"/customers/{other.pk}/billing", {"street": "Hijacked 1"}, key="k2"
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.street != "Hijacked 1"


def test_a_wrong_registration_number_is_refused_and_nothing_changes(api, world):
    customer = world.a["customer"]
    refused = api.post(
        f"/customers/{customer.pk}/billing",
        {"street": "New 1", "registration_number": "204612909"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("registration_number: ")
    customer.refresh_from_db()
    assert customer.street != "New 1"
