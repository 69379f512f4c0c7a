"""The link that proves a contact's address: a signed token of the contact
and the address it was sent to, valid ``VERIFICATION_DAYS`` days. Changing
the address again makes earlier links worthless (they name the old one)."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "supportledger.customers.contact-email"
VERIFICATION_DAYS = 7


def make_verification_token(contact_id: int, email: str) -> str:
    return signing.dumps({"c": contact_id, "e": email.strip().lower()}, salt=SALT, compress=True)


def read_verification_token(token: str) -> tuple[int, str] | None:
    """(contact id, address) of a genuine, unexpired token; else None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=VERIFICATION_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    return data["c"], str(data.get("e", ""))
