"""Time-based one-time passwords, RFC 6238 (HMAC-SHA1, 6 digits, 30 s).

Written on the standard library's ``hmac`` rather than pinning a package: the
algorithm is twenty lines, it is checked against the RFC's own test vectors
(tests/portal/test_totp.py), and the portal needs nothing else a library
offers (no HOTP counters, no other digests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A fresh 160-bit key, base32 without padding (what authenticator apps read)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at_step(key: bytes, step: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 dynamic truncation of HMAC(key, step)."""
    mac = hmac.new(key, struct.pack(">Q", step), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step_of(unix_seconds: float) -> int:
    return int(unix_seconds // STEP_SECONDS)


def matching_step(secret: str, code: str, unix_seconds: float, *, after_step: int) -> int | None:
    """The step (now, or one either side for clock drift) whose code is
    ``code``, if it is later than ``after_step`` (a code is accepted once)."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now = step_of(unix_seconds)
    for step in (now - 1, now, now + 1):
        if step > after_step and hmac.compare_digest(code_at_step(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app takes (typed in, or as a QR code)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer})
