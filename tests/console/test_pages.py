"""The console's pages: queue filters, the request page and its actions,
and a request page whose query count does not grow with the data."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.test import TestCase

from supportledger.core.models import AuditEntry
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.actions import do_put_customer_on_hold
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.status import do_assign_request, do_set_request_priority
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.timers import do_start_timer
from supportledger.desk.actions.work import do_record_manual_work
from supportledger.desk.models import Request, Status, Timer
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_voucher
from tests.cast import SET_UP_AT, at, build_cast

MARCH_4 = date(2026, 3, 4)


def open_(customer, subject="Help", **overrides):
    fields = {
        "acting_user": None,
        "customer": customer,
        "subject": subject,
        "body": "",
        "category": "consultation",
        "channel": "portal",
        "now": at(MARCH_4, 7),
    }
    fields.update(overrides)
    return do_open_request(**fields)


class TheQueue(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        do_sell_contract(
            acting_user=None,
            customer=cls.cast.zeta,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            response_business_minutes=60,
            now=SET_UP_AT,
        )
        cls.printer = open_(cls.cast.acme, "Printer jams", product=cls.cast.accounting)
        cls.payroll = open_(cls.cast.acme, "Payroll totals", product=cls.cast.payroll)
        cls.late = open_(cls.cast.zeta, "Cannot log in", now=at(MARCH_4, 6))
        do_assign_request(acting_user=None, request=cls.printer, assignee=cls.cast.maria)
        do_set_request_priority(acting_user=None, request=cls.payroll, priority="urgent")

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def refs(self, **params):
        response = self.client.get("/console/", params)
        assert response.status_code == 200
        return [r["reference"] for r in response.context["page"]]

    def test_filters_narrow_the_queue(self):
        everything = {self.printer.reference, self.payroll.reference, self.late.reference}
        assert set(self.refs()) == everything
        assert self.refs(assignee="me") == [self.printer.reference]
        assert set(self.refs(assignee="none")) == {self.payroll.reference, self.late.reference}
        assert set(self.refs(status="open")) == {self.printer.reference}
        assert set(self.refs(status="new")) == {self.payroll.reference, self.late.reference}
        assert self.refs(customer=self.cast.zeta.pk) == [self.late.reference]
        assert self.refs(product=self.cast.payroll.pk) == [self.payroll.reference]
        assert self.refs(priority="urgent") == [self.payroll.reference]

    def test_overdue_lists_requests_past_their_first_response_target(self):
        assert self.refs(overdue="on") == [self.late.reference]

    def test_search_finds_subject_reference_and_customer(self):
        assert self.refs(q="jams") == [self.printer.reference]
        assert self.refs(q=self.payroll.reference) == [self.payroll.reference]
        assert self.refs(q=str(self.payroll.pk)) == [self.payroll.reference]
        assert self.refs(q="zeta") == [self.late.reference]

    def test_resolved_requests_leave_the_default_queue_but_not_all(self):
        self.client.post(f"/console/requests/{self.late.pk}/status/", {"to": "resolved"})
        assert self.late.reference not in self.refs()
        assert self.late.reference in self.refs(status="all")

    def rows(self, **params):
        html = self.client.get("/console/", params).content.decode()
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        return {
            ref: row
            for row in body.split("<tr")[1:]
            for ref in [row.split('aria-label="', 1)[1].split('"', 1)[0]]
        }

    def test_each_row_shows_its_request_with_every_value_escaped(self):
        evil = open_(self.cast.acme, '<script>alert("x")</script> & more')
        do_put_customer_on_hold(acting_user=None, customer=self.cast.acme, reason="unpaid invoice")
        rows = self.rows()
        row = rows[evil.reference]
        assert "<script>" not in row
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in row
        assert f'<a href="/console/requests/{evil.pk}/">{evil.reference}</a>' in row
        assert f'<a href="/console/customers/{self.cast.acme.pk}/">' in row
        assert '<span class="flag hold">on hold</span>' in row
        printer = rows[self.printer.reference]
        assert f"<td>{self.cast.accounting.code}</td>" in printer
        assert f"<td>{self.cast.maria.user.username}</td>" in printer
        assert '<span class="badge" data-status="open">' in printer
        assert "<td>urgent</td>" in rows[self.payroll.reference]
        late = rows[self.late.reference]
        assert late.startswith(' class="overdue">')
        assert "flag hold" not in late
        assert not printer.startswith(' class="overdue"')

    def test_the_queue_is_paginated(self):
        for n in range(55):
            open_(self.cast.acme, f"bulk {n}")
        response = self.client.get("/console/", {"status": "all"})
        assert len(response.context["page"].object_list) == 50
        second = self.client.get("/console/", {"status": "all", "page": 2})
        assert len(second.context["page"].object_list) == 8


class TheRequestPage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.subscription = do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            sla=True,
            minutes_per_month=30,
            now=SET_UP_AT,
        )
        cls.request = open_(cls.cast.acme, product=cls.cast.accounting)

    def setUp(self):
        # The page previews work starting "now": fix it in business hours.
        clock = mock.patch("supportledger.core.clock.now", return_value=at(MARCH_4, 7, 30))
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.cast.maria.user)
        self.url = f"/console/requests/{self.request.pk}/"

    def test_it_shows_the_entitlements_and_a_cost_preview(self):
        page = self.client.get(self.url, {"mode": "remote", "minutes": 60}).content.decode()
        assert self.subscription.reference in page
        assert "30 min from " + self.subscription.reference in page
        assert "30 min billable" in page
        assert "€20.00" in page  # the reader's way: babel, English

    def test_an_illegal_transition_shows_a_message_not_an_error_page(self):
        response = self.client.post(self.url + "status/", {"to": "closed"}, follow=True)
        assert response.status_code == 200
        assert "cannot become closed" in response.content.decode()
        self.request.refresh_from_db()
        assert self.request.status == Status.NEW

    def test_the_timer_survives_a_reload_and_stopping_records_rated_work(self):
        self.client.post(self.url + "timer/start/", {"mode": "remote"})
        assert Timer.objects.filter(request=self.request).exists()
        page = self.client.get(self.url).content.decode()
        assert "Timer running since" in page
        response = self.client.post(self.url + "timer/stop/", follow=True)
        page = response.content.decode()
        assert "Work recorded" in page
        assert self.request.work.count() == 1
        assert "€" in page

    def test_an_unauthorised_agent_sees_a_clear_refusal(self):
        payroll = open_(self.cast.acme, product=self.cast.payroll)
        url = f"/console/requests/{payroll.pk}/"
        self.client.post(url + "timer/start/", {"mode": "remote"})
        page = self.client.post(url + "timer/stop/", follow=True).content.decode()
        assert "is not an authorised specialist for PAY" in page

    def test_a_refused_timer_can_be_discarded_and_nothing_is_recorded(self):
        payroll = open_(self.cast.acme, product=self.cast.payroll)
        url = f"/console/requests/{payroll.pk}/"
        self.client.post(url + "timer/start/", {"mode": "remote"})
        self.client.post(url + "timer/stop/")  # refused: maria is not authorised for PAY
        timer = Timer.objects.get(request=payroll)
        page = self.client.post(
            f"/console/timers/{timer.pk}/discard/", follow=True
        ).content.decode()
        assert "Timer discarded" in page
        assert not Timer.objects.filter(request=payroll).exists()
        assert payroll.work.count() == 0
        assert AuditEntry.objects.filter(action="discard_timer").count() == 1

    def test_a_timer_started_late_is_corrected_and_records_from_the_corrected_start(self):
        self.client.post(self.url + "timer/start/", {"mode": "remote"})
        timer = Timer.objects.get(request=self.request)
        # 09:30 in Sofia is "now"; the call really began at 09:00 (07:00 UTC).
        self.client.post(
            f"/console/timers/{timer.pk}/correct/",
            {"started_at": "2026-03-04 09:00", "mode": "phone"},
        )
        timer.refresh_from_db()
        assert timer.started_at == at(MARCH_4, 7)
        assert timer.mode == "phone"
        page = self.client.post(
            f"/console/timers/{timer.pk}/correct/",
            {"started_at": "2026-03-05 09:00", "mode": "phone"},
            follow=True,
        ).content.decode()
        assert "cannot start in the future" in page
        self.client.post(self.url + "timer/stop/")
        work = self.request.work.get()
        assert (work.started_at, work.mode) == (at(MARCH_4, 7), "phone")

    def test_an_agent_sees_all_own_running_timers_and_no_one_elses(self):
        other = open_(self.cast.acme, subject="Second", product=self.cast.accounting)
        self.client.post(self.url + "timer/start/", {"mode": "remote"})
        self.client.post(f"/console/requests/{other.pk}/timer/start/", {"mode": "phone"})
        ivans = do_start_timer(acting_user=None, request=other, agent=self.cast.ivan, mode="remote")
        page = self.client.get("/console/timers/").content.decode()
        assert page.count('action="/console/timers/') == 4  # correct and discard, twice
        assert self.request.reference in page
        assert other.reference in page
        assert f"/console/timers/{ivans.pk}/" not in page
        assert self.client.post(f"/console/timers/{ivans.pk}/discard/").status_code == 404
        assert Timer.objects.filter(pk=ivans.pk).exists()

    def test_a_customer_on_hold_is_flagged(self):
        do_put_customer_on_hold(acting_user=None, customer=self.cast.acme, reason="unpaid invoice")
        page = self.client.get(self.url).content.decode()
        assert "On hold: unpaid invoice" in page

    def test_staff_can_reply_with_an_attachment_and_write_notes(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        with self.settings(
            STORAGES={
                "default": {
                    "BACKEND": "django.core.files.storage.InMemoryStorage",
                },
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        ):
            self.client.post(
                self.url + "messages/",
                {
                    "body": "Try this",
                    "attachments": SimpleUploadedFile("fix.txt", b"steps", "text/plain"),
                },
            )
            self.client.post(self.url + "messages/", {"body": "call back", "internal": "on"})
            page = self.client.get(self.url).content.decode()
        assert "Try this" in page
        assert "fix.txt" in page
        assert "Internal note" in page
        self.request.refresh_from_db()
        assert self.request.first_response_at is not None

    def test_time_entered_by_hand_is_read_in_the_policys_time_zone_across_a_dst_change(self):
        # Sofia (the policy's zone) is UTC+2 until 29 March 2026, UTC+3 after.
        for local, utc in (
            ("2026-03-27 10:00", datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),
            ("2026-03-30 10:00", datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        ):
            # Recorded the day after, so the work is not in the future.
            with mock.patch("supportledger.core.clock.now", return_value=utc + timedelta(days=1)):
                response = self.client.post(
                    self.url + "work/", {"started_at": local, "minutes": 30, "mode": "remote"}
                )
            assert response.status_code == 302
            work = self.request.work.get(started_at=utc)
            assert work.ended_at == utc + timedelta(minutes=30)

    def test_a_time_skipped_by_the_dst_change_is_refused_by_name(self):
        response = self.client.post(
            self.url + "work/",
            {"started_at": "2026-03-29 03:30", "minutes": 30, "mode": "remote"},
            follow=True,
        )
        assert "started_at" in response.content.decode()
        assert not self.request.work.exists()

    def test_work_ending_in_the_future_or_in_year_9999_is_refused_by_name(self):
        for started_at in ("2026-03-04 09:40", "9999-01-01 10:00", "0001-01-01 10:00"):
            response = self.client.post(
                self.url + "work/",
                {"started_at": started_at, "minutes": 30, "mode": "remote"},
                follow=True,
            )
            assert response.status_code == 200
            page = response.content.decode()
            assert "started_at" in page
            assert "in the future" in page or "between 1990-01-01 and 2099-12-31" in page
        assert not self.request.work.exists()
        # Ending within a quarter of an hour of now (a clock running fast) is fine.
        self.client.post(
            self.url + "work/", {"started_at": "2026-03-04 09:20", "minutes": 20, "mode": "remote"}
        )
        assert self.request.work.count() == 1

    def test_the_manual_entry_defaults_to_local_time(self):
        page = self.client.get(self.url).content.decode()
        assert 'value="2026-03-04 09:30"' in page  # 07:30 UTC in Sofia
        assert "Europe/Sofia" in page

    def test_staff_open_a_phone_request_from_the_console(self):
        response = self.client.post(
            "/console/requests/new/",
            {
                "customer": self.cast.acme.pk,
                "channel": "phone",
                "category": "defect",
                "priority": "high",
                "subject": "Crash on start",
                "body": "Customer called.",
            },
        )
        opened = Request.objects.get(subject="Crash on start")
        assert response.status_code == 302
        assert (opened.channel, opened.opened_via, opened.priority) == ("phone", "phone", "high")


def _grow(cast, request, n):
    """n more requests, messages, work entries (and their ledger rows)."""
    for i in range(n):
        other = open_(cast.acme, f"other {i}", product=cast.accounting)
        do_post_message(acting_user=None, request=request, body_text=f"reply {i}")
        do_post_message(acting_user=None, request=other, body_text=f"reply {i}")
        do_record_manual_work(
            acting_user=None,
            request=request,
            agent=cast.maria,
            started_at=at(MARCH_4, 7, i),
            minutes=10,
            mode="remote",
        )


@pytest.mark.django_db
def test_the_request_page_costs_the_same_queries_at_two_data_sizes(
    client, django_assert_num_queries
):
    cast = build_cast()
    do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=6000,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    do_sell_contract(
        acting_user=None,
        customer=cast.acme,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        minutes_per_month=60,
        now=SET_UP_AT,
    )
    request = open_(cast.acme, product=cast.accounting)
    client.force_login(cast.maria.user)
    url = f"/console/requests/{request.pk}/"
    _grow(cast, request, 2)
    get_vendor_policy()  # the policy cache is loaded (as after any first request)
    with django_assert_num_queries(REQUEST_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    _grow(cast, request, 12)
    with django_assert_num_queries(REQUEST_PAGE_QUERIES):
        assert client.get(url).status_code == 200


# Session, user, staff row, policy version, request, entitlements with their
# products and allowance use (one statement, once for the summary and the
# preview), work with its current ratings, timer, staff list, thread with its
# attachments, the moves of its status, the canned replies. The policy and the
# price list come from the process's cache.
REQUEST_PAGE_QUERIES = 12
