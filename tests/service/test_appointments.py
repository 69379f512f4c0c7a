from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from icalendar import Calendar

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.service.actions.visits import (
    do_book_appointment,
    do_cancel_appointment,
    do_reschedule_appointment,
    send_appointment_reminders,
)
from supportledger.service.models import Appointment, AppointmentStatus
from tests.cast import SET_UP_AT, at
from tests.outbox import deliver_mail, delivering
from tests.service.scene import THURSDAY, WEDNESDAY, build_scene, consent


def invitation(message):
    (name, content, mimetype) = message.attachments[0]
    assert name == "invitation.ics"
    assert mimetype.startswith("text/calendar")
    raw = content.encode() if isinstance(content, str) else content
    return Calendar.from_ical(raw)


class BookingAVisit(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.consent = consent(cls.scene.petya, cls.scene.request)

    def book(self, start, end, **overrides):
        fields = {
            "acting_user": None,
            "request": self.scene.request,
            "agent": self.scene.cast.maria,
            "consent": self.consent,
            "starts_at": start,
            "ends_at": end,
            "city": "Sofia",
            "address": "1 Vitosha Blvd",
            "now": SET_UP_AT,
        }
        fields.update(overrides)
        with delivering():
            return do_book_appointment(**fields)

    def test_a_visit_in_sofia_in_business_hours_is_booked_and_audited(self):
        visit = self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 10))
        assert visit.status == AppointmentStatus.BOOKED
        entry = AuditEntry.objects.get(action="book_appointment", object_id=str(visit.pk))
        assert entry.detail["consent"] == self.consent.pk

    def test_the_city_is_matched_ignoring_case_and_accents(self):
        for index, city in enumerate(["SOFIA", "Sófia", "софия"]):
            start = at(WEDNESDAY, 6) + timedelta(hours=2 * index)
            self.book(start, start + timedelta(hours=1), city=city)
        assert Appointment.objects.count() == 3

    def test_a_visit_outside_the_service_area_is_refused_and_nothing_written(self):
        with pytest.raises(ActionRefused) as refused:
            self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9), city="Plovdiv")
        assert refused.value.code == "outside_service_area"
        assert "Plovdiv" in refused.value.message
        assert Appointment.objects.count() == 0
        assert len(mail.outbox) == 0

    def test_a_visit_running_past_closing_time_is_refused(self):
        # 13:00-15:00 UTC is 15:00-17:00 in Sofia; the desk closes at 16:00.
        with pytest.raises(ActionRefused) as refused:
            self.book(at(WEDNESDAY, 13), at(WEDNESDAY, 15))
        assert refused.value.code == "outside_business_hours"

    def test_a_visit_on_a_saturday_is_refused(self):
        saturday = WEDNESDAY + timedelta(days=3)
        with pytest.raises(ActionRefused) as refused:
            self.book(at(saturday, 7), at(saturday, 9))
        assert refused.value.code == "outside_business_hours"

    def test_a_visit_on_liberation_day_is_refused(self):
        holiday = WEDNESDAY - timedelta(days=1)  # 3 March, a public holiday in Bulgaria
        with pytest.raises(ActionRefused) as refused:
            self.book(at(holiday, 7), at(holiday, 9))
        assert refused.value.code == "outside_business_hours"

    def test_an_agent_cannot_be_booked_twice_for_overlapping_times(self):
        self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 10))
        with pytest.raises(ActionRefused) as refused:
            self.book(at(WEDNESDAY, 9), at(WEDNESDAY, 11))
        assert refused.value.code == "agent_double_booked"
        assert Appointment.objects.count() == 1

    def test_back_to_back_visits_and_another_agent_at_the_same_time_are_fine(self):
        self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9))
        self.book(at(WEDNESDAY, 9), at(WEDNESDAY, 11))
        self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9), agent=self.scene.cast.ivan)
        assert Appointment.objects.count() == 3

    def test_a_cancelled_visit_frees_the_slot(self):
        visit = self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9))
        with delivering():
            do_cancel_appointment(acting_user=None, appointment=visit, now=SET_UP_AT)
        self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9))
        assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1

    def test_a_consent_of_another_customer_is_refused(self):
        other = consent(self.scene.zoltan, self.scene.zeta_request)
        with pytest.raises(ActionRefused) as refused:
            self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9), consent=other)
        assert refused.value.code == "wrong_customer"

    def test_a_visit_in_the_past_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            self.book(at(WEDNESDAY, 7), at(WEDNESDAY, 9), now=at(THURSDAY, 7))
        assert refused.value.code == "invalid"


