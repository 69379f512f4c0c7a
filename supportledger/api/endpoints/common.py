"""What every endpoint module shares: the caller, its acting user, write wrapping."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.decorators import decorate_view

from supportledger.api.auth import Caller
from supportledger.api.idempotency import write_operation

# Put under ``@router.post(...)``: read-write token, Idempotency-Key, one transaction.
write = decorate_view(write_operation)


def caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def acting_user(request: HttpRequest) -> Any:
    """The user the audit log names: the staff user, or the contact's login (may be None)."""
    token = caller(request).token
    if token.user_id is not None:
        return token.user
    return token.contact.user if token.contact is not None else None
