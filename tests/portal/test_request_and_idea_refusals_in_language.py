# ruff: noqa: RUF001  (Greek capital letters look like Latin ones)
"""A refusal reaches the portal's contact in the contact's language: the
reason inside the portal's message is translated, not the English of the
action. Beta's contact reads Greek."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from supportledger.core.errors import ActionRefused
from supportledger.desk.models import Message, Request
from supportledger.portal.actions import do_propose_idea
from supportledger.portal.models import Idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_b(world):
    client = Client()
    client.force_login(world.b.user)
    return client


def test_a_refused_file_is_explained_in_the_contacts_language(client_b):
    upload = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    page = client_b.post(
        "/portal/requests/new/",
        {"subject": "Tool", "body": "x", "category": "defect", "attachments": upload},
        follow=True,
    ).content.decode()
    assert not Request.objects.filter(subject="Tool").exists()
    assert (
        "Το αίτημα δεν άνοιξε: attachments: "
        "το run.exe είναι τύπου application/x-msdownload, που δεν γίνεται δεκτός."
    ) in page
    assert "which is not accepted" not in page


def test_an_empty_reply_is_refused_in_the_contacts_language(client_b, world):
    count = Message.objects.count()
    page = client_b.post(
        f"/portal/requests/{world.b.request.pk}/reply/", {"body": "  "}, follow=True
    ).content.decode()
    assert Message.objects.count() == count
    assert "Η απάντηση δεν στάλθηκε: body_text: το μήνυμα είναι κενό." in page
    assert "the message is empty" not in page


def test_an_idea_refusal_keeps_its_field_untranslated_and_the_portal_still_reads_it(
    client_b, world
):
    with translation.override("bg"), pytest.raises(ActionRefused) as refused:
        do_propose_idea(acting_user=None, contact=world.b.contact, title=" ", body="x")
    assert refused.value.code == "invalid"
    assert refused.value.message == "title: дайте заглавие на идеята."
    with translation.override("en"), pytest.raises(ActionRefused) as refused:
        do_propose_idea(acting_user=None, contact=world.b.contact, title=" ", body="x")
    assert refused.value.message == "title: give the idea a title."
    before = Idea.objects.count()
    page = client_b.post(
        "/portal/ideas/propose/", {"title": "", "body": "x"}, follow=True
    ).content.decode()
    assert Idea.objects.count() == before
    assert "Χρειάζονται και τίτλος και περιγραφή." in page
