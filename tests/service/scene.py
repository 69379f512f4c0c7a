"""The service tests' scene: the Sofia vendor of ``tests.cast`` plus a
contact at each customer, a request and a consent to the price list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supportledger.customers.actions import do_add_contact
from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.service.actions.consent import do_record_consent
from supportledger.service.models import Consent
from tests.cast import SET_UP_AT, Cast, build_cast, open_request, switch_on_features

PRICE_LIST = "2000-01-01"  # the first price list do_set_up_vendor creates
WEDNESDAY = date(2026, 3, 4)  # Sofia is UTC+2 until 29 March: open 06:00-14:00 UTC
THURSDAY = date(2026, 3, 5)


@dataclass
class Scene:
    cast: Cast
    petya: Contact  # Acme's contact, writes Bulgarian
    zoltan: Contact  # Zeta's contact, writes Hungarian
    request: Request  # Acme's request
    zeta_request: Request


def build_scene() -> Scene:
    """The Sofia vendor, taking claims and confirming work automatically as
    the Polish seed does (the scene tests visits, sessions and claims)."""
    cast = build_cast()
    switch_on_features("claims", "auto_confirm")
    petya = do_add_contact(
        verified=True,
        acting_user=None,
        customer=cast.acme,
        name="Petya Ivanova",
        email="petya@acme.example",
        language="bg",
        now=SET_UP_AT,
    )
    zoltan = do_add_contact(
        verified=True,
        acting_user=None,
        customer=cast.zeta,
        name="Zoltan Kiss",
        email="zoltan@zeta.example",
        language="hu",
        now=SET_UP_AT,
    )
    return Scene(cast, petya, zoltan, open_request(cast.acme), open_request(cast.zeta))


def consent(contact: Contact, request: Request, now=SET_UP_AT) -> Consent:
    return do_record_consent(
        acting_user=None,
        contact=contact,
        request=request,
        terms_version="2026-01",
        price_list_version=PRICE_LIST,
        ip_address="192.0.2.10",
        now=now,
    )
