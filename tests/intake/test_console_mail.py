"""The staff pages under /console/mail/: the quarantine, one message, the
raw download, the route action."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from supportledger.customers.actions import do_add_contact
from supportledger.desk.models import Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import InboundMessage, InboundStatus
from tests.intake.conftest import eml

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, mail_cast):
    client.force_login(mail_cast.cast.maria.user)
    return client


def receive(name: str) -> InboundMessage:
    return do_receive_mail(raw=eml(name), received_via="file").message


def test_only_staff_see_the_mail_pages(client, mail_cast):
    message = receive("garbage.eml")
    urls = [
        reverse("intake:mail_list"),
        reverse("intake:mail_detail", args=[message.pk]),
        reverse("intake:mail_raw", args=[message.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the console login
    outsider = get_user_model().objects.create_user("outsider")
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 403
    response = client.post(reverse("intake:mail_route", args=[message.pk]))
    assert response.status_code == 403


def test_quarantine_lists_every_message_not_routed_with_its_reason(staff_client):
    receive("garbage.eml")
    receive("precedence_bulk.eml")
    receive("unknown_sender.eml")
    receive("plain.eml")
    page = staff_client.get(reverse("intake:mail_list")).content.decode()
    assert "no_headers" in page
    assert "precedence_bulk" in page
    assert "unknown_sender" in page
    assert "Invoice printing stopped" not in page
    routed = staff_client.get(reverse("intake:mail_list") + "?status=routed").content.decode()
    assert "Invoice printing stopped" in routed


def test_quarantine_page_does_not_grow_in_queries_with_messages(
    staff_client, django_assert_max_num_queries
):
    receive("garbage.eml")
    with django_assert_max_num_queries(12) as few:
        staff_client.get(reverse("intake:mail_list"))
    for index in range(5):
        do_receive_mail(
            raw=eml("no_from.eml").replace(b"0001", b"%04d" % index), received_via="file"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(reverse("intake:mail_list"))


def test_raw_message_is_a_download_that_is_never_sniffed(staff_client):
    message = receive("html_alternative.eml")
    response = staff_client.get(reverse("intake:mail_raw", args=[message.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="message-{message.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == eml("html_alternative.eml")


def test_message_page_shows_the_sanitised_html_only(staff_client, mail_cast):
    message = receive("html_alternative.eml")
    page = staff_client.get(reverse("intake:mail_detail", args=[message.pk])).content.decode()
    assert "<b>payroll</b>" in page
    assert "tracker.example" not in page
    assert "onclick" not in page
    assert "document.cookie" not in page


def test_unknown_message_id_is_404(staff_client):
    assert staff_client.get(reverse("intake:mail_detail", args=[999999])).status_code == 404


def test_staff_route_a_quarantined_message_to_a_contact_and_it_is_acknowledged(
    staff_client, mail_cast
):
    message = receive("unknown_sender.eml")
    do_add_contact(
        verified=True,
        acting_user=None,
        customer=mail_cast.sklad,
        name="Jan Kowalski",
        email="jan.kowalski@nowy-klient.example",
        language="pl",
    )
    response = staff_client.post(
        reverse("intake:mail_route", args=[message.pk]),
        {"request": "", "contact": "jan.kowalski@nowy-klient.example"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == InboundStatus.ROUTED
    assert message.routed_by == mail_cast.cast.maria.user
    assert Request.objects.get().customer == mail_cast.sklad


def test_staff_add_a_quarantined_message_to_a_request_by_its_reference(staff_client, mail_cast):
    receive("plain.eml")
    request = Request.objects.get()
    message = receive("unknown_sender.eml")
    response = staff_client.post(
        reverse("intake:mail_route", args=[message.pk]), {"request": request.reference}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.request == request
    assert request.messages.filter(internal=True).count() == 1


def test_routing_to_an_unknown_request_names_the_field_and_changes_nothing(staff_client):
    message = receive("unknown_sender.eml")
    response = staff_client.post(
        reverse("intake:mail_route", args=[message.pk]), {"request": "REQ-424242"}
    )
    assert response.status_code == 400
    assert "REQ-424242" in response.content.decode()
    message.refresh_from_db()
    assert message.status == InboundStatus.QUARANTINED
    assert mail.outbox == []


def test_routing_an_unreadable_message_is_refused_with_a_message(staff_client):
    message = receive("garbage.eml")
    response = staff_client.post(reverse("intake:mail_route", args=[message.pk]), {})
    assert response.status_code == 400
    assert "download" in response.content.decode()
    message.refresh_from_db()
    assert message.status == InboundStatus.QUARANTINED


@pytest.mark.parametrize("language", ["bg", "hu", "el", "ru", "pl"])
def test_mail_pages_speak_the_staff_language(staff_client, language):
    receive("garbage.eml")
    staff_client.cookies["django_language"] = language
    page = staff_client.get(reverse("intake:mail_list")).content.decode()
    expected = {
        "bg": "Входяща поща",
        "hu": "Beérkező levelek",
        "el": "Εισερχόμενα μηνύματα",
        "ru": "Входящая почта",
        "pl": "Poczta przychodząca",
    }[language]
    assert expected in page
