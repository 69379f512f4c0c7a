"""The queue's full-text search, the same on SQLite and PostgreSQL.

Each request keeps ``search_text``: its subject, its customer's name and the
text of every message, folded by ``fold`` (case folded, accents and other
combining marks removed after NFKD decomposition), written by the desk's
actions. A search term is folded the same way and split into words; a
request matches when every word occurs in its ``search_text``. So
``KRAKÓW`` finds ``krakow``, ``Ελλάδα`` finds ``ΕΛΛΑΔΑ`` and ``ελλαδα``, and
``Ärger`` finds ``arger``, in any of the six languages (Cyrillic is folded
the same way: a Cyrillic short i matches i, yo matches ie)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_SEARCH_TEXT = 200_000
"""Characters kept per request (the start of a very long thread)."""


_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
"""Latin letters with a stroke or ligatures, which NFKD does not decompose
(Polish ``ł`` above all)."""


def fold(text: str) -> str:
    """``text`` for comparison: NFKD, combining marks dropped, case folded
    (``ς`` and ``ß`` included), letters with a stroke as their base letter
    (``ł`` as ``l``), runs of white space as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().translate(_UNDECOMPOSED).split())


def search_words(term: str) -> list[str]:
    """The folded words of a search term, each at least one character."""
    return fold(term).split()


def search_text_of(subject: str, customer_name: str, bodies: Iterable[str]) -> str:
    """A request's ``search_text``: one folded line per part."""
    text = "\n".join(fold(part) for part in (subject, customer_name, *bodies) if part)
    return text[:MAX_SEARCH_TEXT]
