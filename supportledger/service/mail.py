"""Mail to the customer's contact about appointments, in the contact's
language, times in the vendor's time zone. Actions call
``queue_appointment_mail`` inside their transaction; the mail goes through
the outbox (``supportledger.mail.outbox``), never from the request."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from supportledger.core.queries import get_vendor_policy
from supportledger.mail.models import OutboundKind
from supportledger.mail.outbox import queue_message
from supportledger.service.invitations import appointment_ics
from supportledger.service.models import Appointment

APPOINTMENT_MAILS = ("booked", "rescheduled", "cancelled", "reminder")


def format_local(instant: datetime, timezone: str, language: str) -> str:
    """``instant`` as local date and time of ``timezone`` in ``language``'s
    short date format and 24-hour clock, with the zone name, e.g.
    ``04.03.2026 09:00 (Europe/Sofia)``."""
    local = instant.astimezone(ZoneInfo(timezone))
    with translation.override(language):
        day = formats.date_format(local, "SHORT_DATE_FORMAT")
    return f"{day} {local:%H:%M} ({timezone})"


def queue_appointment_mail(appointment: Appointment, *, kind: str, stamp: datetime) -> None:
    """Queue mail to the contact who consented about ``appointment``
    (``kind`` is one of ``APPOINTMENT_MAILS``), with the .ics invitation
    attached, in the caller's transaction."""

    if kind not in APPOINTMENT_MAILS:
        raise ValueError(f"unknown appointment mail {kind!r}")
    contact = appointment.consent.contact
    timezone = get_vendor_policy().timezone
    when = format_local(appointment.starts_at, timezone, contact.language)
    until = format_local(appointment.ends_at, timezone, contact.language)
    place = ", ".join(part for part in (appointment.address, appointment.city) if part)
    reference = appointment.request.reference
    with translation.override(contact.language):
        summary = _("On-site visit for %(reference)s") % {"reference": reference}
        subjects = {
            "booked": _("On-site visit booked: %(when)s"),
            "rescheduled": _("On-site visit moved to %(when)s"),
            "cancelled": _("On-site visit cancelled: %(when)s"),
            "reminder": _("Reminder: on-site visit %(when)s"),
        }
        openings = {
            "booked": _("Your on-site visit is booked."),
            "rescheduled": _("Your on-site visit has been moved to a new time."),
            "cancelled": _("Your on-site visit has been cancelled."),
            "reminder": _("This is a reminder of your on-site visit."),
        }
        lines = [
            _("Dear %(name)s,") % {"name": contact.name},
            "",
            openings[kind],
            "",
            _("Request: %(reference)s") % {"reference": reference},
            _("From: %(when)s") % {"when": when},
            _("Until: %(when)s") % {"when": until},
            _("Place: %(place)s") % {"place": place},
            _("Consultant: %(agent)s")
            % {"agent": appointment.agent.user.get_full_name() or appointment.agent.user.username},
        ]
        if kind == "cancelled" and appointment.cancel_reason:
            lines.append(_("Reason: %(reason)s") % {"reason": appointment.cancel_reason})
        if kind != "cancelled":
            lines += ["", _("The invitation for your calendar is attached.")]
        subject = subjects[kind] % {"when": when}
    queue_message(
        kind=OutboundKind.APPOINTMENT,
        to=contact.email,
        subject=subject,
        body="\n".join(lines) + "\n",
        language=contact.language,
        at=stamp,
        attachments=[
            (
                "invitation.ics",
                "text/calendar",
                appointment_ics(appointment, summary=summary, stamp=stamp),
            )
        ],
        request=appointment.request,
        contact=contact,
    )
