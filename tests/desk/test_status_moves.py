"""Statuses that move by themselves, along the one transition table: a staff
reply waits for the customer, a customer reply (portal or mail) opens the
request again, confirmed work resolves it and a closed complaint window
closes it. Each move is audited and shown in the thread, on the console
request page and in the portal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import TestCase
from django.urls import reverse

from supportledger.core.models import AuditEntry
from supportledger.desk.actions.status import do_change_request_status
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import MoveReason, Request, Status, StatusChange
from supportledger.desk.queries import list_public_thread
from supportledger.jobs import tasks
from supportledger.portal.actions import do_give_contact_portal_login
from supportledger.service.actions.claims import do_file_claim
from supportledger.service.actions.confirmation import (
    auto_confirm_work,
    close_requests_past_complaint_window,
    do_confirm_work,
)
from tests.cast import at
from tests.service.scene import WEDNESDAY, build_scene

WORK_START = at(WEDNESDAY, 7)  # 09:00 in Sofia
WORK_END = at(WEDNESDAY, 8)
CONFIRMED = at(WEDNESDAY, 10)
# Three business days after Wednesday 4 March: Thu 5, Fri 6, Mon 9 (Sofia).
DEADLINE = datetime(2026, 3, 9, 21, 59, 59, tzinfo=UTC)


def moves(request: Request) -> list[tuple[str, str, str]]:
    return list(
        StatusChange.objects.filter(request=request)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "reason")
    )


def audited(request: Request) -> list[dict]:
    return list(
        AuditEntry.objects.filter(action="change_request_status", object_id=str(request.pk))
        .order_by("at", "id")
        .values_list("detail", flat=True)
    )


class StatusesMoveWithTheConversation(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.cast = cls.scene.cast
        cls.request = cls.scene.request

    def staff_reply(self, request=None, **extra):
        return do_post_message(
            acting_user=self.cast.maria.user,
            request=request or self.request,
            body_text="Please restart the service.",
            now=at(WEDNESDAY, 9),
            **extra,
        )

    def customer_reply(self, request=None):
        return do_post_message(
            acting_user=None,
            request=request or self.request,
            body_text="It still fails.",
            author_contact=self.scene.petya,
            now=at(WEDNESDAY, 10),
        )

    def test_a_public_staff_reply_to_a_new_request_waits_for_the_customer(self):
        self.staff_reply()
        self.request.refresh_from_db()
        assert self.request.status == Status.WAITING
        assert moves(self.request) == [("new", "waiting", MoveReason.STAFF_REPLY)]
        assert audited(self.request) == [{"from": "new", "to": "waiting", "reason": "staff_reply"}]

    def test_an_internal_note_moves_nothing(self):
        self.staff_reply(internal=True)
        self.request.refresh_from_db()
        assert self.request.status == Status.NEW
        assert moves(self.request) == []

    def test_a_staff_reply_to_a_scheduled_request_keeps_it_scheduled(self):
        do_change_request_status(acting_user=None, request=self.request, to="scheduled")
        self.staff_reply()
        self.request.refresh_from_db()
        assert self.request.status == Status.SCHEDULED

    def test_a_customer_reply_in_the_portal_opens_a_request_waiting_for_the_customer(self):
        self.staff_reply()
        self.customer_reply()
        self.request.refresh_from_db()
        assert self.request.status == Status.OPEN
        assert moves(self.request)[-1] == ("waiting", "open", MoveReason.CUSTOMER_REPLY)
        assert audited(self.request)[-1]["reason"] == "customer_reply"

    def test_a_customer_reply_to_a_new_request_leaves_it_new(self):
        self.customer_reply()
        self.request.refresh_from_db()
        assert self.request.status == Status.NEW
        assert moves(self.request) == []

    def test_the_customer_sees_each_move_in_the_portal_thread_after_the_message_that_made_it(
        self,
    ):
        self.staff_reply()
        self.customer_reply()
        thread = list_public_thread(self.request)
        assert [type(entry).__name__ for entry in thread] == [
            "Message",
            "StatusChange",
            "Message",
            "StatusChange",
        ]
        assert [entry.to_status for entry in thread[1::2]] == ["waiting", "open"]

    def test_the_console_request_page_shows_the_moves_in_the_thread(self):
        self.staff_reply()
        self.customer_reply()
        self.client.force_login(self.cast.maria.user)
        page = self.client.get(reverse("console:request", args=[self.request.pk])).content
        text = page.decode()
        assert text.count('class="status-change') == 2
        assert "support replied" in text
        assert "the customer replied" in text

    def test_the_portal_request_page_shows_the_moves_in_the_customers_language(self):
        self.staff_reply()
        self.customer_reply()
        user = do_give_contact_portal_login(
            acting_user=None, contact=self.scene.petya, password="x-Long-Password-1"
        )
        self.client.force_login(user)
        page = self.client.get(reverse("portal:request", args=[self.request.pk])).content
        text = page.decode()
        assert text.count('class="status-change"') == 2
        assert "клиентът отговори" in text


class ConfirmedWorkResolvesAndTheClosedWindowCloses(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.cast = cls.scene.cast
        cls.request = cls.scene.request
        do_post_message(
            acting_user=cls.cast.maria.user,
            request=cls.request,
            body_text="Connecting now.",
            now=WORK_START - timedelta(minutes=5),
        )
        cls.work = do_record_work(
            acting_user=None,
            work_id="W1",
            request=cls.request,
            agent=cls.cast.maria,
            started_at=WORK_START,
            ended_at=WORK_END,
            mode="remote",
            category="configuration",
            product=cls.cast.accounting,
            now=WORK_END,
        )

    def test_the_customer_confirming_the_only_work_resolves_the_request(self):
        do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=CONFIRMED)
        self.request.refresh_from_db()
        assert self.request.status == Status.RESOLVED
        assert self.request.resolved_at == CONFIRMED
        assert moves(self.request)[-1] == ("waiting", "resolved", MoveReason.WORK_CONFIRMED)
        assert audited(self.request)[-1]["reason"] == "work_confirmed"

    def test_work_still_unconfirmed_on_the_request_keeps_it_unresolved(self):
        second = do_record_work(
            acting_user=None,
            work_id="W2",
            request=self.request,
            agent=self.cast.maria,
            started_at=WORK_END,
            ended_at=WORK_END + timedelta(minutes=30),
            mode="remote",
            category="configuration",
            product=self.cast.accounting,
            now=WORK_END + timedelta(minutes=30),
        )
        do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=CONFIRMED)
        self.request.refresh_from_db()
        assert self.request.status == Status.WAITING
        do_confirm_work(acting_user=None, work=second, contact=self.scene.petya, now=CONFIRMED)
        self.request.refresh_from_db()
        assert self.request.status == Status.RESOLVED

    def test_work_confirmed_automatically_resolves_the_request_at_the_confirmation_instant(self):
        assert auto_confirm_work(WORK_END + timedelta(days=8)) == 1
        self.request.refresh_from_db()
        assert self.request.status == Status.RESOLVED
        assert self.request.resolved_at == WORK_END + timedelta(days=7)
        assert moves(self.request)[-1][2] == MoveReason.WORK_CONFIRMED

    def test_the_close_job_closes_the_request_only_after_the_complaint_deadline(self):
        do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=CONFIRMED)
        assert close_requests_past_complaint_window(DEADLINE) == 0
        self.request.refresh_from_db()
        assert self.request.status == Status.RESOLVED
        assert close_requests_past_complaint_window(DEADLINE + timedelta(seconds=1)) == 1
        self.request.refresh_from_db()
        assert self.request.status == Status.CLOSED
        assert moves(self.request)[-1] == (
            "resolved",
            "closed",
            MoveReason.COMPLAINT_WINDOW_CLOSED,
        )
        assert audited(self.request)[-1] == {
            "from": "resolved",
            "to": "closed",
            "reason": "complaint_window_closed",
        }
        assert close_requests_past_complaint_window(DEADLINE + timedelta(days=1)) == 0

    def test_a_claim_awaiting_a_decision_keeps_the_request_open_to_it(self):
        do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=CONFIRMED)
        do_file_claim(
            acting_user=None,
            work=self.work,
            contact=self.scene.petya,
            description="The report is wrong.",
            now=CONFIRMED + timedelta(hours=1),
        )
        assert close_requests_past_complaint_window(DEADLINE + timedelta(days=3)) == 0

    def test_the_scheduled_job_closes_what_is_due(self):
        do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=CONFIRMED)
        from unittest import mock

        with mock.patch("supportledger.core.clock.now", return_value=DEADLINE + timedelta(days=1)):
            outcome = tasks.close_requests_past_complaint_window.call()
        assert outcome == {"closed": 1}
