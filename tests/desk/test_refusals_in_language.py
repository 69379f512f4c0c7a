"""A refusal of the desk reaches the console's agent in the agent's
language; the code and the untranslated field name stay as they are."""

from datetime import date
from unittest import mock

import pytest
from django.test import TestCase
from django.utils import translation

from supportledger.core.errors import ActionRefused
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Status
from tests.cast import at, build_cast

MARCH_4 = date(2026, 3, 4)


def open_(customer, **overrides):
    fields = {
        "acting_user": None,
        "customer": customer,
        "subject": "Help",
        "body": "",
        "category": "consultation",
        "channel": "portal",
        "now": at(MARCH_4, 7),
    }
    fields.update(overrides)
    return do_open_request(**fields)


class TheConsoleInTheAgentsLanguage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_(cls.cast.acme, product=cls.cast.accounting)

    def setUp(self):
        clock = mock.patch("supportledger.core.clock.now", return_value=at(MARCH_4, 7, 30))
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.cast.maria.user)
        self.url = f"/console/requests/{self.request.pk}/"

    def test_an_illegal_transition_is_refused_in_bulgarian(self):
        self.client.cookies["django_language"] = "bg"
        response = self.client.post(self.url + "status/", {"to": "closed"}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert "status: заявка в състояние new не може да премине в closed" in page
        assert "cannot become closed" not in page
        self.request.refresh_from_db()
        assert self.request.status == Status.NEW

    def test_stopping_no_timer_is_refused_in_greek(self):
        self.client.cookies["django_language"] = "el"
        page = self.client.post(self.url + "timer/stop/", follow=True).content.decode()
        assert f"Δεν τρέχει χρονόμετρο στο {self.request.reference}." in page
        assert "No timer is running" not in page


@pytest.mark.django_db
def test_the_same_refusal_is_english_outside_any_language_and_keeps_its_code():
    cast = build_cast()
    request = open_(cast.acme)
    for language, text in (
        ("en", "body_text: the message is empty."),
        ("ru", "body_text: сообщение пустое."),
        ("pl", "body_text: wiadomość jest pusta."),
        ("hu", "body_text: az üzenet üres."),
    ):
        with translation.override(language), pytest.raises(ActionRefused) as refused:
            do_post_message(acting_user=None, request=request, body_text="  ")
        assert refused.value.code == "invalid"
        assert refused.value.message == text
