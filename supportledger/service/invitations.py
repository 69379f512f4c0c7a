"""The iCalendar (.ics, RFC 5545) invitation sent with an appointment mail.

Built with the ``icalendar`` package. One VEVENT per appointment; its UID
stays the same across reschedules and the SEQUENCE grows, so calendar
programs update the event instead of adding a second one. A cancelled
appointment goes out as ``METHOD:CANCEL`` with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from supportledger.service.models import Appointment, AppointmentStatus


def appointment_ics(appointment: Appointment, *, summary: str, stamp: datetime) -> bytes:
    """The invitation for ``appointment`` as bytes (UTF-8, CRLF lines).
    Times are written in UTC; calendar programs show them in local time."""
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//supportledger//service//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", summary)
    place = ", ".join(part for part in (appointment.address, appointment.city) if part)
    event.add("location", vText(place))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    event.add("organizer", organizer)
    contact = appointment.consent.contact
    attendee = vCalAddress(f"mailto:{contact.email}")
    attendee.params["cn"] = vText(contact.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
