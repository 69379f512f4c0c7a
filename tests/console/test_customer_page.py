"""The customer page: everything known of one customer on one page, found
by a search, linked from the queue and the request page, and as many
queries for a customer with a long history as for a new one."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.customers.actions import do_add_contact, do_put_customer_on_hold
from supportledger.entitlements.actions.licences import do_activate_licence
from supportledger.entitlements.actions.sales import do_sell_licence, do_sell_voucher
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import SET_UP_AT, at, open_request

NOW = at(date(2026, 4, 2), 9)


def _history(cast, request, days):
    """``days`` more pieces of work drawn from a voucher, one a day."""
    for day in range(days):
        start = at(MARCH_4 + timedelta(days=day + 1), 8)
        record(cast, request, f"H{day}", start, start + timedelta(minutes=30))


class TheCustomerPage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        cast = cls.cast
        do_add_contact(
            acting_user=None,
            customer=cast.acme,
            name="Georgi Ivanov",
            email="georgi@acme.example",
            now=SET_UP_AT,
        )
        cls.licence = do_sell_licence(
            acting_user=None, customer=cast.acme, product=cast.accounting, sold_on=date(2026, 1, 10)
        )
        do_activate_licence(acting_user=None, licence=cls.licence, workstation="ACME-PC-1")
        cls.voucher = do_sell_voucher(
            acting_user=None,
            customer=cast.acme,
            minutes=600,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            fee=Decimal("300.00"),
            currency="EUR",
            now=SET_UP_AT,
        )
        record(cast, cls.request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        [cls.invoice] = do_run_billing(
            acting_user=None, period=Period.month("2026-03"), customer=cast.acme, now=BILLED_AT
        ).invoices

    def setUp(self):
        self.client.force_login(self.cast.maria.user)
        patcher = mock.patch("supportledger.core.clock.now", return_value=NOW)
        patcher.start()
        self.addCleanup(patcher.stop)

    def page(self, customer=None):
        customer = customer or self.cast.acme
        response = self.client.get(reverse("customers:detail", args=[customer.pk]))
        assert response.status_code == 200
        return response.content.decode()

    def test_a_customer_is_found_by_part_of_its_name_or_a_contacts_address(self):
        for text in ("acm", "georgi@", "SOFIA"):
            html = self.client.get(reverse("customers:list"), {"q": text}).content.decode()
            assert reverse("customers:detail", args=[self.cast.acme.pk]) in html, text
        html = self.client.get(reverse("customers:list"), {"q": "georgi"}).content.decode()
        assert "Zeta OOD" not in html

    def test_the_page_shows_identity_contacts_licences_and_what_is_held(self):
        html = self.page()
        assert "Acme Ltd" in html
        assert "georgi@acme.example" in html
        assert self.licence.reference in html
        assert "ACME-PC-1" in html
        assert self.voucher.reference in html
        assert self.contract.reference in html

    def test_each_entitlement_shows_its_ledger_history(self):
        html = self.page()
        section = html.split('id="entitlements"')[1].split("</section>")[0]
        assert section.count('class="ledger"') >= 1
        # The voucher's grant of 600 minutes is its first entry.
        assert ">600<" in section

    def test_requests_orders_and_invoices_are_listed_with_links(self):
        html = self.page()
        assert reverse("console:request", args=[self.request.pk]) in html
        assert reverse("billing:invoice", args=[self.invoice.pk]) in html
        assert self.invoice.number in html

    def test_the_cost_of_work_now_is_previewed_for_every_mode(self):
        html = self.page()
        section = html.split('id="cost-preview"')[1].split("</section>")[0]
        # Remote: drawn from the month's allowance first (60 min a month).
        assert "60 min from " + self.contract.reference in section
        assert section.count("<tr>") >= 5

    def test_a_hold_is_shown_with_its_reason(self):
        do_put_customer_on_hold(acting_user=None, customer=self.cast.acme, reason="Unpaid")
        assert 'id="on-hold"' in self.page()

    def test_the_queue_and_the_request_page_link_to_the_customer(self):
        target = reverse("customers:detail", args=[self.cast.acme.pk])
        assert target in self.client.get(reverse("console:queue")).content.decode()
        request_page = self.client.get(reverse("console:request", args=[self.request.pk]))
        assert target in request_page.content.decode()

    def test_the_page_takes_as_many_queries_for_a_long_history_as_for_a_short_one(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.page()
            return len(queries)

        before = count()
        request = open_request(self.cast.acme, "More")
        _history(self.cast, request, 12)
        do_sell_voucher(
            acting_user=None,
            customer=self.cast.acme,
            minutes=120,
            starts=date(2026, 1, 1),
            ends=date(2026, 6, 30),
            now=SET_UP_AT,
        )
        assert count() == before

    def test_an_unknown_customer_is_404_and_a_non_staff_user_is_refused(self):
        assert self.client.get(reverse("customers:detail", args=[999999])).status_code == 404
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.create_user("outsider"))
        response = self.client.get(reverse("customers:detail", args=[self.cast.acme.pk]))
        assert response.status_code in (302, 403)
        assert "Acme" not in response.content.decode()
