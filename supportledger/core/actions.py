"""Writes shared by every app: the audit row each action leaves behind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from supportledger.core.audit import AuditAction
from supportledger.core.models import AuditEntry


def write_audit(
    *,
    acting_user: User | None,
    action: AuditAction,
    obj: models.Model,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record who did ``action`` to ``obj``. Called inside an action's
    transaction, so the audit row commits or rolls back with the write."""
    return AuditEntry.objects.create(
        at=at,
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail or {},
    )
