"""The API's role matrix, walked: every operation in the OpenAPI schema, with a
token of each role, is refused (403 ``role_forbidden``) exactly where
supportledger.customers.permissions says."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from supportledger.api.actions import do_create_api_token
from supportledger.api.matrix import OPERATION_CAPABILITIES
from supportledger.api.v1 import api as api_v1
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_contact
from supportledger.customers.permissions import CONTACT, ROLES, role_can
from tests.api.conftest import Api
from tests.cast import SET_UP_AT, add_staff, build_cast

pytestmark = pytest.mark.django_db


def schema_operations() -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every operation the API documents."""
    schema = api_v1.get_openapi_schema()
    return [
        (method.upper(), path, operation["operationId"])
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_is_in_the_role_matrix_and_the_matrix_names_no_other():
    ids = {operation_id for _m, _p, operation_id in schema_operations()}
    assert ids - set(OPERATION_CAPABILITIES) == set(), "operations missing from the matrix"
    assert set(OPERATION_CAPABILITIES) - ids == set(), "matrix entries naming no operation"


def _token_of(role: str, cast) -> str:
    if role == CONTACT:
        user = get_user_model().objects.create_user("walker-contact")
        contact = do_add_contact(
            acting_user=None,
            customer=cast.acme,
            name="Walker",
            email="walker@acme.example",
            user=user,
            now=SET_UP_AT,
        )
        return do_create_api_token(acting_user=None, name="walk", contact=contact, write=True)
    user = add_staff(cast, f"walker-{role}", role).user
    return do_create_api_token(acting_user=None, name="walk", user=user, write=True)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_runs_exactly_the_operations_the_matrix_gives_it(role):
    cast = build_cast()
    api = Api(_token_of(role, cast).plaintext)
    for method, path, operation_id in schema_operations():
        url = path.removeprefix("/api/v1")
        for name in ("customer_id", "contact_id", "product_id", "licence_id", "activation_id"):
            url = url.replace("{" + name + "}", "999999")
        url = url.replace("{", "").replace("}", "")  # any other id: a word, never found
        refusals = AuditEntry.objects.filter(action="refuse_access").count()
        if method == "GET":
            response = api.get(url)
        else:
            response = api.send(method, url, {}, key=f"walk-{operation_id}")
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        refused = isinstance(body, dict) and body.get("error", {}).get("code") == "role_forbidden"
        if role_can(role, OPERATION_CAPABILITIES[operation_id]):
            assert not refused, f"{role} refused {operation_id}"
        else:
            assert response.status_code == 403, f"{role} let into {operation_id}"
            assert refused, f"{role} let into {operation_id}"
            assert AuditEntry.objects.filter(action="refuse_access").count() == refusals + 1


def test_an_agents_token_cannot_mark_paid_or_sell_a_voucher_and_the_refusal_is_audited():
    cast = build_cast()
    token = do_create_api_token(acting_user=None, name="t", user=cast.maria.user, write=True)
    api = Api(token.plaintext)
    voucher = {
        "customer": cast.acme.pk,
        "minutes": 600000,
        "starts": "2026-01-01",
        "ends": "2026-12-31",
    }
    response = api.post("/vouchers", voucher, key="v")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "role_forbidden",
        "message": "A token of role agent may not do this; it needs one of: "
        "manager, administrator.",
    }
    assert api.post("/invoices/1/paid", key="p").status_code == 403
    entry = AuditEntry.objects.filter(action="refuse_access").latest("pk")
    assert entry.actor == cast.maria.user
    assert entry.detail["operation"].endswith("billing_mark_invoice_paid")
