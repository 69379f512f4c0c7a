from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

PACKAGE_DIR = Path(settings.BASE_DIR) / "supportledger"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
# One catalogue per app and language: ``<app>/locale/<lang>/LC_MESSAGES``.
CATALOGUES = sorted(PACKAGE_DIR.glob("*/locale/*/LC_MESSAGES/django.po"))


def test_every_language_has_a_catalogue_for_the_project():
    languages = {path.parent.parent.name for path in CATALOGUES}
    assert set(TRANSLATED) <= languages


@pytest.mark.parametrize(
    "catalogue", CATALOGUES, ids=[str(p.relative_to(PACKAGE_DIR)) for p in CATALOGUES]
)
def test_every_message_of_the_catalogue_is_translated(catalogue):
    language = catalogue.parent.parent.name
    with catalogue.open("rb") as po:
        messages = read_po(po, locale=language)
    untranslated = [m.id for m in messages if m.id and not m.string]
    fuzzy = [m.id for m in messages if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize(
    ("language", "word"),
    [("bg", "Администрация"), ("el", "Διαχείριση"), ("pl", "Administracja")],
)
def test_start_page_speaks_the_language_the_browser_asks_for(client, language, word):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert word in response.content.decode()
