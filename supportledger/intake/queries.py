"""Named reads of the intake."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from supportledger.mail.models import InboundMessage, InboundStatus, OutboundMail, OutboundStatus

NOT_ROUTED = (
    InboundStatus.QUARANTINED,
    InboundStatus.IGNORED_AUTO,
    InboundStatus.REJECTED_UNKNOWN_SENDER,
)


def list_inbound_messages(status: str | None = None) -> QuerySet[InboundMessage]:
    """Inbound messages newest first, without their raw bytes and bodies;
    ``status`` None = every message not routed (the quarantine view)."""
    rows = InboundMessage.objects.defer("raw", "body_text", "body_html").select_related("request")
    if status:
        return rows.filter(status=status)
    return rows.filter(status__in=NOT_ROUTED)


def get_inbound_message(pk: int) -> InboundMessage:
    """One inbound message, or 404."""
    return get_object_or_404(InboundMessage.objects.select_related("request", "routed_by"), pk=pk)


def count_quarantined() -> int:
    return InboundMessage.objects.filter(status=InboundStatus.QUARANTINED).count()


def list_undelivered_mail() -> QuerySet[OutboundMail]:
    """Outbound mail not delivered yet: waiting (after a failed attempt, or
    new) and given up, given-up first, then the oldest first. Without bodies."""
    return (
        OutboundMail.objects.filter(status__in=(OutboundStatus.PENDING, OutboundStatus.FAILED))
        .defer("body", "headers")
        .select_related("request")
        .order_by("-status", "queued_at", "id")
    )


def get_outbound_mail(pk: int) -> OutboundMail:
    """One outbound mail, or 404."""
    return get_object_or_404(OutboundMail, pk=pk)
