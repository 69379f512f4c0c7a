"""Managers add the vendor's working-day exceptions in the console (e.g. the
Saturdays the Hungarian decree of the year makes working days); every staff
member reads them; the business calendar follows at once."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from supportledger.core.models import AuditEntry, VendorPolicy
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.desk.queries import get_service_eligibility
from tests.portal.test_offers_per_preset import _walk

pytestmark = pytest.mark.django_db

SATURDAY = date(2027, 1, 9)
SATURDAY_MORNING = datetime(2027, 1, 9, 9, 0, tzinfo=UTC)  # 10:00 in Budapest


def _remote(customer, product):
    return get_service_eligibility(
        customer, mode="remote", category="consultation", product=product, at=SATURDAY_MORNING
    )


def test_a_manager_makes_a_saturday_a_working_day_and_the_calendar_follows():
    with mock.patch("supportledger.core.clock.now", return_value=datetime(2026, 12, 1, tzinfo=UTC)):
        _portal, customer, product, _request = _walk("warranty_year_hu")
        boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role=StaffRole.MANAGER,
            products=[product],
        )
        console = Client()
        console.force_login(boss.user)
        assert _remote(customer, product).code == "outside_business_hours"
        added = console.post(
            reverse("console:calendar_day"),
            {"day": SATURDAY.isoformat(), "kind": "working_day"},
            follow=True,
        )
        assert "2027-01-09 is now an extra working day." in added.content.decode()
        assert SATURDAY.isoformat() in VendorPolicy.objects.get(pk=1).extra_working_days
        assert _remote(customer, product).allowed
        entry = AuditEntry.objects.get(action="set_calendar_day")
        assert entry.actor == boss.user
        assert entry.detail == {"day": "2027-01-09", "kind": "working_day"}
        console.post(reverse("console:calendar_day"), {"day": "2027-01-09", "kind": "normal"})
        assert _remote(customer, product).code == "outside_business_hours"
        closures = VendorPolicy.objects.get(pk=1).closures
        wrong = console.post(
            reverse("console:calendar_day"), {"day": "9 January", "kind": "closure"}, follow=True
        )
        assert "day: Enter a valid date." in wrong.content.decode()
        assert VendorPolicy.objects.get(pk=1).closures == closures


def test_an_agent_reads_the_exceptions_but_cannot_change_them():
    with mock.patch("supportledger.core.clock.now", return_value=datetime(2026, 12, 1, tzinfo=UTC)):
        _portal, _customer, product, _request = _walk("warranty_year_hu")
        agent = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("agent"),
            role=StaffRole.AGENT,
            products=[product],
        )
        console = Client()
        console.force_login(agent.user)
        page = console.get(reverse("console:calendar")).content.decode()
        assert "Extra working days" in page
        assert 'id="calendar-day"' not in page
        refused = console.post(
            reverse("console:calendar_day"), {"day": "2027-01-09", "kind": "working_day"}
        )
        assert refused.status_code == 403
        assert "2027-01-09" not in VendorPolicy.objects.get(pk=1).extra_working_days
