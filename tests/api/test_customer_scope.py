"""Every endpoint, asked with customer A's token about customer B's objects.

The list of operations comes from the API's own OpenAPI schema, so a new
endpoint is walked without editing this test; a path parameter this test
does not know fails it, asking to be mapped.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from supportledger.api.models import IdempotentRequest
from supportledger.api.v1 import api as api_v1
from supportledger.core.models import AuditEntry

# Every test here only reads the world (a write it tried is refused, and
# would be rolled back with the test): one world for the module.
pytestmark = pytest.mark.usefixtures("module_world")

# Path parameters and body fields that name an object a customer owns.
OWNED = {
    "customer": "customer",
    "contact": "contact",
    "licence": "licence",
    "activation": "activation",
    "entitlement": "entitlement",
    "request": "request",
    "work_entry": "work_entry",
    "order": "order",
    "invoice": "invoice",
}
# Vendor-wide objects every customer may read.
SHARED = {"product", "release", "agent"}
QUERY_EXAMPLES = {"on": "2026-06-01", "product": 1}
# Path parameters that name no object, with a value to walk with.
PATH_EXAMPLES = {"kind": "en16931"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api_v1.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


SCHEMA = api_v1.get_openapi_schema()
OPERATIONS = _operations()


def _resolve(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _shared_id(name: str, world: Any) -> int:
    if name == "product":
        return world.cast.accounting.pk
    if name == "agent":
        return world.cast.maria.pk
    if name == "release":
        return world.release.pk
    raise AssertionError(name)


def _build(method: str, path: str, operation: dict[str, Any], world: Any):
    """The request with every owned id taken from customer B; whether any was."""
    b_ids = {name: obj.pk for name, obj in world.b.items()}
    uses_b = False
    url = path.removeprefix("/api/v1")
    for name in re.findall(r"{(\w+)}", path):
        base = name.removesuffix("_id")
        if base in OWNED:
            value, uses_b = b_ids[OWNED[base]], True
        elif base in SHARED:
            value = _shared_id(base, world)
        elif name in PATH_EXAMPLES:
            value = PATH_EXAMPLES[name]
        else:
            pytest.fail(f"{method} {path}: map the path parameter {name!r} in this test")
        url = url.replace("{" + name + "}", str(value))
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = QUERY_EXAMPLES[parameter["name"]]
    if method == "GET" and any(p["name"] == "customer" for p in operation.get("parameters", [])):
        query["customer"] = b_ids["customer"]
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if content:
        body_schema = _resolve(content["application/json"]["schema"])
        assert "example" in body_schema, f"{method} {path}: give its input schema an example"
        body = copy.deepcopy(body_schema["example"])
        for field in list(body_schema["properties"]):
            if field in OWNED:
                body[field], uses_b = b_ids[OWNED[field]], True
            elif field in SHARED:
                body[field] = _shared_id(field, world)
    return url, query, body, uses_b


def _customers_named(payload: Any) -> set[int]:
    """Every ``customer`` value anywhere in a JSON payload."""
    found: set[int] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "customer" and isinstance(value, int):
                found.add(value)
            found |= _customers_named(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= _customers_named(item)
    return found


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{m} {p}" for m, p, _ in OPERATIONS],
)
def test_a_customer_token_never_reaches_another_customers_objects(
    world, customer_api_a, method, path, operation
):
    url, query, body, uses_b = _build(method, path, operation, world)
    audit_rows, idempotent_rows = AuditEntry.objects.count(), IdempotentRequest.objects.count()
    if method == "GET":
        response = customer_api_a.client.get(
            f"/api/v1{url}", query, headers=customer_api_a._headers(None)
        )
    else:
        response = customer_api_a.send(method, url, body, key=f"walk-{method}-{path}")
    refused = response.status_code == 403 and response.json()["error"]["code"] == "role_forbidden"
    if refused:
        # The contact role may not run this operation at all: only the refusal is written.
        assert AuditEntry.objects.count() == audit_rows + 1
        assert AuditEntry.objects.latest("pk").action == "refuse_access"
        assert IdempotentRequest.objects.count() == idempotent_rows
        return
    if uses_b:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    else:
        assert response.status_code in {200, 403}, response.content
        if response.status_code == 200:
            assert _customers_named(response.json()) <= {world.a["customer"].pk}
            assert b"Zeta" not in response.content
    if method != "GET":
        assert AuditEntry.objects.count() == audit_rows
        assert IdempotentRequest.objects.count() == idempotent_rows


def test_the_walk_covers_every_write_the_api_has():
    writes = {(m, p) for m, p, _ in OPERATIONS if m != "GET"}
    assert ("POST", "/api/v1/work-entries") in writes
    assert ("POST", "/api/v1/orders") in writes
    assert ("POST", "/api/v1/requests/{request_id}/messages") in writes
    assert len(writes) >= 12


def test_the_walk_covers_the_thread_orders_and_invoices():
    reads = {p for m, p, _ in OPERATIONS if m == "GET"}
    assert {
        "/api/v1/requests/{request_id}/messages",
        "/api/v1/orders/{order_id}",
        "/api/v1/invoices/{invoice_id}",
        "/api/v1/invoices/{invoice_id}/pdf",
    } <= reads
