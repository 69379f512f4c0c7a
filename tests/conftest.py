import os

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

# Property tests check results, not speed: on a loaded CI machine a slow
# example must not fail the run, so no per-example deadline.
hypothesis_settings.register_profile("supportledger", deadline=None)
hypothesis_settings.load_profile("supportledger")

# One Chromium per test run, shared by every browser test (fixtures
# ``chromium`` and ``page``); Playwright's sync API allows one at a time.
pytest_plugins = ["tests.browser"]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` are deselected (not skipped) when the suite
    runs on SQLite; the PostgreSQL pass of ``make test`` runs them. Tests
    marked ``naive_ledger`` demonstrate a failure on purpose and run only
    when ``SUPPORTLEDGER_NAIVE_LEDGER=1``."""
    on_postgres = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    naive = os.environ.get("SUPPORTLEDGER_NAIVE_LEDGER") == "1"

    def wanted(item):
        if item.get_closest_marker("postgres") and not on_postgres:
            return False
        return not (item.get_closest_marker("naive_ledger") and not naive)

    selected, deselected = [], []
    for item in items:
        (selected if wanted(item) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """Each test starts in English, as the API and the command line do: a page
    an earlier test read in another language leaves that language active on
    the thread, and refusals are worded in the active language."""
    with translation.override("en"):
        yield
