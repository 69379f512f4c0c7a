"""Routing a message by hand in the console: the refusal is told in the
staff member's language, while the reason kept on the message stays English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

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


def test_an_unknown_sender_is_refused_in_greek_and_kept_in_english(staff_client):
    message = receive("unknown_sender.eml")
    stored = message.reason_detail
    assert stored.endswith("is no contact of any customer.")
    staff_client.cookies["django_language"] = "el"
    response = staff_client.post(reverse("intake:mail_route", args=[message.pk]), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "δεν είναι επαφή κανενός πελάτη." in page
    # The English line left is the reason kept on the message, shown as kept.
    assert page.count("is no contact of any customer") == 1
    message.refresh_from_db()
    assert message.status == InboundStatus.QUARANTINED
    assert message.reason_detail == stored


def test_an_unreadable_message_is_refused_in_bulgarian(staff_client):
    message = receive("garbage.eml")
    staff_client.cookies["django_language"] = "bg"
    response = staff_client.post(reverse("intake:mail_route", args=[message.pk]), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Писмото не може да бъде прочетено" in page
    assert "download it instead" not in page


@pytest.mark.parametrize("language", ["bg", "el"])
def test_the_reason_kept_on_a_quarantined_message_is_english_in_any_language(
    mail_cast, settings, language
):
    settings.DESK_ATTACHMENT_MAX_BYTES = 10
    with translation.override(language):
        refused_file = receive("attachments.eml")
        unknown = receive("unknown_sender.eml")
    assert refused_file.status == InboundStatus.QUARANTINED
    assert refused_file.reason == "attachment_too_large"
    assert refused_file.reason_detail.startswith("attachments: ")
    assert "the limit is 10 bytes." in refused_file.reason_detail
    assert unknown.reason == "unknown_sender"
    assert unknown.reason_detail.endswith("is no contact of any customer.")
