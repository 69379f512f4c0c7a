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
