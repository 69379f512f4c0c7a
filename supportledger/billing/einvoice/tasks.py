"""Background sending of national documents (the worker runs these)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from supportledger.billing.einvoice.actions import (
    do_submit_due_national_documents,
    do_submit_national_document,
)


@task()
def submit_national_document(document_id: int) -> dict[str, Any]:
    """Send one document right after the invoice is issued; after a
    transport failure the job enqueues itself again for the back-off time."""
    document = do_submit_national_document(acting_user=None, document_id=document_id)
    if document is not None and document.status == "pending" and document.next_attempt_at:
        submit_national_document.using(run_after=document.next_attempt_at).enqueue(document_id)
    return {"document": document_id, "status": document.status if document else "not due"}


@task()
def submit_due_national_documents() -> dict[str, Any]:
    """Retry the documents whose back-off has passed."""
    return {"answered": do_submit_due_national_documents()}
