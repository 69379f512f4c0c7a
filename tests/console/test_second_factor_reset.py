"""Resetting a staff second factor: one's own after the password and a
current code, then a new key is enrolled; an administrator resets another
staff member's. Every reset is audited."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from supportledger.core import clock
from supportledger.core.models import AuditEntry
from supportledger.customers import totp
from supportledger.customers.actions import do_confirm_second_factor, do_start_second_factor
from supportledger.customers.models import SecondFactor
from tests.cast import add_staff, build_cast

pytestmark = pytest.mark.django_db
PASSWORD = "a long staff password"
T0 = clock.now()


def _code(secret: str, at) -> str:
    return totp.code_at_step(totp._key(secret), totp.step_of(at.timestamp()))


def _staff(cast, name: str, role: str, *, factor: bool):
    user = add_staff(cast, name, role).user
    user.set_password(PASSWORD)
    user.save()
    if factor:
        started = do_start_second_factor(acting_user=user, user=user, now=T0)
        do_confirm_second_factor(
            acting_user=user, user=user, code=_code(started.secret, T0), now=T0
        )
    return user


def _signed_in(user, at) -> Client:
    """Signed in with the password and a code of the step after ``at``."""
    client = Client()
    client.post("/console/login/", {"username": user.username, "password": PASSWORD})
    secret = SecondFactor.objects.get(user=user).secret
    with mock.patch("supportledger.core.clock.now", return_value=at):
        client.post(reverse("console:login_code"), {"code": _code(secret, at)})
    assert client.get("/console/").status_code == 200
    return client


@pytest.fixture
def cast():
    return build_cast()


def test_staff_reset_their_own_second_factor_after_the_password_and_a_current_code(cast):
    agent = _staff(cast, "anna", "agent", factor=True)
    client = _signed_in(agent, T0 + timedelta(seconds=30))
    old_secret = SecondFactor.objects.get(user=agent).secret
    url = reverse("console:reset_second_factor")
    assert "Password" in client.get(url).content.decode()
    later = T0 + timedelta(seconds=60)
    with mock.patch("supportledger.core.clock.now", return_value=later):
        # A wrong password with the right code, then the right password with a wrong code.
        for body in (
            {"password": "wrong", "code": _code(old_secret, later)},
            {"password": PASSWORD, "code": "000000"},
        ):
            response = client.post(url, body)
            assert response.status_code == 200
            assert "The password or the code is not right." in response.content.decode()
        assert SecondFactor.objects.get(user=agent).secret == old_secret
        response = client.post(url, {"password": PASSWORD, "code": _code(old_secret, later)})
    assert response["Location"] == reverse("console:second_factor")
    assert not SecondFactor.objects.filter(user=agent).exists()
    entry = AuditEntry.objects.get(action="reset_second_factor")
    assert entry.actor == agent
    assert entry.detail["by_self"] is True
    assert entry.detail["user"] == agent.pk
    # The set-up page shows a new key; its code turns it on.
    page = client.get(reverse("console:second_factor"))
    new_secret = page.context["secret"]
    assert new_secret != old_secret
    client.post(reverse("console:second_factor"), {"code": _code(new_secret, clock.now())})
    assert SecondFactor.objects.get(user=agent, confirmed_at__isnull=False).secret == new_secret
    assert client.get("/console/").status_code == 200


def test_wrong_answers_to_the_reset_are_throttled_like_wrong_codes(cast):
    agent = _staff(cast, "anna", "agent", factor=True)
    client = _signed_in(agent, T0 + timedelta(seconds=30))
    url = reverse("console:reset_second_factor")
    for _attempt in range(5):
        client.post(url, {"password": "guess", "code": "123456"})
    response = client.post(url, {"password": "guess", "code": "123456"})
    assert response.status_code == 429
    assert SecondFactor.objects.filter(user=agent).exists()


def test_an_administrator_resets_another_staff_members_second_factor_and_it_is_audited(cast):
    boss = _staff(cast, "boss", "administrator", factor=False)
    agent = _staff(cast, "anna", "agent", factor=True)
    client = Client()
    client.post("/console/login/", {"username": "boss", "password": PASSWORD})
    page = client.get(reverse("console:staff_second_factors")).content.decode()
    assert "anna" in page
    response = client.post(reverse("console:reset_staff_second_factor", args=[agent.pk]))
    assert response.status_code == 302
    assert not SecondFactor.objects.filter(user=agent).exists()
    entry = AuditEntry.objects.get(action="reset_second_factor")
    assert (entry.actor, entry.detail["user"], entry.detail["by_self"]) == (boss, agent.pk, False)
    # Anna signs in with her password alone and may set up a new key.
    again = Client()
    again.post("/console/login/", {"username": "anna", "password": PASSWORD})
    assert again.get("/console/").status_code == 200


def test_an_administrator_cannot_reset_their_own_factor_without_the_password_and_code(cast):
    boss = _staff(cast, "boss", "administrator", factor=True)
    client = _signed_in(boss, T0 + timedelta(seconds=30))
    response = client.post(reverse("console:reset_staff_second_factor", args=[boss.pk]))
    assert response["Location"] == reverse("console:reset_second_factor")
    assert SecondFactor.objects.filter(user=boss).exists()
    assert not AuditEntry.objects.filter(action="reset_second_factor").exists()


def test_agents_and_managers_cannot_reset_another_staff_members_factor(cast):
    agent = _staff(cast, "anna", "agent", factor=True)
    for role in ("agent", "manager"):
        other = _staff(cast, f"other-{role}", role, factor=False)
        client = Client()
        client.post("/console/login/", {"username": other.username, "password": PASSWORD})
        assert client.get(reverse("console:staff_second_factors")).status_code == 403
        response = client.post(reverse("console:reset_staff_second_factor", args=[agent.pk]))
        assert response.status_code == 403
    assert SecondFactor.objects.filter(user=agent).exists()
