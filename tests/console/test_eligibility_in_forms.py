"""The console's record-work and new-request forms follow the same
eligibility answer as the customer page, the API and the portal: work the
customer may not get is refused before anything is written; a request
opened for such work is opened with a warning."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.desk.models import Request, WorkEntry
from tests.portal.test_offers_per_preset import _walk

pytestmark = pytest.mark.django_db

SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def _console(product):
    boss = do_add_staff_member(
        acting_user=None,
        user=get_user_model().objects.create_user("boss"),
        role=StaffRole.MANAGER,
        products=[product],
    )
    client = Client()
    client.force_login(boss.user)
    return client


def _work(mode, started):
    return {"started_at": started, "minutes": 30, "mode": mode, "category": "consultation"}


def test_work_the_hungarian_customer_may_not_get_is_refused_and_nothing_is_written():
    with mock.patch("supportledger.core.clock.now", return_value=NEXT_MONDAY):
        _portal, _customer, product, request = _walk("warranty_year_hu")
        console = _console(product)
        url = reverse("console:record_work", args=[request.pk])
        onsite = console.post(url, _work("onsite", "2026-03-04 10:00"), follow=True)
        assert "is not available to this customer: The vendor does not offer this." in (
            onsite.content.decode()
        )
        saturday = console.post(url, _work("remote", "2026-03-07 10:00"), follow=True)
        assert "is not available to this customer" in saturday.content.decode()
        assert not WorkEntry.objects.exists()
        recorded = console.post(url, _work("remote", "2026-03-04 10:00"), follow=True)
        assert recorded.status_code == 200
        assert WorkEntry.objects.count() == 1


def test_a_request_opened_for_work_the_customer_may_not_get_is_opened_with_a_warning():
    with mock.patch("supportledger.core.clock.now", return_value=SATURDAY):
        _portal, customer, product, _request = _walk("warranty_year_hu")
        console = _console(product)
        opened = console.post(
            reverse("console:new_request"),
            {
                "customer": customer.pk,
                "product": product.pk,
                "channel": "phone",
                "category": "consultation",
                "priority": "normal",
                "subject": "Saturday call",
            },
            follow=True,
        )
    assert Request.objects.filter(subject="Saturday call").exists()
    assert "is not available to this customer" in opened.content.decode()
