"""The intake's cast: the Sofia vendor of tests/cast.py with contacts who
write in Bulgarian (Anna of Acme), Greek (Nikos of Zeta) and Russian (Ivan
of Sklad), and helpers to read the .eml files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from supportledger.customers.actions import do_add_contact, do_create_customer
from supportledger.customers.models import Contact, Customer
from tests.cast import SET_UP_AT, Cast, build_cast
from tests.intake.smtp_fixtures import smtp_listener, smtp_sink  # noqa: F401

EML = Path(__file__).parent / "eml"


def eml(name: str) -> bytes:
    return (EML / name).read_bytes()


@dataclass
class MailCast:
    cast: Cast
    anna: Contact  # Acme, Bulgarian
    nikos: Contact  # Zeta, Greek
    ivan: Contact  # Sklad, Russian
    sklad: Customer


def build_mail_cast() -> MailCast:
    cast = build_cast()
    anna = do_add_contact(
        verified=True,
        acting_user=None,
        customer=cast.acme,
        name="Anna Petrova",
        email="anna.petrova@acme.example",
        language="bg",
        now=SET_UP_AT,
    )
    nikos = do_add_contact(
        verified=True,
        acting_user=None,
        customer=cast.zeta,
        name="Nikos Papadopoulos",
        email="nikos@zeta.example",
        language="el",
        now=SET_UP_AT,
    )
    sklad = do_create_customer(
        acting_user=None,
        organisation="Sklad LLC",
        city="Sofia",
        country="BG",
        language="ru",
        currency="EUR",
        now=SET_UP_AT,
    )
    ivan = do_add_contact(
        verified=True,
        acting_user=None,
        customer=sklad,
        name="Ivan Smirnov",
        email="ivan.smirnov@sklad.example",
        language="ru",
        now=SET_UP_AT,
    )
    return MailCast(cast=cast, anna=anna, nikos=nikos, ivan=ivan, sklad=sklad)


@pytest.fixture
def mail_cast(db) -> MailCast:
    return build_mail_cast()


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Support <support@support.example>"
    settings.INTAKE_UNKNOWN_SENDERS = "quarantine"
    settings.INTAKE_MAX_MESSAGE_BYTES = 64 * 1024
