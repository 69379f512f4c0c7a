"""A manager's phone call in real Chromium: find the customer by part of its
name, sell a voucher from the customer's page (price previewed, then
confirmed), open a phone request choosing the contact and product with the
pickers (htmx, served from the site), run the timer, see the charge drawn
from the voucher."""

from datetime import date
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from supportledger.customers.actions import do_add_contact, do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.entitlements.models import Entitlement, Kind
from tests.cast import SET_UP_AT, at, build_cast

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Wednesday within Sofia's business hours, so the phone work is plain work.
NOW = at(date(2026, 3, 4), 9)


def test_a_manager_finds_a_customer_sells_a_voucher_and_opens_a_phone_request_with_pickers(
    live_server, page
):
    cast = build_cast()
    petya = do_add_contact(
        acting_user=None,
        customer=cast.acme,
        name="Petya Ivanova",
        email="petya@acme.example",
        verified=True,
        now=SET_UP_AT,
    )
    boss = do_add_staff_member(
        acting_user=None,
        user=get_user_model().objects.create_user("boss", password="boss-pass"),
        role=StaffRole.MANAGER,
        products=[cast.accounting],
        now=SET_UP_AT,
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    with mock.patch("supportledger.core.clock.now", return_value=NOW):
        page.goto(live_server.url + "/console/")
        page.wait_for_url("**/console/login/**")
        page.fill("#id_username", boss.user.username)
        page.fill("#id_password", "boss-pass")
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")

        # Found by part of its name, picked from the list the picker shows.
        page.goto(live_server.url + "/console/requests/new/")
        page.locator("#id_customer").press_sequentially("acm")
        page.click("#id_customer_results button:has-text('Acme Ltd')")
        page.wait_for_selector(
            f"#id_customer_picker input[name=customer][value='{cast.acme.pk}']", state="attached"
        )
        # A contact is picked within that customer; choosing another
        # customer empties it again.
        page.locator("#id_contact").press_sequentially("pet")
        page.click("#id_contact_results button:has-text('Petya Ivanova')")
        page.wait_for_selector(
            f"#id_contact_picker input[name=contact][value='{petya.pk}']", state="attached"
        )
        page.locator("#id_customer").fill("")
        page.locator("#id_customer").press_sequentially("zet")
        page.click("#id_customer_results button:has-text('Zeta OOD')")
        page.wait_for_selector("#id_contact_picker input[name=contact][value='']", state="attached")
        assert page.locator("#id_contact").input_value() == ""
        page.goto(live_server.url + f"/console/customers/{cast.acme.pk}/")

        # Sold from the customer's page: previewed, then confirmed.
        page.click("#sell a:has-text('Voucher')")
        page.select_option("#id_offer", "voucher:600")
        page.click("#preview-sale")
        assert "360.00" in page.locator("#sale-price").inner_text()
        assert page.locator("#sale-explanation li").count() >= 2
        page.click("#confirm-sale")
        page.wait_for_url(f"**/console/customers/{cast.acme.pk}/**")
        voucher = Entitlement.objects.get(customer=cast.acme, kind=Kind.PREPAID_HOURS)
        assert voucher.reference in page.locator("#entitlements").inner_text()

        # A phone request for this customer: contact and product picked by name.
        page.click("#customer-actions a")
        assert "Acme Ltd" in page.locator("#id_customer").input_value()
        page.locator("#id_contact").press_sequentially("pet")
        page.click("#id_contact_results button:has-text('Petya Ivanova')")
        page.wait_for_selector(
            f"#id_contact_picker input[name=contact][value='{petya.pk}']", state="attached"
        )
        page.locator("#id_product").press_sequentially("accou")
        page.click("#id_product_results button:has-text('Accounting')")
        page.wait_for_selector(
            f"#id_product_picker input[name=product][value='{cast.accounting.pk}']",
            state="attached",
        )
        page.select_option("#id_channel", "phone")
        page.fill("#id_subject", "Invoices print blank")
        page.click("button[type=submit]:has-text('Open request')")
        page.wait_for_url("**/console/requests/*/")
        assert "Petya Ivanova" in page.content()

        page.select_option("#time select[name=mode]", "phone")
        page.click("#start-timer")
        page.wait_for_selector("#timer")
        page.click("#stop-timer")
        page.wait_for_selector("text=Work recorded")
        charge = page.locator("#work .charge").first.inner_text()
        # The hour counted comes out of the voucher just sold: nothing to pay.
        assert f"60 min from {voucher.reference}" in charge
        assert "€0.00" in charge
    assert not [e for e in errors if "Content Security Policy" in e or "htmx" in e.lower()]
