"""One eligibility answer for the three doors: the console's customer page,
the API's ``/customers/{id}/eligibility`` and the portal's remote help all
ask ``desk.queries.get_service_eligibility`` and agree, for each preset, on
a working morning and on a Saturday (Hungary serves in business hours only)."""

import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from supportledger.api.actions import do_create_api_token
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.rules.presets import PRESET_NAMES
from supportledger.rules.types import MODES
from tests.portal.test_offers_per_preset import NOW, _walk

SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
REFUSED_IN_PORTAL = "Remote help is not available for this request under your support."


def _console_answers(html: str) -> dict[str, tuple[bool, str]]:
    section = html.split('id="may"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'data-mode="(\w+)" data-allowed="(yes|no)" data-code="(\w*)"', section)
    return {mode: (allowed == "yes", code) for mode, allowed, code in rows}


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESET_NAMES)
@pytest.mark.parametrize("when", [NOW, SATURDAY], ids=["wednesday", "saturday"])
def test_the_console_the_api_and_the_portal_give_one_answer(preset, when):
    with mock.patch("supportledger.core.clock.now", return_value=when):
        portal, customer, product, request = _walk(preset)
        boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role=StaffRole.MANAGER,
            products=[product],
        )
        token = do_create_api_token(acting_user=None, name="t", user=boss.user)
        api = Client().get(
            f"/api/v1/customers/{customer.pk}/eligibility",
            {"product": product.pk, "category": "consultation"},
            headers={"Authorization": f"Bearer {token.plaintext}"},
        )
        assert api.status_code == 200, api.content
        by_api = {m["mode"]: (m["allowed"], m["code"]) for m in api.json()["modes"]}
        console = Client()
        console.force_login(boss.user)
        page = console.get(
            f"/console/customers/{customer.pk}/",
            {"may_product": product.pk, "may_category": "consultation"},
        )
        assert page.status_code == 200
        by_console = _console_answers(page.content.decode())
        assert set(by_api) == set(MODES)
        assert by_console == by_api
        started = portal.post(
            "/portal/remote/start/",
            {"request": request.pk, "consultant": "0", "agree": "yes"},
            follow=True,
        )
        remote_allowed, remote_code = by_api["remote"]
        if started.status_code == 404:  # the vendor books no remote sessions in the portal
            assert preset in ("annual_maintenance_gr", "support_period_ru")
            assert not remote_allowed, (preset, remote_code)
        else:
            with translation.override(customer.language):
                message = escape(gettext(REFUSED_IN_PORTAL))
            refused = message in started.content.decode()
            assert refused == (not remote_allowed), (preset, when, by_api["remote"])
    if preset == "warranty_year_hu":
        expected = (True, "") if when == NOW else (False, "outside_business_hours")
        assert by_api["remote"] == expected


@pytest.mark.django_db
def test_a_customers_token_asks_only_about_its_own_customer():
    with mock.patch("supportledger.core.clock.now", return_value=NOW):
        _portal, customer, product, _request = _walk("prepaid_hours_bg")
        contact = customer.contacts.get()
        token = do_create_api_token(acting_user=None, name="own", contact=contact)
        own = Client().get(
            f"/api/v1/customers/{customer.pk}/eligibility",
            {"product": product.pk, "mode": "onsite", "category": "defect"},
            headers={"Authorization": f"Bearer {token.plaintext}"},
        )
        assert own.status_code == 200, own.content
        (onsite,) = own.json()["modes"]
        assert (onsite["mode"], onsite["currency"]) == ("onsite", "EUR")
        other = Client().get(
            f"/api/v1/customers/{customer.pk + 1}/eligibility",
            {"product": product.pk},
            headers={"Authorization": f"Bearer {token.plaintext}"},
        )
        assert other.status_code == 404
        wrong = Client().get(
            f"/api/v1/customers/{customer.pk}/eligibility",
            {"product": product.pk, "mode": "telepathy"},
            headers={"Authorization": f"Bearer {token.plaintext}"},
        )
        assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "mode")
