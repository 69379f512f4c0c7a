"""Request ids and the request log.

Each request carries an id: the ``X-Request-ID`` header when the caller (a
reverse proxy) sent a sane one, else a new one. It is echoed in the
response's ``X-Request-ID`` and attached to every log record written while
the request is handled."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from supportledger.ops.metrics import REQUEST_SECONDS, REQUESTS

__all__ = ["RequestIdFilter", "RequestMiddleware", "current_request_id"]

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
logger = logging.getLogger("supportledger.requests")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestMiddleware:
    """Outermost middleware: request id, one JSON log line per request,
    request count and latency metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SANE.match(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = (match.view_name if match else "") or "unmatched"
            REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            REQUEST_SECONDS.labels(request.method, route).observe(elapsed)
            response["X-Request-ID"] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "remote": request.META.get("REMOTE_ADDR", ""),
                },
            )
            return response
        finally:
            _request_id.reset(token)
