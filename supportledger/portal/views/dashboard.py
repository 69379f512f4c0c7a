"""What the customer holds, at a glance."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supportledger.billing.queries import get_hold_status
from supportledger.portal.access import contact_required
from supportledger.portal.charts import burn_down_chart
from supportledger.portal.queries import get_dashboard


@require_safe
@contact_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    dashboard = get_dashboard(request.customer)  # type: ignore[attr-defined]
    hold = get_hold_status(request.customer, today=dashboard.today)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/dashboard.html",
        {"dashboard": dashboard, "chart": burn_down_chart(dashboard.burn_down), "hold": hold},
    )
