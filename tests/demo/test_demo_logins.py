from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_demo_administrator_opens_the_staff_console_queue(client):
    call_command("demo", preset="prepaid_hours_bg", stdout=StringIO())
    assert client.login(username="admin", password="admin")
    response = client.get("/console/")
    assert response.status_code == 200
    assert b"REQ-" in response.content
