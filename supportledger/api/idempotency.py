"""Writes: a read-write token and an ``Idempotency-Key``, replayed, never done twice.

Each write runs in one transaction that first inserts its
``IdempotentRequest`` row (unique per token and key). A retry with the same
key and body finds the row and gets the first response back; a concurrent
duplicate blocks on the unique index until the first commits, then does the
same; the same key with another body is refused with 409. A write that
fails (4xx) is rolled back with its key, so a corrected retry may reuse it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header

from supportledger.api.auth import caller_of
from supportledger.api.errors import error_response
from supportledger.api.models import IdempotentRequest

IDEMPOTENCY_HEADER = "Idempotency-Key"

# Declared on every write so the schema documents it and ninja checks it.
IdempotencyKey = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A client-chosen key (printable ASCII, up to 200 characters) "
        "that makes retrying this write safe.",
    ),
]


def write_operation(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an operation's ``run`` (see ``ninja.decorators.decorate_view``)."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = caller_of(request)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if caller is None or not key or len(key) > 200:
            # ninja answers: 401 without a token, 422 naming the header.
            return run(request, *args, **kwargs)
        if not caller.can_write:
            return error_response(
                403, "read_only_token", "This token may only read; writing needs a read-write one."
            )
        body_sha256 = body_fingerprint(request.body)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        token=caller.token,
                        key=key,
                        method=request.method or "",
                        path=request.path[:500],
                        body_sha256=body_sha256,
                        status_code=0,
                        response_body="",
                        created_at=timezone.now(),
                    )
            except IntegrityError:
                return _replay(caller.token.pk, key, request, body_sha256)
            response = run(request, *args, **kwargs)
            if response.status_code >= 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = response.content.decode()
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapped


def body_fingerprint(body: bytes) -> str:
    """SHA-256 (hex) of the body as canonical JSON (keys sorted, no spacing), so a
    retry that re-indents or reorders the same JSON is the same request; a body
    that is not JSON is hashed as sent."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _replay(token_id: int, key: str, request: HttpRequest, body_sha256: str) -> HttpResponse:
    first = IdempotentRequest.objects.get(token_id=token_id, key=key)
    if (
        first.body_sha256 != body_sha256
        or first.method != request.method
        or first.path != request.path[:500]
    ):
        return error_response(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
            IDEMPOTENCY_HEADER,
        )
    response = HttpResponse(
        first.response_body, status=first.status_code, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response
