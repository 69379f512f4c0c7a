import csv
import io
import json
import re
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from supportledger.billing.actions.orders import do_place_order
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import (
    BillingRun,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from supportledger.billing.runs import do_perform_billing_run
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_create_customer
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import SET_UP_AT, add_staff, at

MARCH = Period.month("2026-03")


class BillingConsole(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        [cls.invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices

    def setUp(self):
        # Billing is a manager's work (agents are refused: tests/console/test_role_matrix.py).
        self.manager = add_staff(self.cast, "nadia", "manager").user
        self.client.force_login(self.manager)

    def url(self, name, *args):
        return reverse(f"billing:{name}", args=args)

    # --- who may look ------------------------------------------------------

    def test_every_page_opens_for_staff_and_the_console_nav_links_to_billing(self):
        for name, args in [
            ("invoices", []),
            ("invoice", [self.invoice.pk]),
            ("orders", []),
            ("run_billing", []),
        ]:
            response = self.client.get(self.url(name, *args))
            assert response.status_code == 200, name
        assert self.url("invoices") in self.client.get(reverse("console:queue")).content.decode()

    def test_a_user_without_a_staff_row_is_refused_every_page(self):
        self.client.force_login(get_user_model().objects.create_user("petya"))
        for url in [
            self.url("invoices"),
            self.url("invoice", self.invoice.pk),
            self.url("invoice_pdf", self.invoice.pk),
            self.url("orders"),
            self.url("run_billing"),
            self.url("export") + "?period=2026-03&format=csv",
        ]:
            assert self.client.get(url).status_code == 403, url
        for name in ["mark_invoice_paid", "cancel_invoice", "issue_invoice", "credit_invoice"]:
            assert self.client.post(self.url(name, self.invoice.pk)).status_code == 403
        response = self.client.post(self.url("run_billing"), {"period": "2026-04"})
        assert response.status_code == 403
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.ISSUED

    def test_an_anonymous_visitor_is_sent_to_the_login(self):
        self.client.logout()
        response = self.client.get(self.url("invoices"))
        assert response.status_code == 302
        assert reverse("console:login") in response["Location"]

    def test_actions_need_a_post_with_a_csrf_token(self):
        assert self.client.get(self.url("mark_invoice_paid", self.invoice.pk)).status_code == 405
        strict = self.client_class(enforce_csrf_checks=True)
        strict.force_login(self.manager)
        assert strict.post(self.url("mark_invoice_paid", self.invoice.pk)).status_code == 403
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.ISSUED

    # --- the invoice list ----------------------------------------------------

    def test_the_list_filters_by_status_period_and_customer(self):
        number = self.invoice.number
        page = self.client.get(self.url("invoices"), {"status": "issued", "period": "2026-03"})
        assert number in page.content.decode()
        for miss in [
            {"status": "paid"},
            {"period": "2026-02"},
            {"customer": self.cast.zeta.pk},
        ]:
            assert number not in self.client.get(self.url("invoices"), miss).content.decode()
        mine = self.client.get(self.url("invoices"), {"customer": self.cast.acme.pk})
        assert number in mine.content.decode()

    def test_a_bad_filter_names_the_field_instead_of_failing(self):
        response = self.client.get(self.url("invoices"), {"period": "March"}, follow=True)
        assert response.status_code == 200
        assert "period:" in response.content.decode()

    def test_the_list_takes_the_same_queries_for_one_invoice_and_for_many(self):
        def count_queries():
            with CaptureQueriesContext(connection) as queries:
                assert self.client.get(self.url("invoices")).status_code == 200
            return len(queries)

        few = count_queries()
        for n in range(12):
            customer = do_create_customer(
                acting_user=None,
                organisation=f"Customer {n}",
                street=f"{n} Vitosha Blvd",
                postcode="1000",
                city="Sofia",
                country="BG",
                language="bg",
                currency="EUR",
                now=SET_UP_AT,
            )
            do_sell_contract(
                acting_user=None,
                customer=customer,
                starts=MARCH.start,
                ends=MARCH.end,
                fee="50.00",
                currency="EUR",
                billing_period="month",
                now=SET_UP_AT,
            )
        assert len(do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices) == 12
        assert Invoice.objects.count() == 13
        with self.assertNumQueries(few):
            self.client.get(self.url("invoices"))

    # --- one invoice -----------------------------------------------------------

    def test_the_detail_shows_the_lines_and_the_totals(self):
        page = self.client.get(self.url("invoice", self.invoice.pk)).content.decode()
        assert self.invoice.number in page
        assert str(self.invoice.total_amount) in page
        for line in self.invoice.lines.all():
            assert str(line.amount) in page

    def test_staff_mark_an_invoice_paid_and_it_is_audited_as_them(self):
        response = self.client.post(self.url("mark_invoice_paid", self.invoice.pk), follow=True)
        assert response.status_code == 200
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.PAID
        entry = AuditEntry.objects.get(action="mark_invoice_paid")
        assert entry.actor_id == self.manager.pk

    def test_paying_twice_says_why_instead_of_failing(self):
        self.client.post(self.url("mark_invoice_paid", self.invoice.pk))
        response = self.client.post(self.url("mark_invoice_paid", self.invoice.pk), follow=True)
        assert response.status_code == 200
        assert "paid" in response.content.decode()

    def test_a_credit_note_needs_a_reason_and_then_cancels_the_invoice(self):
        self.client.post(self.url("credit_invoice", self.invoice.pk), {"reason": ""})
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.ISSUED
        response = self.client.post(
            self.url("credit_invoice", self.invoice.pk), {"reason": "Wrong customer"}
        )
        note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
        assert response["Location"] == self.url("invoice", note.pk)
        assert note.total_amount == -self.invoice.total_amount
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.CANCELLED

    def test_an_issued_invoice_is_not_cancelled_as_a_draft(self):
        self.client.post(self.url("cancel_invoice", self.invoice.pk))
        assert Invoice.objects.get(pk=self.invoice.pk).status == InvoiceStatus.ISSUED

    def test_the_refusal_reads_in_the_staff_members_language(self):
        self.client.cookies["django_language"] = "bg"
        response = self.client.post(self.url("cancel_invoice", self.invoice.pk), follow=True)
        assert [str(m) for m in response.context["messages"]] == [
            "Издадена фактура не се променя; издайте кредитно известие."  # noqa: RUF001
        ]
        assert "never changes" not in response.content.decode()
        self.client.post(self.url("mark_invoice_paid", self.invoice.pk), follow=True)
        response = self.client.post(self.url("mark_invoice_paid", self.invoice.pk), follow=True)
        assert [str(m) for m in response.context["messages"]] == [
            "Фактурата е в състояние „платена“; не може да премине в „платена“."  # noqa: RUF001
        ]

    def draft(self):
        return Invoice.objects.create(
            customer=self.cast.zeta,
            kind=InvoiceKind.INVOICE,
            language="bg",
            currency="EUR",
            created_at=BILLED_AT,
        )

    def test_a_draft_is_issued_from_its_page(self):
        draft = self.draft()
        assert "draft" in self.client.get(self.url("invoice", draft.pk)).content.decode()
        self.client.post(self.url("issue_invoice", draft.pk))
        issued = Invoice.objects.get(pk=draft.pk)
        assert issued.status == InvoiceStatus.ISSUED
        assert issued.number

    def test_a_draft_is_cancelled_from_its_page_and_has_no_pdf(self):
        draft = self.draft()
        assert self.client.get(self.url("invoice_pdf", draft.pk)).status_code == 302
        self.client.post(self.url("cancel_invoice", draft.pk))
        assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.CANCELLED

    def test_the_pdf_downloads_as_an_attachment(self):
        response = self.client.get(self.url("invoice_pdf", self.invoice.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{self.invoice.number}.pdf"'
        )
        assert b"".join(response).startswith(b"%PDF")

    def test_the_electronic_invoice_is_linked_and_downloads_as_xml(self):
        page = self.client.get(self.url("invoice", self.invoice.pk)).content.decode()
        assert self.url("invoice_xml", self.invoice.pk, "en16931") in page
        response = self.client.get(self.url("invoice_xml", self.invoice.pk, "en16931"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/xml"
        assert b"CrossIndustryInvoice" in response.content
        # A Bulgarian vendor has no national document; a draft has none at all.
        assert (
            self.client.get(self.url("invoice_xml", self.invoice.pk, "national")).status_code == 404
        )
        draft = self.draft()
        assert self.client.get(self.url("invoice_xml", draft.pk, "en16931")).status_code == 404

    def test_an_unknown_invoice_is_404(self):
        assert self.client.get(self.url("invoice", 999999)).status_code == 404

    # --- exports, orders, the run ------------------------------------------------

    def test_a_period_exports_as_csv_and_as_json(self):
        period = BILLED_AT.strftime("%Y-%m")  # invoices are exported by issue date
        response = self.client.get(self.url("export"), {"period": period, "format": "csv"})
        assert response["Content-Disposition"] == f'attachment; filename="invoices-{period}.csv"'
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert {row["number"] for row in rows} == {self.invoice.number}
        response = self.client.get(self.url("export"), {"period": period, "format": "json"})
        assert response["Content-Disposition"] == f'attachment; filename="invoices-{period}.json"'
        assert [r["number"] for r in json.loads(response.content)] == [self.invoice.number]

    def test_an_export_without_a_valid_period_goes_back_with_a_message(self):
        response = self.client.get(self.url("export"), {"period": "x", "format": "csv"})
        assert response.status_code == 302

    def test_an_export_or_a_run_of_a_month_in_year_9999_is_refused_naming_the_period(self):
        response = self.client.get(
            self.url("export"), {"period": "9999-12", "format": "csv"}, follow=True
        )
        page = response.content.decode()
        assert "Content-Disposition" not in response
        assert "period: Give a date between 1990-01-01 and 2099-12-31." in page
        response = self.client.post(self.url("run_billing"), {"period": "1000-01"})
        assert response.status_code == 200
        assert "Give a date between 1990-01-01 and 2099-12-31." in response.content.decode()
        response = self.client.get(self.url("invoices"), {"period": "9999-01"})
        assert response.status_code == 200

    def test_the_orders_page_lists_orders(self):
        order = do_place_order(
            acting_user=None, customer=self.cast.acme, kind="voucher", quantity=10, now=BILLED_AT
        )
        page = self.client.get(self.url("orders")).content.decode()
        assert order.reference in page
        assert "360.00" in page  # the preset's 10-hour voucher

    def _april_work(self):
        april_work_at = at(MARCH_4 + timedelta(days=30), 8)
        record(
            self.cast,
            self.invoice.customer.requests.first(),
            "W2",
            april_work_at,
            april_work_at + timedelta(hours=2),
        )

    def test_the_run_form_queues_a_draft_run_that_the_worker_does(self):
        self._april_work()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url("run_billing"), {"period": "2026-04"})
        run = BillingRun.objects.get()
        assert response.status_code == 302
        assert response["Location"] == self.url("billing_run", run.pk)
        assert (run.status, run.kind) == ("queued", "drafts")
        # Nothing is billed inside the web request; the worker's job is queued.
        assert not Invoice.objects.filter(billing_period="2026-04").exists()
        assert DBTaskResult.objects.filter(task_path__endswith="perform_billing_run").count() == 1
        done = do_perform_billing_run(run_id=run.pk)
        assert (done.status, done.invoices, done.customers_done) == (
            "done",
            1,
            done.customers_total,
        )
        draft = Invoice.objects.get(billing_period="2026-04")
        assert draft.status == InvoiceStatus.DRAFT
        page = self.client.get(self.url("billing_run", run.pk)).content.decode()
        assert "Drafts to review: 1" in page
        entry = AuditEntry.objects.filter(action="request_billing_run").latest("pk")
        assert entry.actor_id == self.manager.pk

    def test_a_second_run_of_the_same_period_is_refused_while_one_is_queued(self):
        self.client.post(self.url("run_billing"), {"period": "2026-04"})
        response = self.client.post(self.url("run_billing"), {"period": "2026-04"}, follow=True)
        assert "already queued or running" in response.content.decode()
        assert BillingRun.objects.count() == 1
        # Another period is not held up.
        self.client.post(self.url("run_billing"), {"period": "2026-05"})
        assert BillingRun.objects.count() == 2

    def test_a_manager_reviews_the_drafts_and_issues_them_in_the_background(self):
        self._april_work()
        self.client.post(self.url("run_billing"), {"period": "2026-04"})
        run = BillingRun.objects.get()
        do_perform_billing_run(run_id=run.pk)
        response = self.client.post(self.url("issue_drafts", run.pk))
        issuing = BillingRun.objects.exclude(pk=run.pk).get()
        assert response["Location"] == self.url("billing_run", issuing.pk)
        assert issuing.kind == "issue_drafts"
        do_perform_billing_run(run_id=issuing.pk)
        invoice = Invoice.objects.get(billing_period="2026-04")
        assert invoice.status == InvoiceStatus.ISSUED
        assert invoice.number
        assert BillingRun.objects.get(pk=issuing.pk).invoices == 1

    def test_a_run_asked_to_issue_at_once_issues(self):
        self._april_work()
        self.client.post(self.url("run_billing"), {"period": "2026-04", "kind": "issue"})
        do_perform_billing_run(run_id=BillingRun.objects.get().pk)
        assert Invoice.objects.get(billing_period="2026-04").status == InvoiceStatus.ISSUED

    def test_a_failed_run_says_why_on_its_page(self):
        self.client.post(self.url("run_billing"), {"period": "2026-04"})
        run = BillingRun.objects.get()
        with mock.patch(
            "supportledger.billing.runs.do_run_billing", side_effect=RuntimeError("disk full")
        ):
            assert do_perform_billing_run(run_id=run.pk).status == "failed"
        page = self.client.get(self.url("billing_run", run.pk)).content.decode()
        assert "disk full" in page
        # A failed run no longer blocks the period.
        self.client.post(self.url("run_billing"), {"period": "2026-04"})
        assert BillingRun.objects.count() == 2

    def test_the_run_form_names_a_bad_period(self):
        response = self.client.post(self.url("run_billing"), {"period": "04/2026"})
        assert response.status_code == 200
        assert "period:" in response.content.decode()


class MoneyAndDatesInTheReadersLanguage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        [cls.invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices

    def page(self, name, *args, language):
        self.client.force_login(add_staff(self.cast, f"nadia-{language}", "manager").user)
        self.client.cookies["django_language"] = language
        response = self.client.get(reverse(f"billing:{name}", args=args))
        assert response.status_code == 200
        return re.sub(r"[ \t\n]+", " ", response.content.decode())

    def test_an_invoice_reads_its_amounts_and_dates_as_each_language_writes_them(self):
        total = self.invoice.total_amount
        assert total == int(total)  # e.g. 168.00: written 168,00 € in Bulgarian
        whole = int(total)
        expected = {
            "en": (f"€{whole}.00", "Apr 1, 2026"),
            "bg": (f"{whole},00\xa0€", "1.04.2026\u202f\u0433."),
            "pl": (f"{whole},00\xa0€", "1 kwi 2026"),
        }
        for language, (money, issued) in expected.items():
            text = self.page("invoice", self.invoice.pk, language=language)
            assert money in text, (language, money)
            assert issued in text, (language, issued)
            assert f"{total} EUR" not in text

    def test_the_invoice_list_writes_money_and_dates_in_the_readers_way(self):
        text = self.page("invoices", language="bg")
        assert f"{int(self.invoice.total_amount)},00\xa0€" in text
        assert "2026-04-01" not in text
