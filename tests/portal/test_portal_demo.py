import pytest
from django.core.management import call_command

from supportledger.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_portal_demo_gives_the_demo_contacts_logins_that_work(client):
    call_command("demo", "--preset", "support_period_ru")
    call_command("portal_demo", "--limit", "3")
    contact = Contact.objects.filter(user__isnull=False).order_by("id").first()
    assert contact is not None
    response = client.post(
        "/portal/login/", {"email": contact.email, "password": "portal-demo-2026"}
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/downloads/").status_code == 200
