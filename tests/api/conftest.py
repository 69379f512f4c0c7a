"""A staff token, a customer token, and a client that speaks JSON to /api/v1/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from supportledger.api.actions import do_create_api_token
from supportledger.customers.models import Contact, Customer


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


def make_customer(name: str, city: str = "Sofia") -> Customer:
    return Customer.objects.create(
        organisation=name,
        city=city,
        country="BG",
        language="bg",
        currency="BGN",
        created_at=timezone.now(),
    )


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("agent", password="x", is_staff=True)


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
def customer_a(db):
    return make_customer("Alfa Ltd")


@pytest.fixture
def customer_b(db):
    return make_customer("Beta Ltd", city="Plovdiv")


@pytest.fixture
def contact_a(customer_a):
    user = get_user_model().objects.create_user("ana", password="x")
    return Contact.objects.create(
        customer=customer_a, name="Ana", email="ana@alfa.example", language="bg", user=user
    )


@pytest.fixture
def customer_api_a(contact_a):
    issued = do_create_api_token(acting_user=None, name="alfa erp", contact=contact_a, write=True)
    return Api(issued.plaintext)
