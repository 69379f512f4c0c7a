"""The REST API, version 1: ``/api/v1/``, schema at ``/api/v1/openapi.json``.

Endpoints live in ``supportledger.api.endpoints``, one module per family of
resources; this module builds the API, its auth and its error handlers.
"""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from supportledger.api import errors
from supportledger.api.auth import TokenAuth
from supportledger.api.matrix import enforce_roles
from supportledger.core.errors import ActionRefused

api = NinjaAPI(
    title="supportledger API",
    version="1",
    description=(
        "Customers, licences, entitlements, requests and their threads, work and its rating, "
        "orders and invoices. Authenticate with "
        "`Authorization: Bearer <token>`; every write needs an `Idempotency-Key` header. "
        'Errors are `{"error": {"code", "message", "field"}}`.'
    ),
    auth=TokenAuth(),
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Assets from ninja's own static files ("ninja" is an installed app), no CDN;
    # no validator badge either, which would call out to swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)

api.add_exception_handler(errors.ApiError, errors.on_api_error)
api.add_exception_handler(ValidationError, errors.on_validation_error)
api.add_exception_handler(AuthenticationError, errors.on_authentication_error)
api.add_exception_handler(HttpError, errors.on_http_error)
api.add_exception_handler(Http404, errors.on_not_found)
api.add_exception_handler(ActionRefused, errors.on_action_refused)
api.add_exception_handler(Exception, errors.on_unexpected_error)


def _register_endpoints() -> None:
    from supportledger.api.endpoints import (
        billing,
        catalog,
        customers,
        desk,
        entitlements,
        me,
    )

    # Roles are checked in front of every operation registered below.
    enforce_roles(api)
    for module in (me, customers, catalog, entitlements, desk, billing):
        api.add_router("/", module.router)


_register_endpoints()
