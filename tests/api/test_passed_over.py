"""The API names every entitlement held that paid nothing of a piece of
work, and why, in ``passed_over``: in a preview and on the recorded work's
rating, as the console and the portal explain it."""

from __future__ import annotations

from datetime import date

from supportledger.entitlements.actions.sales import do_sell_voucher
from tests.cast import SET_UP_AT

WORK = {
    "started_at": "2026-03-05T08:00:00Z",
    "ended_at": "2026-03-05T08:20:00Z",
    "mode": "remote",
    "category": "configuration",
}


def test_a_voucher_expired_last_month_is_named_in_the_preview_and_on_the_rating(api, world):
    customer = world.a["customer"]
    lapsed = do_sell_voucher(
        acting_user=None,
        customer=customer,
        minutes=300,
        starts=date(2025, 3, 1),
        ends=date(2026, 2, 28),
        now=SET_UP_AT,
    )
    expected = {
        "entitlement": lapsed.reference,
        "kind": "prepaid_hours",
        "reason": "expired",
        "args": {"ends": "2026-02-28"},
    }
    preview = api.post(
        "/rating-preview",
        {**WORK, "customer": customer.pk, "product": world.cast.accounting.pk},
        key=None,
    )
    assert preview.status_code == 200, preview.content
    assert expected in preview.json()["passed_over"]

    request = world.a["request"]
    work = api.post(
        "/work-entries",
        {**WORK, "work_id": "API-PO", "request": request.pk, "product": world.cast.accounting.pk},
        key="po",
    )
    assert work.status_code == 201, work.content
    assert expected in work.json()["ratings"][0]["passed_over"]
    again = api.get(f"/work-entries/{work.json()['id']}").json()
    assert again["ratings"][0]["passed_over"] == work.json()["ratings"][0]["passed_over"]
