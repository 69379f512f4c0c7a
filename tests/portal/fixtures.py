"""Fixtures of the portal tests, also used by the portal's browser test in tests/e2e."""

import pytest

from supportledger.core import clock
from tests.portal.world import NOW


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded and release files go to a directory of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture
def frozen_now(monkeypatch):
    """The portal's clock reads 15 September 2026, 09:00 UTC."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def ledger_emptied_after(transactional_db):
    """After a transactional test, empty the append-only ledger so the
    database can be flushed. PostgreSQL flushes with TRUNCATE, which its row
    triggers allow; SQLite deletes row by row, which they refuse, so there
    the delete trigger is set aside for the one statement that empties it."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    from importlib import import_module

    migration = import_module("supportledger.entitlements.migrations.0002_ledger_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS ledgerentry_refuse_delete")
        cursor.execute("DELETE FROM entitlements_ledgerentry")
        cursor.execute(migration.SQLITE_FORWARD[1])
