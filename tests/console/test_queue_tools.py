"""The queue's tools: full-text search in six languages whatever the case
and accents, saved filters per agent, bulk assignment and status changes
through the actions with each refusal shown, merging a duplicate request,
canned replies kept by managers and inserted by agents.

The search tests run on SQLite and, through scripts/throwaway-postgres, on
PostgreSQL (the same search_text column and query on both)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.messages import get_messages
from django.test import TestCase
from django.urls import reverse

from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_contact
from supportledger.customers.models import StaffRole
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import (
    Attachment,
    CannedReply,
    Message,
    Request,
    SavedFilter,
    Status,
    WorkEntry,
)
from supportledger.desk.search import fold
from tests.cast import SET_UP_AT, add_staff, at, build_cast

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

SUBJECTS = {
    "en": "Invoice printing stopped",
    "bg": "Фактурите не се отпечатват",  # noqa: RUF001
    "hu": "Nem nyomtatja a számlákat",
    "el": "Πρόβλημα με την ενημέρωση της μισθοδοσίας",
    "ru": "Ошибка при обновлении справочника",
    "pl": "Błąd przy wystawianiu faktury w Krakowie",
}


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TheQueueSearch(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.requests = {}
        for language, subject in SUBJECTS.items():
            cls.requests[language] = do_open_request(
                acting_user=None,
                customer=cls.cast.acme,
                subject=subject,
                body="",
                category="consultation",
                channel="portal",
                now=SET_UP_AT,
            )
        do_post_message(
            acting_user=cls.cast.maria.user,
            request=cls.requests["en"],
            body_text="Die Druckerwarteschlange zeigt einen Ärger-Fehler.",
            now=SET_UP_AT + timedelta(minutes=5),
        )
        cls.zeta_request = do_open_request(
            acting_user=None,
            customer=cls.cast.zeta,
            subject="Something else",
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def found(self, term: str) -> set[int]:
        response = self.client.get(reverse("console:queue"), {"q": term, "status": "all"})
        assert response.status_code == 200
        return {row["pk"] for row in response.context["page"]}

    def test_each_language_is_found_whatever_the_case_and_accents(self):
        for language, term in (
            ("en", "INVOICE printing"),
            ("bg", "ФАКТУРИТЕ"),
            ("hu", "szamlakat"),  # számlákat without accents
            ("el", "ΕΝΗΜΕΡΩΣΗ μισθοδοσιας"),  # capitals and no tonos
            ("ru", "СПРАВОЧНИКА"),
            ("pl", "KRAKOWIE blad"),  # Błąd without the stroke
        ):
            assert self.found(term) == {self.requests[language].pk}, language

    def test_every_word_must_occur_somewhere(self):
        assert self.found("invoice nonexistentword") == set()

    def test_the_messages_are_searched_too(self):
        assert self.found("arger-fehler") == {self.requests["en"].pk}
        assert self.found("DRUCKERWARTESCHLANGE") == {self.requests["en"].pk}

    def test_the_customer_name_is_searched(self):
        zeta = fold(self.cast.zeta.organisation).split()[0].upper()
        assert self.zeta_request.pk in self.found(zeta)

    def test_a_reference_still_finds_its_request(self):
        assert self.found(f"REQ-{self.requests['ru'].pk}") == {self.requests["ru"].pk}

    def test_folding_drops_accents_and_case_in_latin_and_greek(self):
        assert fold("Błąd KRAKÓW Ελλάδα ΣΟΦΊΑ") == fold("blad krakow ελλαδα σοφια")
        assert fold("Számlákat") == "szamlakat"


class BulkChanges(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.first = cls.open("First")
        cls.second = cls.open("Second")
        cls.third = cls.open("Third")

    @classmethod
    def open(cls, subject):
        return do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            subject=subject,
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def test_bulk_assignment_assigns_each_ticked_request_through_the_action(self):
        response = self.client.post(
            reverse("console:queue_bulk"),
            {
                "requests": [self.first.pk, self.second.pk],
                "do": "assign",
                "assignee": str(self.cast.ivan.pk),
                "next": "status=all",
            },
        )
        assert response.status_code == 302
        assert response["Location"].endswith("?status=all")
        for request in (self.first, self.second):
            request.refresh_from_db()
            assert request.assignee == self.cast.ivan
            assert request.status == Status.OPEN
        self.third.refresh_from_db()
        assert self.third.assignee is None
        assert AuditEntry.objects.filter(action="assign_request").count() == 2

    def test_a_refused_status_change_is_named_per_request_and_the_others_go_through(self):
        self.client.post(
            reverse("console:queue_bulk"),
            {"requests": [self.first.pk], "do": "status", "to": "resolved"},
        )
        response = self.client.post(
            reverse("console:queue_bulk"),
            {"requests": [self.first.pk, self.second.pk], "do": "status", "to": "closed"},
        )
        shown = flashes(response)
        assert any(line.startswith(f"{self.second.reference}: status:") for line in shown), shown
        assert "1 requests changed." in shown
        self.first.refresh_from_db()
        self.second.refresh_from_db()
        assert self.first.status == Status.CLOSED
        assert self.second.status == Status.NEW

    def test_nothing_ticked_is_a_clear_error(self):
        response = self.client.post(reverse("console:queue_bulk"), {"do": "assign"})
        assert flashes(response) == ["Tick at least one request."]


class SavedFilters(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_an_agent_saves_a_filter_sees_it_in_the_queue_and_deletes_it(self):
        self.client.force_login(self.cast.maria.user)
        self.client.post(
            reverse("console:save_queue_filter"),
            {"name": "My urgent", "next": "assignee=me&priority=urgent&page=3"},
        )
        saved = SavedFilter.objects.get()
        assert saved.query == "assignee=me&priority=urgent"
        page = self.client.get(reverse("console:queue")).content.decode()
        assert 'href="?assignee=me&amp;priority=urgent">My urgent</a>' in page
        self.client.force_login(self.cast.ivan.user)
        assert "My urgent" not in self.client.get(reverse("console:queue")).content.decode()
        response = self.client.post(reverse("console:delete_queue_filter", args=[saved.pk]))
        assert response.status_code == 404
        self.client.force_login(self.cast.maria.user)
        self.client.post(reverse("console:delete_queue_filter", args=[saved.pk]))
        assert not SavedFilter.objects.exists()
        assert AuditEntry.objects.filter(action="save_queue_filter").count() == 1
        assert AuditEntry.objects.filter(action="delete_queue_filter").count() == 1

    def test_a_filter_without_a_name_is_refused_with_the_field(self):
        self.client.force_login(self.cast.maria.user)
        response = self.client.post(reverse("console:save_queue_filter"), {"name": " "})
        assert flashes(response) == ["name: give the filter a name."]
        assert not SavedFilter.objects.exists()


class MergingADuplicate(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        contact = do_add_contact(
            verified=True,
            acting_user=None,
            customer=cls.cast.acme,
            name="Ana",
            email="ana@acme.test",
            now=SET_UP_AT,
        )
        cls.original = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            contact=contact,
            subject="Printer",
            body="It does not print.",
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )
        cls.duplicate = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            contact=contact,
            subject="Printer again",
            body="Still nothing printed; screenshot attached.",
            category="consultation",
            channel="email",
            attachments=[("shot.png", "image/png", PNG)],
            now=SET_UP_AT + timedelta(hours=1),
        )
        cls.work = do_record_work(
            acting_user=None,
            work_id="DUP-1",
            request=cls.duplicate,
            agent=cls.cast.maria,
            started_at=at(SET_UP_AT.date() + timedelta(days=1), 8),
            ended_at=at(SET_UP_AT.date() + timedelta(days=1), 9),
            mode="remote",
            category="configuration",
            product=cls.cast.accounting,
            now=at(SET_UP_AT.date() + timedelta(days=1), 9),
        )
        cls.other_customers = do_open_request(
            acting_user=None,
            customer=cls.cast.zeta,
            subject="Zeta",
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def merge(self, duplicate, into):
        return self.client.post(
            reverse("console:merge_request", args=[duplicate.pk]), {"into": into}
        )

    def test_messages_work_and_attachments_move_and_the_duplicate_is_closed_with_a_link(self):
        response = self.merge(self.duplicate, self.original.reference)
        assert response["Location"] == reverse("console:request", args=[self.original.pk])
        self.duplicate.refresh_from_db()
        assert self.duplicate.status == Status.CLOSED
        assert self.duplicate.merged_into == self.original
        assert WorkEntry.objects.get(work_id="DUP-1").request == self.original
        assert Attachment.objects.get().request == self.original
        bodies = list(
            Message.objects.filter(request=self.original).values_list("body_text", flat=True)
        )
        assert "Still nothing printed; screenshot attached." in bodies
        assert f"{self.duplicate.reference} was merged into this request." in bodies
        assert list(
            Message.objects.filter(request=self.duplicate).values_list("body_text", flat=True)
        ) == [f"Merged into {self.original.reference}."]
        audit = AuditEntry.objects.get(action="merge_request")
        assert audit.detail == {"into": self.original.pk, "messages": 1, "work": 1}
        page = self.client.get(reverse("console:request", args=[self.duplicate.pk]))
        assert f"Merged into {self.original.reference}." in page.content.decode()
        # The merged request is found by the duplicate's words.
        queue = self.client.get(reverse("console:queue"), {"q": "screenshot", "status": "all"})
        assert {row["pk"] for row in queue.context["page"]} == {self.original.pk}

    def test_a_request_of_another_customer_is_refused_and_nothing_moves(self):
        response = self.merge(self.duplicate, str(self.other_customers.pk))
        assert flashes(response) == ["into: the requests belong to different customers."]
        self.duplicate.refresh_from_db()
        assert self.duplicate.merged_into is None
        assert WorkEntry.objects.get(work_id="DUP-1").request == self.duplicate

    def test_an_unknown_request_is_named(self):
        response = self.merge(self.duplicate, "REQ-999999")
        assert flashes(response) == ["into: no request REQ-999999."]

    def test_merging_twice_is_refused(self):
        self.merge(self.duplicate, self.original.reference)
        response = self.merge(self.duplicate, self.original.reference)
        assert flashes(response)[-1] == (
            f"{self.duplicate.reference} was already merged into {self.original.reference}."
        )


class CannedReplies(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.manager = add_staff(cls.cast, "mila", StaffRole.MANAGER)
        cls.request = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            subject="Help",
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )

    def test_a_manager_adds_a_reply_per_language_and_an_agent_inserts_it(self):
        self.client.force_login(self.manager.user)
        self.client.post(
            reverse("console:canned_replies"),
            {"title": "Restart", "language": "bg", "body": "Моля, рестартирайте услугата."},
        )
        reply = CannedReply.objects.get()
        assert reply.language == "bg"
        response = self.client.post(
            reverse("console:canned_replies"),
            {"title": "Restart", "language": "bg", "body": "Again"},
        )
        assert "title: a reply with this title exists in this language." in flashes(response)
        assert CannedReply.objects.count() == 1
        self.client.force_login(self.cast.maria.user)
        assert self.client.get(reverse("console:canned_replies")).status_code == 403
        page = self.client.get(
            reverse("console:request", args=[self.request.pk]), {"canned": reply.pk}
        ).content.decode()
        assert "[bg] Restart" in page
        assert ">Моля, рестартирайте услугата.</textarea>" in page
        assert AuditEntry.objects.filter(action="save_canned_reply").count() == 1

    def test_an_unknown_language_is_refused_with_the_field(self):
        self.client.force_login(self.manager.user)
        response = self.client.post(
            reverse("console:canned_replies"),
            {"title": "X", "language": "xx", "body": "text"},
        )
        assert response.status_code == 200
        assert "language: unknown language" in response.content.decode()
        assert not CannedReply.objects.exists()

    def test_a_manager_changes_a_reply(self):
        reply = CannedReply.objects.create(
            title="Bye", language="en", body="Thank you.", created_at=SET_UP_AT
        )
        self.client.force_login(self.manager.user)
        page = self.client.get(reverse("console:canned_replies"), {"edit": reply.pk})
        assert f'name="reply" value="{reply.pk}"' in page.content.decode()
        self.client.post(
            reverse("console:canned_replies"),
            {"reply": reply.pk, "title": "Bye", "language": "en", "body": "Thank you, bye."},
        )
        reply.refresh_from_db()
        assert reply.body == "Thank you, bye."
        assert CannedReply.objects.count() == 1

    def test_a_manager_deletes_a_reply(self):
        reply = CannedReply.objects.create(
            title="Bye", language="en", body="Thank you.", created_at=SET_UP_AT
        )
        self.client.force_login(self.manager.user)
        self.client.post(reverse("console:delete_canned_reply", args=[reply.pk]))
        assert not CannedReply.objects.exists()
        assert AuditEntry.objects.filter(action="delete_canned_reply").count() == 1


def test_the_request_rows_keep_their_search_text_through_the_actions(db):
    cast = build_cast()
    request = do_open_request(
        acting_user=None,
        customer=cast.acme,
        subject="Ünnepi Nyitvatartás",
        body="Első üzenet",
        category="consultation",
        channel="portal",
        now=SET_UP_AT,
    )
    do_post_message(acting_user=None, request=request, body_text="Δεύτερο ΜΗΝΥΜΑ", now=SET_UP_AT)  # noqa: RUF001
    text = Request.objects.get(pk=request.pk).search_text
    assert "unnepi nyitvatartas" in text
    assert "elso uzenet" in text
    assert "δευτερο μηνυμα" in text
    assert fold(cast.acme.organisation) in text
