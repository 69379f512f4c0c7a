from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportledger.core import clock
from supportledger.desk.actions.work import do_record_work
from supportledger.service.actions.claims import do_file_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.actions.remote import do_start_remote_session
from supportledger.service.models import (
    Appointment,
    ClaimStatus,
    Consent,
    RemoteSession,
    SessionStatus,
    TravelCharge,
)
from tests.cast import add_staff, at
from tests.service.scene import PRICE_LIST, WEDNESDAY, build_scene, consent


def next_wednesday_after_now():
    """Booking needs a future day; the pages use the real clock."""
    day = clock.now().date() + timedelta(days=7)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return day


class StaffPages(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.consent = consent(cls.scene.petya, cls.scene.request)
        cls.work = do_record_work(
            acting_user=None,
            work_id="W1",
            request=cls.scene.request,
            agent=cls.scene.cast.maria,
            started_at=at(WEDNESDAY, 7),
            ended_at=at(WEDNESDAY, 8),
            mode="remote",
            category="configuration",
            product=cls.scene.cast.accounting,
            now=at(WEDNESDAY, 8),
        )

    def setUp(self):
        self.client.force_login(self.scene.cast.maria.user)

    def test_every_page_opens_for_staff(self):
        for name, args in [
            ("appointments", []),
            ("sessions", []),
            ("work", [self.work.pk]),
        ]:
            response = self.client.get(reverse(f"service:{name}", args=args))
            assert response.status_code == 200, name
        # Claims are decided by managers.
        assert self.client.get(reverse("service:claims")).status_code == 403
        self.client.force_login(add_staff(self.scene.cast, "nadia", "manager").user)
        assert self.client.get(reverse("service:claims")).status_code == 200

    def test_a_customer_login_is_turned_away(self):
        self.client.force_login(get_user_model().objects.create_user("petya"))
        assert self.client.get(reverse("service:claims")).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_the_login(self):
        self.client.logout()
        assert self.client.get(reverse("service:sessions")).status_code == 302

    def test_staff_book_a_visit_in_local_time(self):
        day = next_wednesday_after_now()
        response = self.client.post(
            reverse("service:book_appointment"),
            {
                "request": self.scene.request.pk,
                "consent": self.consent.pk,
                "agent": self.scene.cast.maria.pk,
                "day": day.isoformat(),
                "starts": "09:00",
                "ends": "11:00",
                "city": "Sofia",
                "address": "1 Vitosha Blvd",
            },
            follow=True,
        )
        visit = Appointment.objects.get()
        assert visit.starts_at.astimezone(visit.starts_at.tzinfo).date() == day
        assert "1 Vitosha Blvd" in response.content.decode()

    def test_a_refused_booking_shows_the_reason_and_books_nothing(self):
        response = self.client.post(
            reverse("service:book_appointment"),
            {
                "request": self.scene.request.pk,
                "consent": self.consent.pk,
                "agent": self.scene.cast.maria.pk,
                "day": next_wednesday_after_now().isoformat(),
                "starts": "09:00",
                "ends": "11:00",
                "city": "Plovdiv",
            },
            follow=True,
        )
        assert "Plovdiv" in response.content.decode()
        assert Appointment.objects.count() == 0

    def test_a_visit_booked_or_moved_to_year_9999_or_0001_is_refused_naming_the_day(self):
        booking = {
            "request": self.scene.request.pk,
            "consent": self.consent.pk,
            "agent": self.scene.cast.maria.pk,
            "starts": "09:00",
            "ends": "11:00",
            "city": "Sofia",
        }
        url = reverse("service:book_appointment")
        for day in ("9999-03-03", "0001-01-01", "1989-12-31"):
            response = self.client.post(url, {**booking, "day": day})
            # The form comes back with what was typed and the reason at the field.
            assert response.status_code == 400
            assert "Give a date between 1990-01-01 and 2099-12-31." in response.content.decode()
        assert Appointment.objects.count() == 0
        self.client.post(
            reverse("service:book_appointment"),
            {**booking, "day": next_wednesday_after_now().isoformat()},
        )
        visit = Appointment.objects.get()
        before = (visit.starts_at, visit.ends_at)
        response = self.client.post(
            reverse("service:reschedule_appointment", args=[visit.pk]),
            {"day": "9999-12-31", "starts": "09:00", "ends": "10:00"},
            follow=True,
        )
        assert response.status_code == 200
        assert "day: Give a date between 1990-01-01 and 2099-12-31." in response.content.decode()
        visit.refresh_from_db()
        assert (visit.starts_at, visit.ends_at) == before

    def test_a_consent_of_another_request_is_not_found_and_the_form_keeps_what_was_typed(self):
        other = consent(self.scene.zoltan, self.scene.zeta_request)
        response = self.client.post(
            reverse("service:book_appointment"),
            {
                "request": self.scene.request.pk,
                "consent": other.pk,
                "agent": self.scene.cast.maria.pk,
                "day": next_wednesday_after_now().isoformat(),
                "starts": "09:00",
                "ends": "11:00",
                "city": "Sofia",
            },
        )
        assert response.status_code == 400
        form = response.context["form"]
        assert "consent" in form.errors
        assert form["city"].value() == "Sofia"
        assert Appointment.objects.count() == 0

    def test_consent_on_the_phone_then_a_session_whose_code_is_shown_once(self):
        self.client.post(
            reverse("service:record_consent"),
            {
                "request": self.scene.request.pk,
                "contact": self.scene.petya.pk,
                "terms_version": "2026-01",
                "price_list_version": PRICE_LIST,
            },
        )
        given = Consent.objects.latest("id")
        assert given.recorded_by == self.scene.cast.maria.user
        assert given.ip_address == "127.0.0.1"
        response = self.client.post(
            reverse("service:start_session"),
            {"consent": given.pk, "agent": self.scene.cast.maria.pk},
            follow=True,
        )
        page = response.content.decode()
        session = RemoteSession.objects.get(consent=given)
        assert session.status == SessionStatus.WAITING
        assert "(shown once)" in page
        again = self.client.get(reverse("service:sessions")).content.decode()
        assert "(shown once)" not in again

    def test_staff_connect_with_the_code_and_end_the_session(self):
        session, code = do_start_remote_session(
            acting_user=None, consent=self.consent, agent=self.scene.cast.maria
        )
        self.client.post(
            reverse("service:attach_tool", args=[session.pk]),
            {"code": code, "tool": "anydesk", "tool_session_id": "123 456 789"},
        )
        self.client.post(reverse("service:end_session", args=[session.pk]))
        session.refresh_from_db()
        assert (session.status, session.tool) == (SessionStatus.ENDED, "anydesk")

    def test_staff_reject_a_claim_after_a_visit_and_the_travel_is_charged(self):
        self.client.force_login(add_staff(self.scene.cast, "nadia", "manager").user)
        do_confirm_work(acting_user=None, work=self.work, now=at(WEDNESDAY, 9))
        claim = do_file_claim(
            acting_user=None,
            work=self.work,
            contact=self.scene.petya,
            description="Still broken",
            now=at(WEDNESDAY, 10),
        )
        self.client.post(
            reverse("service:reject_claim", args=[claim.pk]),
            {"note": "Unrelated hardware fault", "visited_on_site": "on"},
        )
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.REJECTED
        assert TravelCharge.objects.filter(claim=claim).count() == 1

    def test_deciding_a_decided_claim_is_refused_in_the_staff_members_language(self):
        self.client.force_login(add_staff(self.scene.cast, "nadia", "manager").user)
        do_confirm_work(acting_user=None, work=self.work, now=at(WEDNESDAY, 9))
        claim = do_file_claim(
            acting_user=None,
            work=self.work,
            contact=self.scene.petya,
            description="Still broken",
            now=at(WEDNESDAY, 10),
        )
        self.client.post(reverse("service:accept_claim", args=[claim.pk]), follow=True)
        self.client.cookies["django_language"] = "el"
        response = self.client.post(
            reverse("service:reject_claim", args=[claim.pk]), {"note": "Too late"}, follow=True
        )
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.ACCEPTED
        assert [str(m) for m in response.context["messages"]] == [
            "Το παράπονο είναι σε κατάσταση «έγινε δεκτό»· δεν μπορεί να γίνει «απορρίφθηκε»."  # noqa: RUF001
        ]
        assert "cannot become" not in response.content.decode()

    def test_the_work_page_shows_the_complaint_deadline(self):
        do_confirm_work(acting_user=None, work=self.work, now=at(WEDNESDAY, 9))
        page = self.client.get(reverse("service:work", args=[self.work.pk])).content.decode()
        assert "2026-03-09 23:59" in page  # Sofia time
        assert "2026-03-18" in page

    def test_the_session_list_does_not_grow_in_queries_with_sessions(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("service:sessions"))
            return len(queries)

        do_start_remote_session(acting_user=None, consent=self.consent, agent=self.scene.cast.maria)
        one = count()
        for _ in range(3):
            do_start_remote_session(
                acting_user=None,
                consent=consent(self.scene.petya, self.scene.request),
                agent=self.scene.cast.ivan,
            )
        assert count() == one
