"""Who is asking: the bearer token, resolved to a caller with a scope.

A staff token sees every customer; a contact token sees only its customer
(``customer_id`` set), and anything else answers 404 as if it did not exist.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from supportledger.api.actions import hash_token, note_api_token_used, split_token
from supportledger.api.models import ApiToken
from supportledger.core.prepared import Prepared
from supportledger.customers.permissions import staff_member_of


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    user_id: int | None
    customer_id: int | None

    @property
    def is_staff(self) -> bool:
        return self.customer_id is None

    @property
    def can_write(self) -> bool:
        return self.token.can_write


_TOKEN = Prepared(
    lambda prefix: (
        ApiToken.objects.select_related("user", "contact__user")
        .filter(prefix=prefix)
        .order_by("pk")[:1]
    ),
    str,
)
"""A token by its prefix with its owner, the SQL compiled once (every API call reads it)."""


def resolve_token(plaintext: str) -> Caller | None:
    """The caller of a presented token, or None when it is unknown, revoked or its owner gone."""
    prefix = split_token(plaintext)
    if prefix is None:
        return None
    found = _TOKEN.objects(prefix)
    token = found[0] if found else None
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    if not hmac.compare_digest(token.secret_sha256, hash_token(plaintext)):
        return None
    if token.contact is not None:
        contact_user = token.contact.user
        if contact_user is not None and not contact_user.is_active:
            return None
        return Caller(
            token=token,
            user_id=contact_user.pk if contact_user else None,
            customer_id=token.contact.customer_id,
        )
    user = token.user
    if user is None or not user.is_active or not is_staff_user(user):
        return None
    return Caller(token=token, user_id=user.pk, customer_id=None)


def is_staff_user(user: Any) -> bool:
    """Staff for the API: a Django staff user or a vendor staff member (the
    staff row read once per request and kept on the user)."""
    return bool(user.is_staff) or staff_member_of(user) is not None


def bearer_of(request: HttpRequest) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def caller_of(request: HttpRequest) -> Caller | None:
    """The request's caller, resolved once per request."""
    if not hasattr(request, "_api_caller"):
        plaintext = bearer_of(request)
        caller = resolve_token(plaintext) if plaintext else None
        if caller is not None:
            note_api_token_used(caller.token, now=timezone.now())
        request._api_caller = caller  # type: ignore[attr-defined]
    return request._api_caller  # type: ignore[attr-defined,no-any-return]


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return caller_of(request)

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        return caller_of(request)
