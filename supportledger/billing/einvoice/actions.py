"""Writes of national e-invoice documents: kept at issue, sent by a
connector, answered by the tax service. Each write is audited."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from supportledger.billing.einvoice.connectors import ConnectorUnavailable, connector_for
from supportledger.billing.einvoice.national import (
    FORMATS,
    NationalDocumentRefused,
    national_document,
)
from supportledger.billing.einvoice.signals import national_document_pending
from supportledger.billing.models import (
    Invoice,
    NationalDocument,
    NationalDocumentStatus,
)
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction

logger = logging.getLogger(__name__)

# Transport failures are retried after 1, 2, 4 … minutes, at most 6 hours apart.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


def keep_national_document(invoice: Invoice, *, at: datetime) -> NationalDocument | None:
    """Inside the issuing transaction: build and store the seller country's
    document of ``invoice``; ``pending`` when a connector is configured
    (sent after commit), else ``kept``. An invoice whose document cannot be
    built (another currency without a rate) is issued all the same, and the
    reason audited."""
    country = str(invoice.vendor.get("country", "")).upper()
    if country not in FORMATS:
        return None
    original_mark = ""
    if invoice.credits_id:
        original = NationalDocument.objects.filter(invoice_id=invoice.credits_id).first()
        original_mark = original.reference if original and original.status == "accepted" else ""
    try:
        name, xml = national_document(
            invoice, generated_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"), original_mark=original_mark
        )
    except NationalDocumentRefused as refused:
        write_audit(
            acting_user=None,
            action=AuditAction.NATIONAL_DOCUMENT_NOT_MADE,
            obj=invoice,
            at=at,
            detail={"code": refused.code, "reason": str(refused)},
        )
        return None
    configured = country in settings.EINVOICE_CONNECTORS
    document = NationalDocument.objects.create(
        invoice=invoice,
        country=country,
        format=name,
        xml=xml.decode("utf-8"),
        status=NationalDocumentStatus.PENDING if configured else NationalDocumentStatus.KEPT,
        next_attempt_at=at if configured else None,
        created_at=at,
    )
    if configured:
        transaction.on_commit(
            lambda: national_document_pending.send(sender=NationalDocument, document_id=document.pk)
        )
    return document


def _claim(document_id: int, at: datetime) -> NationalDocument | None:
    """Take a due pending document, pushing its next attempt out by the
    back-off first, so a second worker does not send it at the same time
    and a worker that dies mid-send leaves it to be retried."""
    with transaction.atomic():
        document = (
            NationalDocument.objects.select_for_update()
            .filter(pk=document_id, status=NationalDocumentStatus.PENDING)
            .first()
        )
        if document is None or (document.next_attempt_at and document.next_attempt_at > at):
            return None
        delay = min(FIRST_RETRY * (2**document.attempts), LONGEST_RETRY)
        document.attempts += 1
        document.next_attempt_at = at + delay
        document.save(update_fields=["attempts", "next_attempt_at"])
        return document


def do_submit_national_document(
    *, acting_user: User | None, document_id: int, now: datetime | None = None
) -> NationalDocument | None:
    """Send one pending document through its country's connector and record
    the answer. The call to the service is outside any transaction; the
    answer is written in one. Returns None when it was not due."""
    at = now or clock.now()
    document = _claim(document_id, at)
    if document is None:
        return None
    connector = connector_for(document.country, settings.EINVOICE_CONNECTORS)
    if connector is None:
        return document
    try:
        receipt = connector.submit(
            document.xml.encode("utf-8"), now=at, reference=document.reference
        )
    except ConnectorUnavailable as error:
        logger.warning("%s of invoice %s not sent: %s", document.format, document.invoice_id, error)
        NationalDocument.objects.filter(pk=document.pk).update(last_error=str(error)[:2000])
        return document
    if receipt.accepted is None:
        # Taken, not yet decided: the next attempt asks for the verdict.
        NationalDocument.objects.filter(pk=document.pk).update(
            reference=receipt.reference, last_error=""
        )
        document.reference = receipt.reference
        return document
    with transaction.atomic():
        document = NationalDocument.objects.select_for_update().get(pk=document.pk)
        document.status = (
            NationalDocumentStatus.ACCEPTED if receipt.accepted else NationalDocumentStatus.REJECTED
        )
        document.reference = receipt.reference
        document.last_error = "; ".join(receipt.errors)
        document.sent_at = at
        document.next_attempt_at = None
        document.save()
        write_audit(
            acting_user=acting_user,
            action=(
                AuditAction.NATIONAL_DOCUMENT_ACCEPTED
                if receipt.accepted
                else AuditAction.NATIONAL_DOCUMENT_REJECTED
            ),
            obj=document.invoice,
            at=at,
            detail={
                "format": document.format,
                "reference": receipt.reference,
                "errors": list(receipt.errors),
            },
        )
    return document


def do_submit_due_national_documents(*, now: datetime | None = None) -> int:
    """Send every pending document whose attempt is due; returns how many
    were answered by the service."""
    at = now or clock.now()
    due = NationalDocument.objects.filter(
        status=NationalDocumentStatus.PENDING, next_attempt_at__lte=at
    ).values_list("pk", flat=True)
    answered = 0
    for pk in list(due):
        document = do_submit_national_document(acting_user=None, document_id=pk, now=at)
        if document is not None and document.status != NationalDocumentStatus.PENDING:
            answered += 1
    return answered
