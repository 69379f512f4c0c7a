"""The web's edges: no-store on signed-in pages, control characters out of
forms and mail subjects, reset links from the configured site address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from supportledger.desk.models import Request
from supportledger.intake.parse import parse_message
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

MAIL = b"""From: Anna <anna@acme.example>
To: support@vendor.example
Subject: Printer\x00 down
Message-ID: <nul@acme.example>
Content-Type: text/plain; charset=utf-8

It stopped.
"""


def test_signed_in_pages_are_no_store_and_the_public_start_page_is_not():
    cast = build_cast()
    client = Client()
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(cast.maria.user)
    assert "no-store" in client.get("/console/")["Cache-Control"]


def test_a_nul_typed_into_a_console_form_never_reaches_the_request():
    cast = build_cast()
    client = Client()
    client.force_login(cast.maria.user)
    response = client.post(
        "/console/requests/new/",
        {
            "customer": cast.acme.pk,
            "channel": "phone",
            "category": "defect",
            "priority": "high",
            "subject": "Crash\x00 on start\x1b",
            "body": "Line one\n\tLine two\x00",
        },
    )
    assert response.status_code == 302
    opened = Request.objects.get(subject="Crash on start")
    assert opened.messages.first().body_text == "Line one\n\tLine two"


def test_a_nul_in_a_mail_subject_is_taken_out():
    assert parse_message(MAIL).subject == "Printer down"


def test_reset_links_live_one_hour():
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
