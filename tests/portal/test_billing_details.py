"""A customer's contact keeps its billing details on the portal's account
page: the address and tax numbers invoices are addressed to."""

from django.urls import reverse

from supportledger.customers.models import Customer

DETAILS = {
    "organisation": "Alfa OOO",
    "street": "ul. Tverskaya 7",
    "postcode": "125009",
    "city": "Moscow",
    "customer_type": "business",
    "registration_number": "1207700123454",
    "vat_id": "7709123453",
}


def test_a_contact_saves_its_customers_billing_details(client_a, world):
    page = client_a.get(reverse("portal:account"))
    assert page.status_code == 200
    assert 'name="vat_id"' in page.content.decode()
    saved = client_a.post(reverse("portal:billing_data"), DETAILS)
    assert saved.status_code == 302
    customer = Customer.objects.get(pk=world.a.customer.pk)
    assert (customer.vat_id, customer.registration_number, customer.street) == (
        "RU7709123453",
        "1207700123454",
        "ul. Tverskaya 7",
    )
    other = Customer.objects.get(pk=world.b.customer.pk)
    assert other.vat_id == ""


def test_a_wrong_inn_is_refused_on_the_field_in_the_contacts_language(client_a, world):
    refused = client_a.post(reverse("portal:billing_data"), {**DETAILS, "vat_id": "7709123454"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="vat_id-error"' in html
    # Alfa's contact reads Bulgarian.
    assert "контролните цифри не съвпадат" in html
    assert Customer.objects.get(pk=world.a.customer.pk).street == "Tverskaya 1"


def test_an_anonymous_visitor_cannot_change_billing_details(client, world):
    response = client.post(reverse("portal:billing_data"), DETAILS)
    assert response.status_code == 302
    assert Customer.objects.get(pk=world.a.customer.pk).vat_id == ""
