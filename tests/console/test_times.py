"""Every time on a staff page is the vendor's wall clock (the policy's time
zone, Sofia for the cast), and the page says which zone that is."""

from datetime import date

from django.test import TestCase

from tests.cast import at, build_cast, open_request

MARCH_4 = date(2026, 3, 4)


class TimesOnStaffPages(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.request = open_request(cls.cast.acme, "Printer")
        # Opened at 07:00 UTC, 09:00 in Sofia.
        type(cls.request).objects.filter(pk=cls.request.pk).update(created_at=at(MARCH_4, 7))

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def test_no_staff_page_prints_the_time_in_utc_and_each_names_its_zone(self):
        pages = [
            "/console/?status=all",
            f"/console/requests/{self.request.pk}/",
            f"/console/customers/{self.cast.acme.pk}/",
        ]
        for url in pages:
            html = self.client.get(url).content.decode()
            assert "Times in Europe/Sofia" in html, url
            assert "9:00" in html, url
            assert "07:00" not in html, url
            assert "7:00 AM" not in html, url
            assert ":00:00" not in html, url  # no seconds

    def test_pages_outside_the_console_keep_utc(self):
        from django.utils import timezone

        self.client.get("/console/")
        assert timezone.get_current_timezone_name() == "UTC"
