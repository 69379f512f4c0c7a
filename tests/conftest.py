import pytest
from django.conf import settings as django_settings


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` are deselected (not skipped) when the suite
    runs on SQLite; the PostgreSQL pass of ``make test`` runs them."""
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
