import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from supportledger.core.models import AuditEntry
from supportledger.customers import totp
from supportledger.customers.actions import do_confirm_second_factor, do_start_second_factor
from tests.portal.world import NOW, PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/portal/login/", {"email": email, "password": password}, **extra)


def visible_text(response):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return html


def test_a_contact_logs_in_with_email_and_password_and_sees_the_dashboard(client, world):
    response = log_in(client, "Anna@Alfa.example")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_login_rotates_the_session_key(client, world):
    client.get("/portal/login/")
    client.session["probe"] = 1
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    log_in(client, "anna@alfa.example")
    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(world.a.user.pk)


def test_logout_is_a_post_that_ends_the_session(client, world):
    log_in(client, "anna@alfa.example")
    key = client.session.session_key
    assert client.get("/portal/logout/").status_code == 405
    assert client.get("/portal/").status_code == 200
    response = client.post("/portal/logout/")
    assert response.status_code == 302
    assert client.session.session_key != key
    assert SESSION_KEY not in client.session
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/portal/").status_code == 302


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(client, world):
    wrong = log_in(client, "anna@alfa.example", "not the password")
    unknown = log_in(client, "nobody@nowhere.example", "not the password")
    assert wrong.status_code == unknown.status_code == 200

    def strip(r):
        return (
            visible_text(r).replace("anna@alfa.example", "X").replace("nobody@nowhere.example", "X")
        )

    assert strip(wrong) == strip(unknown)


def test_staff_without_a_contact_cannot_log_in_to_the_portal(client, world):
    world.agent.user.set_password(PASSWORD)
    world.agent.user.save()
    response = log_in(client, "olga")
    assert SESSION_KEY not in client.session
    assert "not right" in response.content.decode()


def test_five_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(
    client, world
):
    for _ in range(5):
        log_in(client, "anna@alfa.example", "wrong")
    response = log_in(client, "anna@alfa.example")
    assert SESSION_KEY not in client.session
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    log_in(client, "anna@alfa.example")
    assert client.session[SESSION_KEY] == str(world.a.user.pk)


def test_an_unknown_account_is_throttled_exactly_like_a_known_one(client, world):
    for _ in range(5):
        log_in(client, "nobody@nowhere.example", "wrong")
        log_in(client, "anna@alfa.example", "wrong")
    known = log_in(client, "anna@alfa.example", "wrong")
    unknown = log_in(client, "nobody@nowhere.example", "wrong")
    assert "Too many attempts" in known.content.decode()
    assert "Too many attempts" in unknown.content.decode()


def test_one_address_is_throttled_across_accounts(client, world):
    for n in range(20):
        log_in(client, f"guess{n}@alfa.example", "wrong")
    response = log_in(client, "anna@alfa.example")
    assert SESSION_KEY not in client.session
    assert "Too many attempts" in response.content.decode()
    other = log_in(client, "anna@alfa.example", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_a_few_failures_from_an_office_address_do_not_lock_out_its_other_people(client, world):
    for n in range(6):
        log_in(client, f"colleague{n}@alfa.example", "wrong")
    assert log_in(client, "anna@alfa.example").status_code == 302


def test_failure_rows_name_nobody_and_each_failure_is_logged(client, world):
    log_in(client, "anna@alfa.example", "wrong")
    names = list(AccessAttempt.objects.values_list("username", flat=True))
    names += list(AccessFailureLog.objects.values_list("username", flat=True))
    assert len(names) == 2
    assert all(len(name) == 64 and "alfa" not in name for name in names)


def test_a_lock_out_is_audited(client, world):
    for _ in range(6):
        log_in(client, "anna@alfa.example", "wrong")
    entry = AuditEntry.objects.filter(action="lock_out_login").latest("pk")
    assert entry.detail["path"] == "/portal/login/"
    assert "alfa" not in entry.detail["username"]


def test_with_a_second_factor_the_password_alone_does_not_log_in(client, world):
    factor = do_start_second_factor(acting_user=world.a.user, user=world.a.user, now=NOW)
    code = totp.code_at_step(totp._key(factor.secret), totp.step_of(NOW.timestamp()))
    do_confirm_second_factor(acting_user=world.a.user, user=world.a.user, code=code, now=NOW)
    response = log_in(client, "anna@alfa.example")
    assert response["Location"] == "/portal/login/code/"
    assert SESSION_KEY not in client.session
    assert client.get("/portal/").status_code == 302
    # The code just used to confirm cannot be used again; the next one can.
    assert SESSION_KEY not in client.session
    client.post("/portal/login/code/", {"code": code})
    assert SESSION_KEY not in client.session
    later = NOW + timedelta(seconds=30)
    next_code = totp.code_at_step(totp._key(factor.secret), totp.step_of(later.timestamp()))
    client.post("/portal/login/code/", {"code": next_code})
    assert client.session[SESSION_KEY] == str(world.a.user.pk)


def test_wrong_one_time_codes_are_throttled(client, world):
    factor = do_start_second_factor(acting_user=world.a.user, user=world.a.user, now=NOW)
    code = totp.code_at_step(totp._key(factor.secret), totp.step_of(NOW.timestamp()))
    do_confirm_second_factor(acting_user=world.a.user, user=world.a.user, code=code, now=NOW)
    log_in(client, "anna@alfa.example")
    for _ in range(5):
        client.post("/portal/login/code/", {"code": "000000"})
    response = client.post("/portal/login/code/", {"code": "111111"})
    assert SESSION_KEY not in client.session
    assert response.status_code in (200, 302)


def test_next_leads_only_inside_the_portal(client, world):
    response = client.post(
        "/portal/login/",
        {"email": "anna@alfa.example", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/portal/"
    client.post("/portal/logout/")
    response = client.post(
        "/portal/login/",
        {"email": "anna@alfa.example", "password": PASSWORD, "next": "/portal/ideas/"},
    )
    assert response["Location"] == "/portal/ideas/"


def test_every_portal_form_requires_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "anna@alfa.example").status_code == 403
    client.force_login(world.a.user)
    assert client.post("/portal/language/", {"language": "pl"}).status_code == 403
    assert client.post("/portal/logout/").status_code == 403


def test_a_contact_sets_up_the_second_factor_in_the_account_page_and_turns_it_off(client_a, world):
    from supportledger.customers.models import SecondFactor

    client_a.post("/portal/account/second-factor/start/")
    html = client_a.get("/portal/account/").content.decode()
    factor = SecondFactor.objects.get(user=world.a.user)
    assert factor.secret in html
    assert factor.confirmed_at is None
    key = totp._key(factor.secret)
    code = totp.code_at_step(key, totp.step_of(NOW.timestamp()))
    client_a.post("/portal/account/second-factor/confirm/", {"code": code})
    factor.refresh_from_db()
    assert factor.confirmed_at == NOW
    assert factor.secret not in client_a.get("/portal/account/").content.decode()
    client_a.post("/portal/account/second-factor/off/", {"code": code})  # used already
    assert SecondFactor.objects.filter(user=world.a.user).exists()
    later = totp.code_at_step(key, totp.step_of(NOW.timestamp()) + 1)
    client_a.post("/portal/account/second-factor/off/", {"code": later})
    assert not SecondFactor.objects.filter(user=world.a.user).exists()
