"""Staff pages show every time in the vendor's time zone (the policy's),
labelled once in the page header: the queue, the mail list, visits and the
request page all read the same wall clock."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy


class VendorTimeZoneMiddleware:
    """Activates the policy's time zone for /console/ requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/console/"):
            return self.get_response(request)
        try:
            zone = get_vendor_policy().timezone
        except ActionRefused:  # no vendor set up yet: nothing to show but the login
            return self.get_response(request)
        request.vendor_time_zone = zone  # type: ignore[attr-defined]
        with timezone.override(ZoneInfo(zone)):
            return self.get_response(request)
