"""The console is the one staff front door: its bar links every staff page
of every area, marks the page being read, and a refused action is shown on
the page it sends the member back to."""

import re

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.desk.actions.requests import do_open_request
from tests.cast import SET_UP_AT, build_cast, switch_on_features

STAFF_PAGES = [
    "console:queue",
    "console:my_timers",
    "console:response_targets",
    "console:new_request",
    "customers:list",
    "intake:mail_list",
    "service:appointments",
    "service:sessions",
    "service:claims",
    "billing:invoices",
    "billing:orders",
    "billing:run_billing",
]


def bar_links(html: str) -> list[str]:
    bar = html.split('<header class="top">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', bar)


def current_link(html: str) -> list[str]:
    bar = html.split('<header class="top">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"[^>]*aria-current="page"', bar)


class TheConsoleBar(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        switch_on_features("claims")  # every page the bar can link
        # An administrator: the bar shows a member only the pages the role
        # matrix lets them reach, and an administrator reaches every one.
        cls.admin = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("ada"),
            role=StaffRole.ADMINISTRATOR,
            products=[cls.cast.accounting, cls.cast.payroll],
            now=SET_UP_AT,
        )

    def setUp(self):
        self.client.force_login(self.admin.user)

    def test_every_staff_page_links_every_other_from_the_bar(self):
        paths = [reverse(name) for name in STAFF_PAGES]
        for path in paths:
            response = self.client.get(path)
            assert response.status_code == 200, path
            links = bar_links(response.content.decode())
            assert [p for p in paths if p not in links] == [], path

    def test_the_bar_marks_the_page_being_read(self):
        for name in STAFF_PAGES:
            path = reverse(name)
            html = self.client.get(path).content.decode()
            assert current_link(html) == [path], name

    def test_a_refused_action_is_shown_on_the_page_the_member_is_sent_back_to(self):
        request = do_open_request(
            acting_user=None,
            customer=self.cast.acme,
            subject="Printer jams",
            category="consultation",
            channel="phone",
            now=SET_UP_AT,
        )
        response = self.client.post(
            reverse("console:change_status", args=[request.pk]), {"to": "closed"}, follow=True
        )
        flash = re.findall(r'<li class="error">([^<]+)</li>', response.content.decode())
        assert len(flash) == 1
        assert "closed" in flash[0]
        request.refresh_from_db()
        assert request.status == "new"
        assert not AuditEntry.objects.filter(action="change_request_status").exists()

    def test_a_month_the_run_form_cannot_read_is_named_with_the_reason(self):
        response = self.client.post(reverse("billing:run_billing"), {"period": "2026-13"})
        page = response.content.decode()
        assert "period: Give a month as YYYY-MM, e.g. 2026-03." in page
        assert 'value="2026-13"' in page


class TheBarReachesTheOutboxCaughtMailAndTheSeller(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        switch_on_features("claims")  # every page the bar can link

    def test_agents_see_the_mail_pages_and_only_administrators_the_seller(self):
        self.client.force_login(self.cast.maria.user)
        page = self.client.get("/console/").content.decode()
        assert 'href="/console/outbox/"' in page
        assert 'href="/console/caught-mail/"' in page
        assert 'href="/console/seller/"' not in page
        boss = get_user_model().objects.create_user("boss")
        do_add_staff_member(acting_user=None, user=boss, role=StaffRole.ADMINISTRATOR)
        self.client.force_login(boss)
        assert 'href="/console/seller/"' in self.client.get("/console/").content.decode()
