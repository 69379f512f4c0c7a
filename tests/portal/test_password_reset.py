import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from tests.outbox import deliver_mail
from tests.portal.world import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Another-long-passphrase-77"


def request_reset(client, email):
    """Ask for a reset link, then let the worker deliver what was queued."""
    response = client.post("/portal/password-reset/", {"email": email})
    deliver_mail()
    return response


def link_in(mail):
    # Built from SUPPORTLEDGER_SITE_URL (default http://localhost:8000), not the Host header.
    return re.search(r"http://localhost:8000(/portal/password-reset/\S+/)", mail.body).group(1)


def test_a_reset_link_arrives_in_the_contacts_language_and_sets_a_new_password(
    client, world, mailoutbox
):
    response = request_reset(client, "anna@alfa.example")
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["anna@alfa.example"]
    assert "Здравейте" in mail.body  # Anna reads Bulgarian
    path = link_in(mail)
    assert client.get(path).status_code == 200
    response = client.post(path, {"password": NEW, "password_again": NEW})
    assert response.status_code == 200
    client.post("/portal/login/", {"email": "anna@alfa.example", "password": NEW})
    assert client.session[SESSION_KEY] == str(world.a.user.pk)


def test_a_reset_link_works_once(client, world, mailoutbox):
    request_reset(client, "anna@alfa.example")
    path = link_in(mailoutbox[0])
    client.post(path, {"password": NEW, "password_again": NEW})
    response = client.post(path, {"password": PASSWORD, "password_again": PASSWORD})
    assert "not valid any more" in response.content.decode()


def test_a_password_change_ends_the_other_sessions(client, world, mailoutbox):
    from django.test import Client

    other = Client()
    other.force_login(world.a.user)
    assert other.get("/portal/").status_code == 200
    request_reset(client, "anna@alfa.example")
    client.post(link_in(mailoutbox[0]), {"password": NEW, "password_again": NEW})
    assert other.get("/portal/").status_code == 302


def test_the_answer_is_the_same_for_an_unknown_address_and_no_mail_goes_out(
    client, world, mailoutbox
):
    known = request_reset(client, "anna@alfa.example")
    unknown = request_reset(client, "nobody@nowhere.example")
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert len(mailoutbox) == 1


def test_reset_requests_are_throttled_per_account_and_answer_the_same(client, world, mailoutbox):
    answers = [request_reset(client, "anna@alfa.example") for _ in range(5)]
    assert len(mailoutbox) == 3
    assert len({re.sub(r'value="[^"]*"', "", a.content.decode()) for a in answers}) == 1


def test_reset_requests_are_throttled_per_address(client, world, mailoutbox):
    for n in range(10):
        client.post("/portal/password-reset/", {"email": f"x{n}@nowhere.example"})
    request_reset(client, "anna@alfa.example")
    assert mailoutbox == []


def test_a_weak_password_is_refused_with_the_reason(client, world, mailoutbox):
    request_reset(client, "anna@alfa.example")
    response = client.post(link_in(mailoutbox[0]), {"password": "123", "password_again": "123"})
    assert response.status_code == 200
    assert "<form" in response.content.decode()
    world.a.user.refresh_from_db()
    assert world.a.user.check_password(PASSWORD)


def test_a_reset_answers_the_same_while_the_mail_server_is_down_and_the_link_follows(
    client, world, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens there
    known = client.post("/portal/password-reset/", {"email": "anna@alfa.example"})
    unknown = client.post("/portal/password-reset/", {"email": "nobody@nowhere.example"})
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert deliver_mail().failed == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from supportledger.mail.outbox import deliver_due_mail
    from tests.outbox import FAR_FUTURE

    deliver_due_mail(now=FAR_FUTURE + timedelta(hours=1))
    (mail,) = mailoutbox
    assert mail.to == ["anna@alfa.example"]


@override_settings(SITE_URL="https://support.example.com", ALLOWED_HOSTS=["evil.example"])
def test_a_reset_link_is_built_from_the_site_address_not_the_host_header(world, mailoutbox):
    client = Client(HTTP_HOST="evil.example")
    client.post("/portal/password-reset/", {"email": "anna@alfa.example"})
    deliver_mail()
    [mail] = mailoutbox
    assert "https://support.example.com/portal/password-reset/" in mail.body
    assert "evil.example" not in mail.body
