"""A staff token, a customer token, and a client that speaks JSON to /api/v1/.

``world`` is built afresh for each test; a class or a module of tests that
only read it asks for ``class_world`` or ``module_world`` too
(``pytest.mark.usefixtures``), and then each of its tests gets a copy of one
world built once for them all.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from supportledger.api.actions import do_create_api_token
from supportledger.billing.actions.orders import do_invoice_order, do_place_order
from supportledger.catalog.actions import do_set_product_price
from supportledger.catalog.models import Release
from supportledger.customers.actions import do_add_contact, do_add_staff_member
from supportledger.customers.models import Customer, StaffRole
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.licences import do_activate_licence
from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import do_sell_licence, do_sell_voucher
from tests.billing.scenario import set_up_billing_settings
from tests.cast import SET_UP_AT, Cast, at, build_cast, open_request


class Api:
    """Requests to /api/v1/ with a token; ``key`` sends an Idempotency-Key."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, key: str | None) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(None))

    def send(self, method: str, path: str, body: Any = None, key: str | None = "k1") -> Any:
        return self.client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(key),
        )

    def post(self, path: str, body: Any = None, key: str | None = "k1") -> Any:
        return self.send("POST", path, body, key)


@dataclass
class World:
    """The cast, with for each of Acme (A) and Zeta (B): a contact, a licence
    activated on one workstation, a voucher, a request with one piece of work,
    a public reply and an internal note on it, and an order of ten hours,
    invoiced (issued)."""

    cast: Cast
    release: Release
    a: dict[str, Any]
    b: dict[str, Any]


def _holdings(cast: Cast, customer: Customer, tag: str) -> dict[str, Any]:
    user = get_user_model().objects.create_user(f"contact-{tag}")
    contact = do_add_contact(
        verified=True,
        acting_user=None,
        customer=customer,
        name=f"Contact {tag}",
        email=f"{tag}@x.example",
        user=user,
        now=SET_UP_AT,
    )
    licence = do_sell_licence(
        acting_user=None,
        customer=customer,
        product=cast.accounting,
        sold_on=date(2026, 1, 10),
        now=SET_UP_AT,
    )
    activation = do_activate_licence(
        acting_user=None, licence=licence, workstation=f"{tag}-PC1", now=SET_UP_AT
    )
    voucher = do_sell_voucher(
        acting_user=None,
        customer=customer,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    request = open_request(customer, subject=f"Help {tag}")
    work = do_record_work(
        acting_user=None,
        work_id=f"W-{tag}",
        request=request,
        agent=cast.maria,
        started_at=at(date(2026, 3, 4), 8),
        ended_at=at(date(2026, 3, 4), 9),
        mode="remote",
        category="consultation",
        product=cast.accounting,
        now=SET_UP_AT,
    )
    reply = do_post_message(
        acting_user=None,
        request=request,
        body_text=f"Reply to {tag}",
        author_contact=contact,
        now=SET_UP_AT,
    )
    note = do_post_message(
        acting_user=cast.maria.user,
        request=request,
        body_text=f"Internal note on {tag}",
        internal=True,
        now=SET_UP_AT,
    )
    order = do_place_order(
        acting_user=None, customer=customer, kind="voucher", quantity=10, now=SET_UP_AT
    )
    set_up_billing_settings()
    invoice = do_invoice_order(acting_user=None, order=order, now=SET_UP_AT)
    return {
        "customer": customer,
        "contact": contact,
        "licence": licence,
        "activation": activation,
        "entitlement": voucher,
        "request": request,
        "work_entry": work,
        "message": reply,
        "note": note,
        "order": order,
        "invoice": invoice,
    }


def build_world() -> World:
    cast = build_cast()
    do_set_product_price(
        acting_user=None,
        product=cast.accounting,
        effective_from=date(2025, 1, 1),
        amount=Decimal("7990"),
        currency="EUR",
        now=SET_UP_AT,
    )
    release = do_publish_release(
        acting_user=None,
        product=cast.accounting,
        version="5.1",
        released_on=date(2026, 2, 1),
        kind="feature",
        now=SET_UP_AT,
    )
    return World(
        cast=cast,
        release=release,
        a=_holdings(cast, cast.acme, "a"),
        b=_holdings(cast, cast.zeta, "b"),
    )


def _world_kept_open(django_db_blocker: Any) -> Iterator[World]:
    """One world built in a transaction that stays open while the tests that
    share it run and is rolled back after the last; each test still runs in
    its own savepoint, rolled back after it (pytest-django's ``db``), so
    nothing one test does reaches the next."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world of a module whose tests only read it."""
    yield from _world_kept_open(django_db_blocker)


@pytest.fixture(scope="class")
def class_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world of a class whose tests only read it."""
    yield from _world_kept_open(django_db_blocker)


SHARED_WORLDS = ("class_world", "module_world")


@pytest.fixture
def world(request, db) -> World:
    """A world of this test's own, or a copy of the shared one when the
    test's class or module asks for one (the copy keeps in-memory changes to
    its objects from reaching the next test)."""
    for shared in SHARED_WORLDS:
        if shared in request.fixturenames:
            return copy.deepcopy(request.getfixturevalue(shared))
    return build_world()


@pytest.fixture
def staff_user(world):
    """A manager: sells, bills and takes payments as well as working requests."""
    user = get_user_model().objects.create_user("mila", first_name="Mila")
    do_add_staff_member(
        acting_user=None,
        user=user,
        role=StaffRole.MANAGER,
        products=[world.cast.accounting, world.cast.payroll],
    )
    return user


@pytest.fixture
def staff_token(staff_user):
    return do_create_api_token(acting_user=None, name="shop", user=staff_user, write=True)


@pytest.fixture
def read_token(staff_user):
    return do_create_api_token(acting_user=None, name="reports", user=staff_user, write=False)


@pytest.fixture
def api(staff_token):
    return Api(staff_token.plaintext)


@pytest.fixture
def read_api(read_token):
    return Api(read_token.plaintext)


@pytest.fixture
def customer_a(world):
    return world.a["customer"]


@pytest.fixture
def contact_a(world):
    return world.a["contact"]


@pytest.fixture
def customer_api_a(contact_a):
    issued = do_create_api_token(acting_user=None, name="acme erp", contact=contact_a, write=True)
    return Api(issued.plaintext)
