"""Schemathesis against /api/v1/openapi.json, in process through the WSGI app.

A read-write staff token over seeded data; a few examples per operation keep
it fast. Asserts no server error and every response matches the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from supportledger.wsgi import application

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def fuzz_token(world, staff_token):
    # As Django's test client does: the request must not close the test's
    # connection (its transaction holds the seeded data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield staff_token.plaintext
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_within_its_schema(case, fuzz_token):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_token}"}
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance]
    )
