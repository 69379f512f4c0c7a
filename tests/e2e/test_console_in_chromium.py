"""An agent's day in real Chromium: log in, open a request, read what the
customer holds and what an hour would cost, run the timer, see the charge."""

from datetime import date, timedelta

import pytest

from supportledger.core import clock
from supportledger.desk.actions.requests import do_open_request
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.cast import SET_UP_AT, build_cast

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_previews_the_cost_runs_the_timer_and_sees_the_charge(live_server, page):
    cast = build_cast()
    today = clock.now().date()
    contract = do_sell_contract(
        acting_user=None,
        customer=cast.acme,
        starts=date(2026, 1, 1),
        ends=today + timedelta(days=400),
        sla=True,
        minutes_per_month=30,
        # Remote work only: the phone work timed below is billed, so the test
        # leaves no ledger rows (the database refuses to delete them on flush).
        modes=["remote"],
        now=SET_UP_AT,
    )
    request = do_open_request(
        acting_user=None,
        customer=cast.acme,
        subject="Invoices print blank",
        body="Since the update.",
        category="configuration",
        channel="phone",
        product=cast.accounting,
    )
    user = cast.maria.user
    user.set_password("agent-pass")
    user.save()

    page.goto(live_server.url + "/console/")
    page.wait_for_url("**/console/login/**")
    page.fill("#id_username", "maria")
    page.fill("#id_password", "agent-pass")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")

    page.click(f"text={request.reference}")
    page.wait_for_url(f"**/console/requests/{request.pk}/")
    assert contract.reference in page.locator("#entitlements").inner_text()
    summary = page.locator("#preview-summary").inner_text()
    assert f"30 min from {contract.reference}" in summary
    assert "30 min billable" in summary
    assert "€" in page.locator("#preview-amount").inner_text()

    page.select_option("#time select[name=mode]", "phone")
    page.click("#start-timer")
    page.wait_for_selector("#timer")
    page.reload()
    assert "Timer running since" in page.locator("#timer").inner_text()
    page.click("#stop-timer")
    page.wait_for_selector("text=Work recorded")
    charge = page.locator("#work .charge").first.inner_text()
    assert "€" in charge
    assert "billable" in charge.lower()  # the explanation says why it is charged
