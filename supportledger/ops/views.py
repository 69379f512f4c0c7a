"""Health and metrics endpoints for load balancers and Prometheus.

``/healthz``: the process answers (no database touched). ``/readyz``: 200
when every readiness check passes, else 503, with each check's result as
JSON. ``/metrics``: Prometheus text; when ``METRICS_TOKEN`` is set it needs
``Authorization: Bearer <token>``, otherwise only loopback may read it.
"""

from __future__ import annotations

import hmac
import os

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from supportledger.ops.health import readiness
from supportledger.ops.metrics import CONTENT_TYPE_LATEST, render_metrics

_LOOPBACK = {"127.0.0.1", "::1"}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    results = readiness()
    ready = all(ok for ok, _detail in results.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = os.environ.get("METRICS_TOKEN", "")
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            return JsonResponse({"error": "a valid bearer token is required"}, status=401)
    elif request.META.get("REMOTE_ADDR") not in _LOOPBACK:
        return JsonResponse({"error": "metrics are readable from loopback only"}, status=403)
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
