"""A customer's token cannot take over another company's mail by adding its
address as a contact; staff may share an address, and it is audited. A new
address is unproven until its link is followed."""

from __future__ import annotations

import pytest

from supportledger.core.models import AuditEntry
from supportledger.customers.models import Contact
from supportledger.mail.models import OutboundKind, OutboundMail

pytestmark = pytest.mark.django_db


def test_a_customer_token_cannot_add_another_customers_contact_address(
    customer_api_a, customer_a, world
):
    taken = world.b["contact"].email
    contacts = Contact.objects.count()
    for address in (taken, taken.upper()):
        response = customer_api_a.post(
            f"/customers/{customer_a.pk}/contacts", {"name": "Mallory", "email": address}
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "email_taken"
        assert error["message"].startswith("email: ")
    assert Contact.objects.count() == contacts
    assert not OutboundMail.objects.filter(kind=OutboundKind.CONTACT_VERIFICATION).exists()


def test_a_customer_token_adds_a_new_address_unproven_and_a_link_is_queued(
    customer_api_a, customer_a
):
    response = customer_api_a.post(
        f"/customers/{customer_a.pk}/contacts", {"name": "Petar", "email": "petar@acme.example"}
    )
    assert response.status_code == 201
    contact = Contact.objects.get(email="petar@acme.example")
    assert contact.email_verified_at is None
    link = OutboundMail.objects.get(kind=OutboundKind.CONTACT_VERIFICATION)
    assert link.to == "petar@acme.example"
    assert "/portal/verify-email/" in link.body


def test_staff_may_share_an_address_between_customers_and_the_audit_says_so(api, customer_a, world):
    taken = world.b["contact"].email
    response = api.post(
        f"/customers/{customer_a.pk}/contacts", {"name": "Shared desk", "email": taken}
    )
    assert response.status_code == 201
    added = Contact.objects.get(pk=response.json()["id"])
    assert added.email_verified_at is None
    entry = AuditEntry.objects.filter(action="add_contact").order_by("-id").first()
    assert entry.detail["shared_with_customers"] == [world.b["customer"].pk]
