"""Booking and moving a visit on the staff pages while the mail server is
down: the pages answer normally, the visit is saved once, and its mail
waits in the outbox until the server is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from supportledger.mail.models import OutboundKind, OutboundMail, OutboundStatus
from supportledger.mail.outbox import deliver_due_mail
from supportledger.service.models import Appointment
from tests.intake.smtp_fixtures import SinkHandler, free_port
from tests.outbox import FAR_FUTURE
from tests.service.scene import build_scene, consent
from tests.service.test_staff_pages import next_wednesday_after_now

pytestmark = pytest.mark.django_db


def test_booking_and_moving_a_visit_answer_normally_while_the_mail_server_is_down(client, settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    scene = build_scene()
    client.force_login(scene.cast.maria.user)
    day = next_wednesday_after_now()
    response = client.post(
        reverse("service:book_appointment"),
        {
            "request": scene.request.pk,
            "consent": consent(scene.petya, scene.request).pk,
            "agent": scene.cast.maria.pk,
            "day": day.isoformat(),
            "starts": "09:00",
            "ends": "11:00",
            "city": "Sofia",
            "address": "1 Vitosha Blvd",
        },
    )
    assert response.status_code == 302
    visit = Appointment.objects.get()
    response = client.post(
        reverse("service:reschedule_appointment", args=[visit.pk]),
        {"day": (day + timedelta(days=1)).isoformat(), "starts": "10:00", "ends": "12:00"},
    )
    assert response.status_code == 302
    assert Appointment.objects.count() == 1
    queued = OutboundMail.objects.filter(kind=OutboundKind.APPOINTMENT)
    assert queued.count() == 2
    assert deliver_due_mail(now=FAR_FUTURE).failed == 2

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert deliver_due_mail(now=FAR_FUTURE + timedelta(minutes=5)).sent == 2
        assert deliver_due_mail(now=FAR_FUTURE + timedelta(days=1)).sent == 0
    finally:
        controller.stop()
    assert len(handler.messages) == 2
    assert set(queued.values_list("status", flat=True)) == {OutboundStatus.SENT}
    for _sender, to, message in handler.messages:
        assert to == ["petya@acme.example"]
        assert any(part.get_content_type() == "text/calendar" for part in message.walk())
