"""Writes of the API app: issuing and revoking tokens, stamping their use."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from supportledger.api.models import ApiToken
from supportledger.core.audit import AuditAction
from supportledger.core.models import AuditEntry
from supportledger.customers.models import Contact

TOKEN_MARK = "slt"  # noqa: S105 (a public marker, not a secret)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def split_token(plaintext: str) -> str | None:
    """The lookup prefix of a presented token, or None when it is not one of ours."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_MARK or not parts[1] or not parts[2]:
        return None
    return parts[1]


def do_create_api_token(
    *,
    acting_user: User | None,
    name: str,
    user: User | None = None,
    contact: Contact | None = None,
    write: bool = False,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Issue a token for a staff ``user`` or a customer ``contact`` (exactly one),
    valid until ``expires_at`` (UTC) when given, else until revoked.

    The plaintext is returned here once and never stored.

    The token is ``slt_<prefix>_<secret>``: 12 random hex characters of
    prefix kept in clear for lookup, 256 random bits of secret; the row keeps
    the SHA-256 of the whole string.
    """
    now = now or timezone.now()
    prefix = secrets.token_hex(6)
    plaintext = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=prefix,
            secret_sha256=hash_token(plaintext),
            access=ApiToken.Access.READ_WRITE if write else ApiToken.Access.READ,
            user=user,
            contact=contact,
            created_at=now,
            expires_at=expires_at,
        )
        expiry = {"expires_at": expires_at.isoformat()} if expires_at else {}
        _audit(
            token,
            AuditAction.CREATE_API_TOKEN,
            acting_user,
            now,
            {"access": token.access, **expiry},
        )
    return IssuedToken(token=token, plaintext=plaintext)


def do_revoke_api_token(
    token: ApiToken, *, acting_user: User | None, now: datetime | None = None
) -> ApiToken:
    """Revoke a token from now on; revoking twice keeps the first time."""
    now = now or timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            _audit(token, AuditAction.REVOKE_API_TOKEN, acting_user, now, {})
    return token


LAST_USED_PRECISION = timedelta(minutes=1)
"""How exact a token's last use is kept: a token used again within this of
its stamp is not stamped again, so a read stays a read (no write, no lock)
for all but one request a minute."""


def note_api_token_used(token: ApiToken, *, now: datetime) -> None:
    """Stamp the token's last use, to the minute: housekeeping, so no audit row."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def _audit(
    token: ApiToken,
    action: AuditAction,
    acting_user: User | None,
    now: datetime,
    detail: dict[str, str],
) -> None:
    owner = {"user": token.user_id} if token.user_id else {"contact": token.contact_id}
    AuditEntry.objects.create(
        at=now,
        actor=acting_user,
        action=action,
        object_type="api.apitoken",
        object_id=str(token.pk),
        detail={"name": token.name, "prefix": token.prefix, **owner, **detail},
    )
