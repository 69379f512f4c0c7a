from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from tests.cast import build_cast, open_request


class ConsoleIsForStaffOnly(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_request(cls.cast.acme)
        cls.outsider = get_user_model().objects.create_user("outsider", password="x")

    def test_an_anonymous_visitor_is_sent_to_the_console_login(self):
        response = self.client.get(reverse("console:queue"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("console:login"))

    def test_a_logged_in_user_without_a_staff_row_gets_403(self):
        self.client.force_login(self.outsider)
        for url in (
            reverse("console:queue"),
            reverse("console:request", args=[self.request.pk]),
            reverse("console:response_targets"),
        ):
            assert self.client.get(url).status_code == 403

    def test_a_staff_member_sees_the_queue_the_request_and_the_targets(self):
        self.client.force_login(self.cast.maria.user)
        assert self.client.get(reverse("console:queue")).status_code == 200
        page = self.client.get(reverse("console:request", args=[self.request.pk]))
        assert page.status_code == 200
        assert self.request.reference in page.content.decode()
        assert self.client.get(reverse("console:response_targets")).status_code == 200
        assert self.client.get(reverse("console:new_request")).status_code == 200

    def test_the_login_page_logs_staff_in(self):
        user = self.cast.maria.user
        user.set_password("pw")
        user.save()
        response = self.client.post(
            reverse("console:login"), {"username": "maria", "password": "pw"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("console:queue")


class ConsoleSpeaksTheStaffMembersLanguage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_the_queue_is_in_bulgarian_for_a_bulgarian_browser(self):
        self.client.force_login(self.cast.maria.user)
        page = self.client.get(reverse("console:queue"), HTTP_ACCEPT_LANGUAGE="bg").content
        assert "Опашка" in page.decode()

    def test_the_language_menu_switches_to_polish(self):
        self.client.force_login(self.cast.maria.user)
        self.client.post("/i18n/setlang/", {"language": "pl", "next": "/console/"})
        assert "Kolejka" in self.client.get(reverse("console:queue")).content.decode()
