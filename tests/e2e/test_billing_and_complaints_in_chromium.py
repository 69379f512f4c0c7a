"""Two visits in real Chromium over the demo vendor: a manager asks for a
draft billing run, reviews a draft and issues it; a customer confirms a
piece of work, files a complaint, sees it on the request and in the list of
complaints, and filing it again shows the one already filed."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from supportledger.billing.models import BillingRun, Invoice
from supportledger.billing.runs import do_perform_billing_run
from supportledger.core import clock
from supportledger.customers.models import Contact
from supportledger.demo.build import build_small
from supportledger.desk.models import WorkEntry
from supportledger.portal.management.commands.portal_demo import DEMO_PASSWORD
from supportledger.service.models import Claim
from tests.e2e.demo_site import PRESET

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reviews_a_draft_from_a_billing_run_and_issues_it(live_server, page):
    today = clock.now().date()
    build_small(PRESET, today=today, customers=3)
    boss = get_user_model().objects.get(username="boss")
    boss.set_password("boss-pass")
    boss.save()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    page.goto(live_server.url + "/console/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "boss-pass")
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")

    page.click("header nav >> text=Run billing")
    page.fill("#id_period", last_month)
    page.check("input[name=kind][value=drafts]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/console/billing/runs/*/")
    run = BillingRun.objects.get()
    assert run.requested_by == boss
    # The worker's job, run inline.
    do_perform_billing_run(run_id=run.pk)
    page.reload()
    drafts = Invoice.objects.filter(status="draft")
    assert drafts.exists()
    assert page.locator("#run-invoices").inner_text() == str(drafts.count())

    page.click("text=Drafts to review")
    page.wait_for_url(re.compile(r".*/console/billing/\?period=.*status=draft"))
    first = page.locator("main table tbody tr").first
    assert first.locator(".badge[data-status=draft]").count() == 1
    first.locator("a").first.click()
    page.wait_for_url("**/console/billing/invoices/*/")
    invoice = Invoice.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert invoice.status == "draft"
    page.click("main form button >> text=Issue")
    page.wait_for_selector(".badge[data-status=issued]")
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert invoice.number
    assert invoice.number in page.locator("main").inner_text()


def test_a_customer_files_a_complaint_once_and_sees_it_in_the_portal(live_server, page):
    build_small(PRESET, today=clock.now().date(), customers=3)
    call_command("portal_demo", limit=1, stdout=StringIO())
    contact = Contact.objects.filter(user__isnull=False).get()
    Contact.objects.filter(pk=contact.pk).update(language="en")
    work = (
        WorkEntry.objects.filter(request__customer=contact.customer).order_by("-started_at").first()
    )
    assert work is not None

    page.goto(live_server.url + "/portal/login/")
    page.fill("#email", contact.email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/portal/")

    page.goto(f"{live_server.url}/portal/requests/{work.request_id}/")
    section = page.locator(f"#work-{work.pk}")
    section.locator("button.confirm").click()
    page.wait_for_selector(f"#work-{work.pk} textarea[name=description]")
    # A second tab on the same page, still holding the form.
    other_tab = page.context.new_page()
    other_tab.goto(page.url)
    page.fill(f"#claim-{work.pk}", "The export still fails after the fix.")
    page.click(f"#work-{work.pk} form button[type=submit]")
    page.wait_for_selector(f"#work-{work.pk} .claim")
    claim = Claim.objects.get(work=work)
    assert claim.contact == contact
    shown = page.locator(f"#claim-{claim.pk}").inner_text()
    assert "The export still fails after the fix." in shown
    assert page.locator(f"#work-{work.pk} textarea").count() == 0  # no second form
    assert "complaint is filed" in page.locator("[role=status]").inner_text()

    # The list of complaints.
    page.click("header nav >> text=Complaints")
    row = page.locator(f"#claims tr#claim-{claim.pk}")
    assert "The export still fails after the fix." in row.inner_text()
    assert row.locator(".badge[data-status=filed]").count() == 1

    # Filing again from the other tab: the page shows the complaint already
    # filed, and there is still one.
    other_tab.fill(f"#claim-{work.pk}", "Filed twice by mistake.")
    other_tab.click(f"#work-{work.pk} form button[type=submit]")
    other_tab.wait_for_selector(f"#claim-{claim.pk}")
    assert "You already filed a complaint about this work" in (
        other_tab.locator("[role=status]").inner_text()
    )
    assert other_tab.locator(f"#work-{work.pk} textarea").count() == 0
    assert Claim.objects.filter(work=work).count() == 1
    assert Claim.objects.get(work=work).description == "The export still fails after the fix."
