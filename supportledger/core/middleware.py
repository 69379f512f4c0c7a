"""``Cache-Control: no-store`` on everything personal.

Pages of a signed-in user, every API response and every PDF carry
``no-store`` (and ``private``), so neither a shared proxy nor the browser's
back button keeps an invoice or a thread after the session ends.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/"


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.path.startswith(API_PREFIX)
            or getattr(user, "is_authenticated", False)
            or response.get("Content-Type", "").startswith("application/pdf")
        ):
            add_never_cache_headers(response)
        return response
