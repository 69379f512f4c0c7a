"""A refusal of a service or billing action reaches the portal's contact in
their language: the reason is written when the action refuses, in the
language the portal speaks to the contact; the field name before it stays
as the form knows it."""

from datetime import date

import pytest
from django.utils.html import escape

from supportledger.billing.models import Order
from supportledger.catalog.models import ProductPrice
from supportledger.service.models import Claim

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_an_empty_complaint_is_refused_in_bulgarian_for_alfas_contact(client_a, world):
    work = world.a.work[3]  # ended yesterday, not confirmed
    client_a.post(f"/portal/work/{work.pk}/confirm/", follow=True)  # its thanks shown
    response = client_a.post(f"/portal/work/{work.pk}/claim/", {"description": " "})
    assert not Claim.objects.filter(work=work).exists()
    assert response.status_code == 400  # beside the form, not as a message on another page
    html = response.content.decode()
    assert escape("description: опишете какъв е проблемът с работата.") in html  # noqa: RUF001
    assert escape("опишете какъв е проблемът с работата.") in html  # noqa: RUF001
    assert "say what is wrong" not in html


def test_a_renewal_without_a_list_price_is_refused_in_greek_for_betas_contact(client, world):
    ProductPrice.objects.filter(product=world.b.licence.product).update(
        effective_from=date(2027, 1, 1)
    )
    # Beta's open renewal would answer the post (one per period): gone here.
    Order.objects.filter(customer=world.b.customer, kind="renewal").update(status="cancelled")
    orders = Order.objects.filter(customer=world.b.customer).count()
    client.force_login(world.b.user)  # Beta's contact reads Greek
    response = client.post("/portal/downloads/renew/", {"licence": world.b.licence.pk}, follow=True)
    assert Order.objects.filter(customer=world.b.customer).count() == orders
    [message] = messages_of(response)
    # The portal's own wrapper and the billing reason inside it, both in Greek.
    assert message.startswith("Η ανανέωση δεν ")  # noqa: RUF001
    assert "product: το ACC δεν έχει τιμή στις 15 Σεπ 2026" in message
    assert "has no price" not in message
    assert "has no price" not in response.content.decode()
