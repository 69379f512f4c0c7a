"""Invoice PDFs, rendered by WeasyPrint from an HTML template.

Invoices carry text the customer typed (organisation, address, request
subjects). WeasyPrint would fetch any URL that text smuggles in (an ``<img
src="file:///etc/passwd">``, a stylesheet on an internal address), so it
renders with :class:`OfflineURLFetcher`, which fetches nothing but inline
``data:`` URLs. Fonts come from the system through fontconfig (DejaVu covers
Latin, Cyrillic and Greek), never through a URL.
"""

from __future__ import annotations

import logging
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"data"})


class URLRefused(ValueError):
    """A document asked for a URL the renderer will not fetch."""


class OfflineURLFetcher(URLFetcher):
    """Fetches ``data:`` URLs only; ``file:``, ``http(s):`` and every other
    scheme are refused and listed in ``refused``. A refused resource is
    simply missing from the PDF."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False, **kwargs)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise URLRefused(f"URL not fetched: {url[:200]}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document, with no access to files or network.

    There is deliberately no ``base_url``: a relative URL has nothing to
    resolve against, and an absolute one is refused by the fetcher.
    """
    fetcher = OfflineURLFetcher()
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
