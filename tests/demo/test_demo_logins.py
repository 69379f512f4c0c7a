from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_demo_administrator_opens_the_staff_console_queue(client):
    call_command("demo", preset="prepaid_hours_bg", stdout=StringIO())
    login = client.post("/console/login/", {"username": "admin", "password": "admin"})
    assert login.status_code == 302
    response = client.get("/console/")
    assert response.status_code == 200
    assert b"REQ-" in response.content


@pytest.mark.django_db
def test_the_demo_prints_portal_logins_that_open_the_portal(client):
    out = StringIO()
    call_command("demo", preset="prepaid_hours_bg", stdout=out)
    printed = out.getvalue()
    assert "portal-demo-2026" in printed
    email = printed.split("pieces of work.")[1].split("\n")[1].split()[0]
    response = client.post(
        "/portal/login/", {"email": email, "password": "portal-demo-2026"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated
