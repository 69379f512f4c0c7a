from datetime import timedelta

import pytest
from django.utils.html import escape

from supportledger.billing.explain import explain_rating
from supportledger.core import clock
from supportledger.core.models import AuditEntry
from supportledger.service.models import Claim, Consent, RemoteSession, WorkConfirmation
from tests.portal.world import NOW

pytestmark = pytest.mark.django_db


def test_the_requests_list_shows_only_the_customers_own(client_a, world):
    html = client_a.get("/portal/requests/").content.decode()
    assert world.a.request.subject in html
    assert world.b.request.subject not in html


def test_a_request_shows_each_pieces_charge_with_its_explanation(client_a, world):
    html = client_a.get(f"/portal/requests/{world.a.request.pk}/").content.decode()
    rating = world.a.work[0].ratings.get(current=True)
    assert len(rating.steps) == len(rating.explanation) > 0
    for line in explain_rating(rating, world.a.contact.language):
        assert escape(line) in html
    assert 'class="charge"' in html


def test_a_contact_confirms_work_and_then_files_a_claim_in_the_window(client_a, world):
    work = world.a.work[3]  # ended yesterday, not confirmed
    response = client_a.post(f"/portal/work/{work.pk}/confirm/")
    assert response.status_code == 302
    confirmation = WorkConfirmation.objects.get(work=work)
    assert confirmation.contact == world.a.contact
    assert not confirmation.automatic
    response = client_a.post(f"/portal/work/{work.pk}/claim/", {"description": "Still broken."})
    assert response.status_code == 302
    claim = Claim.objects.get(work=work)
    assert claim.contact == world.a.contact
    assert AuditEntry.objects.filter(action="file_claim", actor=world.a.user).exists()


def test_a_claim_after_the_window_is_refused_with_the_deadline(client_a, world, monkeypatch):
    work = world.a.work[3]
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=10))
    response = client_a.post(
        f"/portal/work/{work.pk}/claim/", {"description": "Still broken."}, follow=True
    )
    assert not Claim.objects.filter(work=work).exists()
    assert b"error" in response.content


def test_confirming_twice_changes_nothing(client_a, world):
    work = world.a.work[3]
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    assert WorkConfirmation.objects.filter(work=work).count() == 1


def test_a_contact_books_a_remote_session_with_consent_and_receives_the_code(client_a, world):
    html = client_a.get("/portal/remote/").content.decode()
    assert "olga" in html
    response = client_a.post(
        "/portal/remote/start/",
        {"request": world.a.request.pk, "consultant": world.agent.pk, "agree": "yes"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    consent = Consent.objects.get(contact=world.a.contact)
    assert consent.ip_address == "203.0.113.7"
    assert consent.price_list_version == "2000-01-01"  # the set-up price list
    session = RemoteSession.objects.get(consent=consent)
    assert session.agent == world.agent
    code = response.context["code"]
    assert code in response.content.decode()
    assert code.replace("-", "") not in session.code_hash
    assert "olga" in client_a.get("/portal/remote/").content.decode().split("Past sessions")[-1]


def test_no_session_without_consent(client_a, world):
    client_a.post(
        "/portal/remote/start/", {"request": world.a.request.pk, "consultant": world.agent.pk}
    )
    assert not Consent.objects.exists()
    assert not RemoteSession.objects.exists()


def test_outside_business_hours_no_consultant_is_on_duty(client_a, world, monkeypatch):
    sunday = NOW + timedelta(days=5)
    monkeypatch.setattr(clock, "now", lambda: sunday)
    html = client_a.get("/portal/remote/").content.decode()
    assert 'id="remote-form"' not in html
    client_a.post(
        "/portal/remote/start/",
        {"request": world.a.request.pk, "consultant": world.agent.pk, "agree": "yes"},
    )
    assert not Consent.objects.exists()


def test_starting_remote_help_refuses_whole_without_a_consultant_on_duty_or_consent(world):
    from supportledger.core.errors import ActionRefused
    from supportledger.service.actions.remote import do_start_customer_remote_session

    start = {
        "acting_user": world.a.user,
        "contact": world.a.contact,
        "request": world.a.request,
        "agent_id": world.agent.pk,
        "terms_version": "2026-1",
        "ip_address": "203.0.113.7",
    }
    with pytest.raises(ActionRefused) as off_duty:
        do_start_customer_remote_session(**start, agreed=True, now=NOW + timedelta(days=5))
    assert off_duty.value.code == "not_on_duty"
    with pytest.raises(ActionRefused) as no_consent:
        do_start_customer_remote_session(**start, agreed=False, now=NOW)
    assert no_consent.value.code == "no_consent"
    assert not Consent.objects.exists()
    assert not RemoteSession.objects.exists()
    session, code = do_start_customer_remote_session(**start, agreed=True, now=NOW)
    assert session.agent == world.agent
    assert session.consent.contact == world.a.contact
    assert code


def test_a_contact_opens_a_request_through_the_portal_with_a_file(client_a, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from supportledger.desk.models import Attachment, Request

    upload = SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n...", content_type="image/png")
    response = client_a.post(
        "/portal/requests/new/",
        {
            "subject": "Printing fails",
            "body": "The invoice printout is blank.",
            "category": "defect",
            "licence": world.a.licence.pk,
            "attachments": upload,
        },
    )
    opened = Request.objects.get(subject="Printing fails")
    assert response["Location"] == f"/portal/requests/{opened.pk}/"
    assert opened.customer == world.a.customer
    assert opened.contact == world.a.contact
    assert opened.channel == "portal"
    assert opened.product == world.product
    attachment = Attachment.objects.get(request=opened)
    html = client_a.get(f"/portal/requests/{opened.pk}/").content.decode()
    assert "The invoice printout is blank." in html
    download = client_a.get(f"/portal/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    # The same strict headers as the staff download: never rendered, never sniffed.
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"].startswith("private, no-store")


def test_a_reply_goes_into_the_thread(client_a, world):
    client_a.post(f"/portal/requests/{world.a.request.pk}/reply/", {"body": "Any news?"})
    html = client_a.get(f"/portal/requests/{world.a.request.pk}/").content.decode()
    assert "Any news?" in html


def test_a_refused_file_refuses_the_whole_request_and_says_why(client_a, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from supportledger.desk.models import Request

    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    response = client_a.post(
        "/portal/requests/new/",
        {"subject": "Tool", "body": "x", "category": "defect", "attachments": upload},
        follow=True,
    )
    assert not Request.objects.filter(subject="Tool").exists()
    assert "run.exe" in response.content.decode()


def test_an_empty_reply_is_refused(client_a, world):
    from supportledger.desk.models import Message

    count = Message.objects.count()
    client_a.post(f"/portal/requests/{world.a.request.pk}/reply/", {"body": "  "})
    assert Message.objects.count() == count


def test_a_filed_complaint_shows_on_the_request_page_instead_of_a_second_form(client_a, world):
    work = world.a.work[3]
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    page = f"/portal/requests/{work.request_id}/"
    assert f'action="/portal/work/{work.pk}/claim/"' in client_a.get(page).content.decode()
    client_a.post(f"/portal/work/{work.pk}/claim/", {"description": "Still broken."})
    claim = Claim.objects.get(work=work)
    html = client_a.get(page).content.decode()
    assert f'id="claim-{claim.pk}"' in html
    assert "Still broken." in html
    assert f'action="/portal/work/{work.pk}/claim/"' not in html


def test_filing_a_complaint_again_shows_the_one_already_filed(client_a, world):
    work = world.a.work[3]
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    client_a.post(f"/portal/work/{work.pk}/claim/", {"description": "Still broken."})
    response = client_a.post(
        f"/portal/work/{work.pk}/claim/", {"description": "Broken, again."}, follow=True
    )
    claim = Claim.objects.get(work=work)
    assert claim.description == "Still broken."
    assert response.redirect_chain[-1][0].endswith(f"#claim-{claim.pk}")
    html = response.content.decode()
    assert "Вече подадохте рекламация за тази работа" in html  # the contact reads Bulgarian
    assert "Broken, again." not in html


def test_the_complaints_page_lists_only_the_customers_own(client_a, client, world):
    work = world.a.work[3]
    client_a.post(f"/portal/work/{work.pk}/confirm/")
    client_a.post(f"/portal/work/{work.pk}/claim/", {"description": "Still broken."})
    html = client_a.get("/portal/claims/").content.decode()
    assert "Still broken." in html
    assert world.a.request.reference in html
    client.force_login(world.b.user)
    assert "Still broken." not in client.get("/portal/claims/").content.decode()
