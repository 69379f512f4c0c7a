"""A refused portal form comes back with what the customer typed and the
reason beside it (HTTP 400), instead of an empty form and a message at the
top of another page: opening a request, replying, filing a complaint."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from supportledger.core import clock
from supportledger.desk.models import Message, Request
from supportledger.service.models import Claim
from tests.portal.world import NOW

pytestmark = pytest.mark.django_db

DESCRIPTION = "The VAT report prints blank pages since the update of 30 November."


def test_a_request_refused_for_its_file_keeps_subject_category_licence_and_description(
    client_a, world
):
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    typed = {
        "subject": "Blank VAT report",
        "body": DESCRIPTION,
        "category": "defect",
        "licence": str(world.a.licence.pk),
    }
    response = client_a.post("/portal/requests/new/", {**typed, "attachments": upload})
    assert response.status_code == 400
    assert not Request.objects.filter(subject="Blank VAT report").exists()
    html = response.content.decode()
    assert 'id="open-request-error" role="alert"' in html
    assert "attachments: " in html  # the reason, in the contact's language, names the field
    assert 'value="Blank VAT report"' in html
    assert f">{DESCRIPTION}</textarea>" in html
    assert '<option value="defect" selected>' in html
    assert f'<option value="{world.a.licence.pk}" selected>' in html
    assert '<details id="open-request" open>' in html


def test_a_request_without_a_category_keeps_the_text(client_a):
    response = client_a.post(
        "/portal/requests/new/", {"subject": "Blank", "body": DESCRIPTION, "category": "nonsense"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override("bg"):  # the contact's language
        assert translation.gettext("Choose what the request is about.") in html
    assert f">{DESCRIPTION}</textarea>" in html


def test_a_refused_reply_keeps_its_text_beside_the_reason(client_a, world):
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    count = Message.objects.count()
    response = client_a.post(
        f"/portal/requests/{world.a.request.pk}/reply/",
        {"body": DESCRIPTION, "attachments": upload},
    )
    assert response.status_code == 400
    assert Message.objects.count() == count
    html = response.content.decode()
    assert 'id="reply-error" role="alert"' in html
    assert 'aria-describedby="reply-error"' in html
    assert f">{DESCRIPTION}</textarea>" in html


def test_a_refused_complaint_keeps_its_text_and_one_too_late_says_why(client_a, world, monkeypatch):
    work = world.a.work[3]  # ended yesterday, not confirmed
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    response = client_a.post(f"/portal/work/{work.pk}/claim/", {"description": "   "})
    assert response.status_code == 400
    assert not Claim.objects.filter(work=work).exists()
    html = response.content.decode()
    assert f'id="claim-{work.pk}-error" role="alert"' in html
    assert f'aria-describedby="claim-{work.pk}-error"' in html

    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=10))
    late = client_a.post(f"/portal/work/{work.pk}/claim/", {"description": DESCRIPTION})
    assert late.status_code == 400
    assert not Claim.objects.filter(work=work).exists()
    # The window is closed: no form any more, but the reason is on the page.
    assert f'id="claim-{work.pk}-error" role="alert"' in late.content.decode()
    assert f'action="/portal/work/{work.pk}/claim/"' not in late.content.decode()
