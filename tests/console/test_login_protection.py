"""Staff logins: throttled by django-axes at /console/login/ and /admin/login/,
and a one-time code (the portal's TOTP) after the password."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse

from supportledger.core import clock
from supportledger.customers import totp
from supportledger.customers.actions import do_confirm_second_factor, do_start_second_factor
from tests.cast import add_staff, build_cast

pytestmark = pytest.mark.django_db
PASSWORD = "a long staff password"


@pytest.fixture
def boss():
    cast = build_cast()
    user = add_staff(cast, "boss", "administrator").user
    user.set_password(PASSWORD)
    user.save()
    user.cast = cast
    return user


def _code(factor) -> str:
    return totp.code_at_step(totp._key(factor.secret), totp.step_of(clock.now().timestamp()))


@pytest.mark.parametrize("login_url", ["/console/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_staff_account_even_against_the_right_one(login_url, boss):
    client = Client()
    for _ in range(4):
        assert client.post(login_url, {"username": "boss", "password": "wrong"}).status_code == 200
    fifth = client.post(login_url, {"username": "boss", "password": "wrong"})
    assert fifth.status_code == 429
    response = client.post(login_url, {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Another account from another address is not held up.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert other.post(login_url, {"username": "maria", "password": "x"}).status_code == 200


def test_only_administrators_get_the_admin(boss):
    client = Client()
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200
    manager = add_staff(boss.cast, "mgr", "manager").user
    for user in (boss.cast.maria.user, manager):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302, user  # to the admin's login
        assert response["Location"].startswith("/admin/login/")


def test_money_models_are_read_only_in_the_admin_even_for_an_administrator(boss):
    client = Client()
    client.force_login(boss)
    assert client.get("/admin/entitlements/entitlement/").status_code == 200
    assert client.get("/admin/entitlements/entitlement/add/").status_code == 403
    assert client.get("/admin/catalog/serviceprice/add/").status_code == 403
    assert client.get("/admin/entitlements/licence/add/").status_code == 403


def test_a_staff_member_with_a_second_factor_is_asked_for_a_code_after_the_password(boss):
    factor = do_start_second_factor(acting_user=boss, user=boss)
    do_confirm_second_factor(acting_user=boss, user=boss, code=_code(factor))
    client = Client()
    client.post("/console/login/", {"username": "boss", "password": PASSWORD})
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login_code"))
    assert client.get("/admin/").status_code == 302
    wrong = client.post(reverse("console:login_code"), {"code": "000000"})
    assert "The code is not right" in wrong.content.decode()
    factor.refresh_from_db()
    factor.last_step -= 1  # the code of this step was used to confirm; allow the next
    factor.save()
    client.post(reverse("console:login_code"), {"code": _code(factor)})
    assert client.get("/console/").status_code == 200


def test_without_production_settings_an_administrator_needs_no_second_factor(boss):
    client = Client()
    client.post("/console/login/", {"username": "boss", "password": PASSWORD})
    assert client.get("/console/").status_code == 200


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=True)
def test_in_production_an_administrator_must_set_up_a_second_factor_first(boss):
    client = Client()
    client.post("/console/login/", {"username": "boss", "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:second_factor"))
    page = client.get(response["Location"])
    secret = page.context["secret"]
    code = totp.code_at_step(totp._key(secret), totp.step_of(clock.now().timestamp()))
    done = client.post(reverse("console:second_factor") + "?next=/admin/", {"code": code})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
