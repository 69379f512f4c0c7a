"""The appointment mail through a real SMTP server on loopback (aiosmtpd)."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from supportledger.service.actions.visits import do_book_appointment
from tests.cast import SET_UP_AT, at
from tests.outbox import deliver_mail
from tests.service.scene import WEDNESDAY, build_scene, consent

pytestmark = pytest.mark.slow


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_the_booking_confirmation_travels_over_smtp_with_its_invitation(smtp_server):
    scene = build_scene()
    visit = do_book_appointment(
        acting_user=None,
        request=scene.request,
        agent=scene.cast.maria,
        consent=consent(scene.petya, scene.request),
        starts_at=at(WEDNESDAY, 7),
        ends_at=at(WEDNESDAY, 10),
        city="Sofia",
        now=SET_UP_AT,
    )
    assert smtp_server.envelopes == []  # queued with the booking, sent by the worker
    deliver_mail()
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["petya@acme.example"]
    message = email.message_from_bytes(envelope.original_content)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invitation.ics"
    (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    assert str(event["uid"]) == visit.uid
    assert event.decoded("dtstart") == at(WEDNESDAY, 7)
