import pytest

from supportledger.core import clock
from tests.browser import chromium, page  # noqa: F401 - fixtures
from tests.portal.world import NOW, build_world


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
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
def world(db, frozen_now):
    return build_world()


@pytest.fixture
def client_a(client, world):
    client.force_login(world.a.user)
    return client
