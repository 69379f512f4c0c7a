"""A national document made at issue is queued for sending as soon as the
issuing transaction commits: billing signals it, the jobs app queues it."""

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from supportledger.billing.models import NationalDocument
from tests.billing.test_einvoice_sending import _bill

CONNECTOR = {"GR": {"url": "http://127.0.0.1:9", "user_id": "u", "subscription_key": "k"}}


def queued(name: str) -> list[list]:
    return [
        row.args_kwargs["args"]
        for row in DBTaskResult.objects.all()
        if row.task_path.endswith(f".{name}")
    ]


@pytest.mark.django_db
def test_a_document_to_send_is_queued_once_the_issue_commits(django_capture_on_commit_callbacks):
    with override_settings(EINVOICE_CONNECTORS=CONNECTOR):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500").invoices[0]
        assert queued("submit_national_document") == []
        for callback in callbacks:
            callback()
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "pending"
    assert queued("submit_national_document") == [[document.pk]]


@pytest.mark.django_db
def test_a_document_only_kept_is_never_queued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500").invoices[0]
    assert NationalDocument.objects.get(invoice=invoice).status == "kept"
    assert queued("submit_national_document") == []
