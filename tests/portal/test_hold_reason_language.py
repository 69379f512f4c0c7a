"""The reason of a hold reaches the reader in their language: a hold that
billing placed for an overdue invoice is written anew for each reader (the
portal's contact, the desk's agent); a reason staff typed is shown as typed."""

from datetime import timedelta

import pytest
from django.test import Client

from supportledger.billing.actions.reminders import do_hold_overdue_customers
from supportledger.billing.models import BillingSettings
from supportledger.core.locale_format import format_date
from supportledger.customers.actions import do_put_customer_on_hold
from supportledger.customers.holds import describe_hold_reason
from supportledger.customers.models import Customer
from tests.billing.scenario import set_up_billing_settings

pytestmark = pytest.mark.django_db

IN_LANGUAGE = {
    "bg": "Просрочена фактура",
    "hu": "Lejárt számla",
    "el": "Ληξιπρόθεσμο τιμολόγιο",
    "ru": "Просроченный счёт",
    "pl": "Zaległa faktura",
}


@pytest.fixture
def held_b(world):
    set_up_billing_settings()
    BillingSettings.objects.filter(pk=1).update(hold_when_overdue=True, hold_after_days=0)
    invoice = world.b_invoice
    invoice.refresh_from_db()
    held = do_hold_overdue_customers(
        acting_user=None, now=world.b_invoice.created_at + timedelta(days=60)
    )
    assert [c.pk for c in held] == [world.b.customer.pk]
    return invoice


def test_the_hold_names_its_invoice_and_reads_in_every_language(held_b, world):
    customer = Customer.objects.get(pk=world.b.customer.pk)
    assert customer.on_hold_invoice == held_b
    assert customer.on_hold_reason == ""  # no English sentence stored to parse back
    for language, words in IN_LANGUAGE.items():
        text = describe_hold_reason(customer, language)
        assert text.startswith(words)
        assert held_b.number in text
        assert format_date(held_b.due_on, language) in text
        assert "Overdue" not in text
    assert describe_hold_reason(customer, "en") == (
        f"Overdue invoice {held_b.number}, due {format_date(held_b.due_on, 'en')}"
    )


def test_the_portal_shows_the_hold_in_the_contacts_language(held_b, world):
    client = Client()
    client.force_login(world.b.user)
    html = client.get("/portal/").content.decode()
    assert 'id="on-hold"' in html
    assert IN_LANGUAGE["el"] in html  # Beta's contact reads Greek
    assert held_b.number in html
    assert "Overdue invoice" not in html


def test_the_desk_shows_the_hold_in_the_agents_language(held_b, world):
    client = Client()
    client.force_login(world.agent.user)
    for language, words in IN_LANGUAGE.items():
        client.cookies["django_language"] = language
        html = client.get(f"/console/requests/{world.b.request.pk}/").content.decode()
        assert words in html
        assert "Overdue invoice" not in html


def test_a_reason_typed_by_staff_is_shown_as_typed(world):
    do_put_customer_on_hold(
        acting_user=None, customer=world.a.customer, reason="Лиценз под проверка"
    )
    client = Client()
    client.force_login(world.a.user)
    assert "Лиценз под проверка" in client.get("/portal/").content.decode()
