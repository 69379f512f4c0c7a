"""The outbound mail's settings, read like the intake's (``intake.conf``):
Django settings first, then the environment, then a default, each when used.

``INTAKE_MAIL_DOMAIN``  the domain of outbound Message-IDs (default: the
    domain of ``DEFAULT_FROM_EMAIL``).
``INTAKE_OUTBOX_RETRY_SECONDS`` (60), ``INTAKE_OUTBOX_MAX_ATTEMPTS`` (10)
    the outbox's first pause after a failed delivery (doubled after each
    further failure, at most six hours) and the attempts before it gives up.
Links in mail are built from ``SITE_URL`` (``SUPPORTLEDGER_SITE_URL``).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def setting(name: str, default: Any) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def mail_domain() -> str:
    domain = setting("INTAKE_MAIL_DOMAIN", "")
    if domain:
        return str(domain)
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip("> ") or "localhost"


def public_url() -> str:
    """Where customers reach the product, for links in mail: ``SITE_URL``
    (``SUPPORTLEDGER_SITE_URL``)."""
    return str(getattr(settings, "SITE_URL", "http://localhost:8000")).rstrip("/")
