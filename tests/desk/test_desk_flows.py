"""The service desk's flows: lifecycle, thread and attachments, incidents on
opening, the cost preview, timers and the first-response clock."""

import gc
import tempfile
from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.test import TestCase, override_settings

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_contact
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.status import do_change_request_status
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.timers import do_start_timer, do_stop_timer
from supportledger.desk.actions.work import do_record_manual_work
from supportledger.desk.models import Attachment, Message, Request, Status, Timer, WorkEntry
from supportledger.desk.queries import (
    get_attachment_for_customer,
    get_request_for_customer,
    list_public_messages,
    list_requests_for_customer,
    list_response_watch,
    preview_cost,
)
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_incident_pack
from tests.cast import SET_UP_AT, at, build_cast

MARCH_4 = date(2026, 3, 4)  # a Wednesday; Sofia is UTC+2, open 08:00-16:00 local
MARCH_5 = date(2026, 3, 5)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PRIVATE = tempfile.mkdtemp(prefix="desk-private-")
STORAGE = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def open_(customer, **overrides):
    fields = {
        "acting_user": None,
        "customer": customer,
        "subject": "Printer does not print invoices",
        "body": "Since this morning.",
        "category": "consultation",
        "channel": "portal",
        "now": at(MARCH_4, 7),
    }
    fields.update(overrides)
    return do_open_request(**fields)


