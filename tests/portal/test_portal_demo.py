import pytest
from django.core.management import call_command

from supportledger.customers.actions import do_add_contact, do_create_customer
from supportledger.customers.models import Contact
from supportledger.ops.setup import do_set_up_vendor

pytestmark = pytest.mark.django_db


def test_portal_demo_gives_contacts_without_a_login_one_that_works(client):
    do_set_up_vendor(acting_user=None, preset_name="support_period_ru")
    customer = do_create_customer(
        acting_user=None,
        organisation="Demo OOO",
        city="Moscow",
        country="RU",
        language="ru",
        currency="RUB",
    )
    do_add_contact(
        verified=True, acting_user=None, customer=customer, name="Demo", email="Demo@Example.com"
    )
    call_command("portal_demo")
    call_command("portal_demo")  # a second run gives nobody a second login
    contact = Contact.objects.get(email="Demo@Example.com")
    assert contact.user is not None
    response = client.post(
        "/portal/login/", {"email": "demo@example.com", "password": "portal-demo-2026"}
    )
    assert response.status_code == 302
    assert "Обзор" in client.get("/portal/").content.decode()
