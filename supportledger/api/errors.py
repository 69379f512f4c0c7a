"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``.

Codes are stable snake_case strings that clients may branch on; messages are
for people. Every failure a client can cause is a 4xx in this shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from supportledger.core.errors import ActionRefused

logger = logging.getLogger(__name__)


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(Exception):
    """A client error with a stable code; raised by endpoints, rendered by the API."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    return JsonResponse({"error": detail}, status=status)


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes the source ("body", "query", "path", "header") and, for a
    # body, the parameter name; a client knows the field by its own name.
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or "body"


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_name(first.get("loc", ()))
    kind = first.get("type", "")
    if kind == "missing":
        return error_response(422, "missing_field", f"{field}: this field is required.", field)
    if kind == "json_invalid" or field == "body":
        return error_response(400, "malformed_body", "The body is not a valid JSON object.")
    message = str(first.get("msg", "invalid value"))
    return error_response(422, "invalid_field", f"{field}: {message}", field)


def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.field)


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401, "not_authenticated", "A valid API token is required (Authorization: Bearer …)."
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse request body" in exc.message.lower():
        return error_response(400, "malformed_body", "The body is not a valid JSON object.")
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    code = codes.get(exc.status_code, "bad_request")
    return error_response(exc.status_code, code, exc.message)


def on_action_refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
    # A business rule said no; nothing was written. Its code passes through.
    return error_response(422, exc.code, exc.message)


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "No such object.")


def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug, never a client's doing: log it, answer without a traceback.
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side.")