class TheStatusFollowsTheTransitionTable(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_a_request_goes_from_new_to_closed_and_can_be_reopened(self):
        request = open_(self.cast.acme)
        assert request.status == Status.NEW
        for to in ("open", "waiting", "scheduled", "resolved", "closed", "open"):
            do_change_request_status(acting_user=None, request=request, to=to, now=at(MARCH_4, 8))
            request.refresh_from_db()
            assert request.status == to
        assert AuditEntry.objects.filter(action="change_request_status").count() == 6

    def test_an_illegal_transition_is_a_clear_error_and_changes_nothing(self):
        request = open_(self.cast.acme)
        with pytest.raises(ActionRefused) as refused:
            do_change_request_status(acting_user=None, request=request, to="closed")
        assert refused.value.code == "invalid_transition"
        assert "new cannot become closed" in refused.value.message
        assert "resolved" in refused.value.message  # names what is allowed
        request.refresh_from_db()
        assert request.status == Status.NEW

    def test_an_unknown_status_names_the_field(self):
        request = open_(self.cast.acme)
        with pytest.raises(ActionRefused) as refused:
            do_change_request_status(acting_user=None, request=request, to="done")
        assert refused.value.message.startswith("to:")

    def test_a_customer_reply_reopens_a_resolved_request(self):
        contact = do_add_contact(
            verified=True,
            acting_user=None,
            customer=self.cast.acme,
            name="Ana",
            email="ana@acme.test",
        )
        request = open_(self.cast.acme, contact=contact)
        do_change_request_status(acting_user=None, request=request, to="resolved")
        do_post_message(
            acting_user=None, request=request, body_text="Still broken", author_contact=contact
        )
        request.refresh_from_db()
        assert request.status == Status.OPEN


class OpeningRequests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_a_channel_the_policy_does_not_offer_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            open_(self.cast.acme, channel="whatsapp")
        assert refused.value.message.startswith("channel:")
        assert not Request.objects.exists()

    def test_the_body_becomes_the_first_public_message(self):
        request = open_(self.cast.acme)
        thread = list(list_public_messages(request))
        assert [m.body_text for m in thread] == ["Since this morning."]

    def test_opening_twice_with_the_same_message_id_returns_the_first_request(self):
        first = open_(self.cast.acme, channel="email", source_message_id="<a@mail>")
        again = open_(self.cast.acme, channel="email", source_message_id="<a@mail>")
        assert first.pk == again.pk
        assert Request.objects.count() == 1

    def test_a_customer_sees_only_its_own_requests(self):
        mine = open_(self.cast.acme)
        theirs = open_(self.cast.zeta)
        assert list(list_requests_for_customer(self.cast.acme)) == [mine]
        from django.http import Http404

        with pytest.raises(Http404):
            get_request_for_customer(self.cast.acme, theirs.pk)
        with pytest.raises(Http404):
            get_request_for_customer(self.cast.acme, "x")


class APhoneRequestConsumesAnIncident(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def sell_pack(self, customer, incidents=2):
        return do_sell_incident_pack(
            acting_user=None,
            customer=customer,
            incidents=incidents,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )

    def test_a_phone_request_takes_one_incident_from_the_pack_when_opened(self):
        pack = self.sell_pack(self.cast.acme)
        request = open_(self.cast.acme, channel="phone", product=self.cast.accounting)
        pack.refresh_from_db()
        assert pack.balance_incidents == 1
        assert request.incident_entitlement == pack
        # Phone work on the same request is then covered without a second incident.
        work = do_record_manual_work(
            acting_user=None,
            request=request,
            agent=self.cast.maria,
            started_at=at(MARCH_4, 8),
            minutes=20,
            mode="phone",
        )
        pack.refresh_from_db()
        assert pack.balance_incidents == 1
        assert work.ratings.get(current=True).billable_minutes == 0

    def test_a_portal_request_consumes_no_incident(self):
        pack = self.sell_pack(self.cast.acme)
        open_(self.cast.acme, channel="portal")
        pack.refresh_from_db()
        assert pack.balance_incidents == 2

    def test_a_phone_request_without_a_pack_consumes_nothing(self):
        request = open_(self.cast.zeta, channel="phone")
        assert request.incident_entitlement is None


@override_settings(STORAGES=STORAGE, DESK_ATTACHMENT_MAX_BYTES=1000)
class Attachments(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_(cls.cast.acme)

    def post(self, *files, internal=False):
        return do_post_message(
            acting_user=None,
            request=self.request,
            body_text="see file",
            attachments=files,
            internal=internal,
        )

    def test_an_allowed_file_is_stored_privately_under_a_random_name(self):
        message = self.post(("screen shot.png", "image/png", PNG))
        attachment = message.attachments.get()
        assert attachment.filename == "screen_shot.png"
        assert attachment.size == len(PNG)
        assert "screen" not in attachment.file.name
        assert default_storage.path(attachment.file.name).startswith(PRIVATE)

    def test_a_file_over_the_limit_is_refused_and_the_message_not_written(self):
        with pytest.raises(ActionRefused) as refused:
            self.post(("big.txt", "text/plain", b"x" * 1001))
        assert refused.value.code == "attachment_too_large"
        assert "1000 bytes" in refused.value.message
        assert not Message.objects.filter(body_text="see file").exists()

    def test_a_type_outside_the_allow_list_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            self.post(("page.html", "text/html", b"<script>alert(1)</script>"))
        assert refused.value.code == "attachment_type_refused"

    def test_a_file_whose_content_is_not_its_declared_type_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            self.post(("fake.png", "image/png", b"<svg onload=alert(1)>"))
        assert refused.value.code == "attachment_type_mismatch"

    def test_a_dangerous_name_is_refused_even_with_an_allowed_type(self):
        with pytest.raises(ActionRefused) as refused:
            self.post(("evil.svg", "text/plain", b"<svg/>"))
        assert refused.value.code == "attachment_type_refused"

    def test_a_customer_reaches_public_files_of_its_own_requests_only(self):
        public = self.post(("a.txt", "text/plain", b"hello")).attachments.get()
        note = self.post(("b.txt", "text/plain", b"secret"), internal=True).attachments.get()
        from django.http import Http404

        assert get_attachment_for_customer(self.cast.acme, public.pk) == public
        with pytest.raises(Http404):
            get_attachment_for_customer(self.cast.acme, note.pk)
        with pytest.raises(Http404):
            get_attachment_for_customer(self.cast.zeta, public.pk)

    def test_the_download_is_an_attachment_that_is_never_sniffed(self):
        attachment = self.post(("a.txt", "text/plain", b"hello")).attachments.get()
        self.client.force_login(self.cast.maria.user)
        response = self.client.get(f"/console/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="a.txt"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == b"hello"

    def test_the_download_is_refused_to_non_staff(self):
        attachment = self.post(("a.txt", "text/plain", b"hello")).attachments.get()
        outsider = get_user_model().objects.create_user("outsider")
        self.client.force_login(outsider)
        assert self.client.get(f"/console/attachments/{attachment.pk}/").status_code == 403
        self.client.logout()
        assert self.client.get(f"/console/attachments/{attachment.pk}/").status_code == 302
        assert Attachment.objects.count() == 1


class TheCostPreviewIsTheRealRating(TestCase):
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
        cls.request = open_(cls.cast.acme, product=cls.cast.accounting, category="configuration")

    def test_an_hour_of_remote_work_is_half_subscription_half_billable_in_both(self):
        start = at(MARCH_4, 7)
        preview = preview_cost(self.request, mode="remote", minutes=60, now=start)
        assert [(a.entitlement, a.minutes) for a in preview.allocations] == [
            (self.subscription.reference, 30)
        ]
        assert preview.billable_minutes == 30
        assert str(preview.amount) == "20.00"
        work = do_record_manual_work(
            acting_user=None,
            request=self.request,
            agent=self.cast.maria,
            started_at=start,
            minutes=60,
            mode="remote",
        )
        rating = work.ratings.get(current=True)
        assert rating.counted_minutes == preview.counted_minutes
        assert rating.billable_minutes == preview.billable_minutes
        assert rating.amount == preview.amount
        assert rating.allocations == [
            {"entitlement": a.entitlement, "kind": a.kind, "minutes": a.minutes}
            for a in preview.allocations
        ]
        assert rating.explanation == [
            line.replace("preview", work.work_id) for line in preview.explanation
        ]

    def test_after_the_allowance_is_used_the_preview_bills_the_whole_hour(self):
        do_record_manual_work(
            acting_user=None,
            request=self.request,
            agent=self.cast.maria,
            started_at=at(MARCH_4, 7),
            minutes=30,
            mode="remote",
        )
        preview = preview_cost(self.request, mode="remote", minutes=60, now=at(MARCH_4, 9))
        assert preview.billable_minutes == 60
        assert str(preview.amount) == "40.00"


class Timers(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_(cls.cast.acme, product=cls.cast.accounting)
        cls.payroll_request = open_(cls.cast.acme, product=cls.cast.payroll)

    def test_stopping_a_timer_records_the_work_and_rates_it(self):
        do_start_timer(
            acting_user=None,
            request=self.request,
            agent=self.cast.maria,
            mode="remote",
            now=at(MARCH_4, 7),
        )
        again = do_start_timer(
            acting_user=None,
            request=self.request,
            agent=self.cast.maria,
            mode="phone",
            now=at(MARCH_4, 7, 10),
        )
        assert again.mode == "remote"  # the running timer is kept
        work = do_stop_timer(
            acting_user=None, request=self.request, agent=self.cast.maria, now=at(MARCH_4, 7, 45)
        )
        assert (work.started_at, work.ended_at) == (at(MARCH_4, 7), at(MARCH_4, 7, 45))
        rating = work.ratings.get(current=True)
        assert rating.duration_minutes == 45
        assert rating.counted_minutes == 60
        assert rating.explanation
        assert not Timer.objects.exists()

    def test_an_unauthorised_agent_is_refused_and_the_timer_keeps_running(self):
        do_start_timer(
            acting_user=None,
            request=self.payroll_request,
            agent=self.cast.maria,
            mode="remote",
            now=at(MARCH_4, 7),
        )
        with pytest.raises(ActionRefused) as refused:
            do_stop_timer(
                acting_user=None,
                request=self.payroll_request,
                agent=self.cast.maria,
                now=at(MARCH_4, 8),
            )
        assert refused.value.code == "agent_not_authorised"
        assert Timer.objects.filter(agent=self.cast.maria).exists()
        assert not WorkEntry.objects.exists()

    def test_stopping_without_a_timer_is_a_clear_error(self):
        with pytest.raises(ActionRefused) as refused:
            do_stop_timer(acting_user=None, request=self.request, agent=self.cast.ivan)
        assert refused.value.code == "no_timer"


class FirstResponseTargets(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            response_business_minutes=120,
            now=SET_UP_AT,
        )

    def test_the_target_is_counted_in_business_time(self):
        # 15:00 local, one business hour left that day: due 09:00 local next day.
        request = open_(self.cast.acme, now=at(MARCH_4, 13))
        assert request.response_target_minutes == 120
        assert request.response_due_at == at(MARCH_5, 7)

    def test_waiting_for_the_customer_pauses_the_clock(self):
        request = open_(self.cast.acme, now=at(MARCH_4, 7))  # 09:00 local, due 11:00
        assert request.response_due_at == at(MARCH_4, 9)
        do_change_request_status(
            acting_user=None, request=request, to="waiting", now=at(MARCH_4, 8)
        )
        request.refresh_from_db()
        assert request.response_due_at is None
        assert request.response_remaining_minutes == 60
        # A day later, the customer's answer resumes it with the hour left.
        do_change_request_status(acting_user=None, request=request, to="open", now=at(MARCH_5, 7))
        request.refresh_from_db()
        assert request.response_due_at == at(MARCH_5, 8)
        assert request.response_remaining_minutes is None

    def test_the_watch_list_shows_requests_near_or_past_their_target(self):
        late = open_(self.cast.acme, subject="late", now=at(MARCH_4, 6))
        near = open_(self.cast.acme, subject="near", now=at(MARCH_4, 7))
        open_(self.cast.acme, subject="far", now=at(MARCH_4, 8, 30))
        answered = open_(self.cast.acme, subject="answered", now=at(MARCH_4, 6))
        staff = self.cast.maria.user
        do_post_message(
            acting_user=staff, request=answered, body_text="On it", now=at(MARCH_4, 6, 5)
        )
        watch = list(list_response_watch(now=at(MARCH_4, 8, 15), within_minutes=60))
        assert watch == [late, near]

    def test_an_internal_note_is_not_a_first_response(self):
        request = open_(self.cast.acme)
        do_post_message(
            acting_user=self.cast.maria.user,
            request=request,
            body_text="hm",
            internal=True,
            now=at(MARCH_4, 7, 5),
        )
        request.refresh_from_db()
        assert request.first_response_at is None
        assert request.response_due_at - timedelta(minutes=120) == at(MARCH_4, 7)


@override_settings(STORAGES=STORAGE)
class AttachmentFilesFollowTheTransaction(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_(cls.cast.acme)

    def post(self, **overrides):
        fields = {
            "acting_user": None,
            "request": self.request,
            "body_text": "see file",
            "attachments": [("a.txt", "text/plain", b"hello"), ("b.png", "image/png", PNG)],
        }
        fields.update(overrides)
        return do_post_message(**fields)

    def test_files_of_a_committed_message_stay_on_disk(self):
        with self.captureOnCommitCallbacks(execute=True):
            message = self.post()
        names = [a.file.name for a in message.attachments.all()]
        del message
        gc.collect()
        assert len(names) == 2
        assert all(default_storage.exists(name) for name in names)

    def test_files_written_before_a_refusal_are_removed(self):
        written = []
        real_save = FileSystemStorage.save

        def save(storage, name, content, max_length=None):
            written.append(real_save(storage, name, content, max_length=max_length))
            return written[-1]

        refusal = ActionRefused("invalid", "request: refused after the files were written.")
        with (
            mock.patch.object(FileSystemStorage, "save", save),
            mock.patch("supportledger.desk.actions.thread.write_audit", side_effect=refusal),
            pytest.raises(ActionRefused),
        ):
            self.post()
        gc.collect()
        assert len(written) == 2
        assert not any(default_storage.exists(name) for name in written)
        assert not Message.objects.filter(body_text="see file").exists()

    def test_files_are_removed_when_an_enclosing_transaction_rolls_back(self):
        names = []

        def post_then_fail():
            with transaction.atomic():
                names.extend(a.file.name for a in self.post().attachments.all())
                assert all(default_storage.exists(name) for name in names)
                raise RuntimeError("the caller fails after posting")

        with pytest.raises(RuntimeError):
            post_then_fail()
        gc.collect()
        assert len(names) == 2
        assert not any(default_storage.exists(name) for name in names)
        assert not Attachment.objects.filter(file__in=names).exists()


class MessageHtml(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_(cls.cast.acme)

    def test_html_is_sanitised_before_it_is_stored(self):
        message = do_post_message(
            acting_user=None,
            request=self.request,
            body_text="Hello",
            body_html=(
                '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script>'
                '<a href="javascript:alert(2)">x</a><img src="https://t.example/p.gif">'
            ),
        )
        message.refresh_from_db()
        assert "<b>there</b>" in message.body_html
        for bad in ("onclick", "<script", "alert", "javascript:", "<img"):
            assert bad not in message.body_html

    def test_a_message_without_html_keeps_an_empty_html_body(self):
        message = do_post_message(acting_user=None, request=self.request, body_text="Hi")
        assert message.body_html == ""
