"""Publishing a product's release: stored, audited and announced to every
contact whose entitlements let them download it (which the entitlements
know, so the action lives with them rather than with the catalog)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from supportledger.catalog.models import Product, Release
from supportledger.core import clock
from supportledger.core.actions import refuse_invalid, write_audit
from supportledger.core.audit import AuditAction
from supportledger.entitlements.mail import queue_release_mails


@transaction.atomic
def do_publish_release(
    *,
    acting_user: User | None,
    product: Product,
    version: str,
    released_on: date,
    kind: str,
    notes: str = "",
    file: Any = None,
    now: datetime | None = None,
) -> Release:
    """A release; ``file`` (a Django File) is stored under the private media
    root. Its announcement is queued for every contact who may download it."""
    release = Release(
        product=product, version=version, released_on=released_on, kind=kind, notes=notes
    )
    refuse_invalid(release)
    if file is not None:
        release.file.save(file.name, file, save=False)
    release.save()
    at = now or clock.now()
    write_audit(acting_user=acting_user, action=AuditAction.PUBLISH_RELEASE, obj=release, at=at)
    # Announced to every contact who may download it, through the outbox.
    queue_release_mails(acting_user=acting_user, release=release, at=at)
    return release
