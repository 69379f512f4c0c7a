"""Renewing twice from the portal's downloads page (a double click, a
resent form) answers with the renewal already ordered and its invoice."""

from __future__ import annotations

import pytest

from supportledger.billing.models import Invoice, Order

pytestmark = pytest.mark.django_db


def test_a_second_renewal_post_shows_the_first_invoice_and_orders_nothing(client, world):
    client.force_login(world.b.user)
    orders = Order.objects.filter(customer=world.b.customer).count()
    invoices = Invoice.objects.filter(customer=world.b.customer).count()
    for _ in range(3):
        response = client.post(
            "/portal/downloads/renew/", {"licence": world.b.licence.pk}, follow=True
        )
        assert response.status_code == 200
        [message] = [str(m) for m in response.context["messages"]]
        assert world.b_invoice.number in message
    assert Order.objects.filter(customer=world.b.customer).count() == orders
    assert Invoice.objects.filter(customer=world.b.customer).count() == invoices
