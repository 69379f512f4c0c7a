"""Edges every request passes: ``no-store`` on everything personal, and
control characters taken out of submitted forms.


Pages of a signed-in user, every API response and every PDF carry
``no-store`` (and ``private``), so neither a shared proxy nor the browser's
back button keeps an invoice or a thread after the session ends.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import add_never_cache_headers

from supportledger.core.input import strip_control_characters

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


class StripControlCharactersMiddleware:
    """Every form field posted to any page (console, portal, admin) reaches its
    form without control characters (NUL ...; line feeds and tabs stay).
    Passwords are left as typed: they are compared, never stored or shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.startswith(API_PREFIX)  # JSON, cleaned by its schemas
        ):
            try:
                posted = request.POST.copy()
            except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent):
                # Left for the view (or CSRF) to answer, as without this middleware.
                return self.get_response(request)
            for key, values in posted.lists():
                if "password" not in key:
                    posted.setlist(key, [strip_control_characters(value) for value in values])
            posted._mutable = False
            request.POST = posted  # type: ignore[misc]
        return self.get_response(request)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