class TheConfirmationMail(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.consent = consent(cls.scene.petya, cls.scene.request)

    def setUp(self):
        with delivering():
            self.visit = do_book_appointment(
                acting_user=None,
                request=self.scene.request,
                agent=self.scene.cast.maria,
                consent=self.consent,
                starts_at=at(WEDNESDAY, 7),
                ends_at=at(WEDNESDAY, 10),
                city="Sofia",
                address="1 Vitosha Blvd",
                now=SET_UP_AT,
            )

    def test_goes_to_the_contact_in_bulgarian_with_the_local_time(self):
        (message,) = mail.outbox
        assert message.to == ["petya@acme.example"]
        assert "Посещение на място" in message.subject
        assert "09:00" in message.subject  # 07:00 UTC is 09:00 in Sofia
        assert "Europe/Sofia" in message.body

    def test_carries_an_ics_invitation_that_parses_back(self):
        calendar = invitation(mail.outbox[0])
        assert str(calendar["method"]) == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == at(WEDNESDAY, 7)
        assert event.decoded("dtend") == at(WEDNESDAY, 10)
        assert str(event["uid"]) == self.visit.uid
        assert str(event["location"]) == "1 Vitosha Blvd, Sofia"
        assert str(event["attendee"]) == "mailto:petya@acme.example"
        assert int(event["sequence"]) == 0
        assert self.scene.request.reference in str(event["summary"])

    def test_a_reschedule_sends_the_same_event_with_a_higher_sequence(self):
        with delivering():
            do_reschedule_appointment(
                acting_user=None,
                appointment=self.visit,
                starts_at=at(THURSDAY, 8),
                ends_at=at(THURSDAY, 9),
                now=SET_UP_AT,
            )
        (event,) = invitation(mail.outbox[1]).walk("VEVENT")
        assert str(event["uid"]) == self.visit.uid
        assert int(event["sequence"]) == 1
        assert event.decoded("dtstart") == at(THURSDAY, 8)
        assert AuditEntry.objects.filter(action="reschedule_appointment").count() == 1

    def test_a_reschedule_into_a_clash_is_refused(self):
        do_book_appointment(
            acting_user=None,
            request=self.scene.request,
            agent=self.scene.cast.maria,
            consent=self.consent,
            starts_at=at(THURSDAY, 8),
            ends_at=at(THURSDAY, 9),
            city="Sofia",
            now=SET_UP_AT,
        )
        with pytest.raises(ActionRefused) as refused:
            do_reschedule_appointment(
                acting_user=None,
                appointment=self.visit,
                starts_at=at(THURSDAY, 8, 30),
                ends_at=at(THURSDAY, 9, 30),
                now=SET_UP_AT,
            )
        assert refused.value.code == "agent_double_booked"

    def test_a_cancellation_sends_an_ics_cancel(self):
        with delivering():
            do_cancel_appointment(
                acting_user=None, appointment=self.visit, reason="Fixed remotely", now=SET_UP_AT
            )
        calendar = invitation(mail.outbox[1])
        assert str(calendar["method"]) == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert str(event["status"]) == "CANCELLED"
        assert int(event["sequence"]) == 1
        assert "Fixed remotely" in mail.outbox[1].body
        assert AuditEntry.objects.filter(action="cancel_appointment").count() == 1

    def test_a_cancelled_visit_cannot_be_cancelled_again(self):
        do_cancel_appointment(acting_user=None, appointment=self.visit, now=SET_UP_AT)
        with pytest.raises(ActionRefused) as refused:
            do_cancel_appointment(acting_user=None, appointment=self.visit, now=SET_UP_AT)
        assert refused.value.code == "invalid_transition"


class Reminders(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.consent = consent(cls.scene.petya, cls.scene.request)
        cls.visit = do_book_appointment(
            acting_user=None,
            request=cls.scene.request,
            agent=cls.scene.cast.maria,
            consent=cls.consent,
            starts_at=at(THURSDAY, 7),
            ends_at=at(THURSDAY, 9),
            city="Sofia",
            now=SET_UP_AT,
        )
        deliver_mail()  # the booking confirmation; each test starts with an empty outbox

    def remind(self, now):
        with delivering():
            return send_appointment_reminders(now)

    def test_no_reminder_more_than_a_day_ahead(self):
        assert self.remind(at(WEDNESDAY, 6)) == 0
        assert mail.outbox == []

    def test_the_reminder_goes_out_a_day_ahead_and_only_once(self):
        assert self.remind(at(WEDNESDAY, 7)) == 1
        assert self.remind(at(WEDNESDAY, 8)) == 0
        assert self.remind(at(THURSDAY, 6)) == 0
        (message,) = mail.outbox
        assert message.to == ["petya@acme.example"]
        assert "Напомняне" in message.subject
        assert invitation(message).walk("VEVENT")
        self.visit.refresh_from_db()
        assert self.visit.reminder_sent_at == at(WEDNESDAY, 7)
        assert AuditEntry.objects.filter(action="send_appointment_reminder").count() == 1

    def test_a_cancelled_visit_gets_no_reminder(self):
        do_cancel_appointment(acting_user=None, appointment=self.visit, now=SET_UP_AT)
        assert self.remind(at(WEDNESDAY, 8)) == 0

    def test_a_rescheduled_visit_is_reminded_again_for_its_new_time(self):
        self.remind(at(WEDNESDAY, 8))
        with delivering():
            do_reschedule_appointment(
                acting_user=None,
                appointment=self.visit,
                starts_at=at(THURSDAY + timedelta(days=1), 7),
                ends_at=at(THURSDAY + timedelta(days=1), 8),
                now=at(WEDNESDAY, 9),
            )
        mail.outbox.clear()
        assert self.remind(at(THURSDAY, 8)) == 1
        assert len(mail.outbox) == 1
