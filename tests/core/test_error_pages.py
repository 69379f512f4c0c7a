import pytest
from django.contrib.auth import get_user_model


@pytest.mark.django_db
def test_a_logged_in_non_staff_user_gets_a_page_that_says_why_the_console_is_closed(client):
    user = get_user_model().objects.create_user("outsider", password="x")
    client.force_login(user)
    response = client.get("/console/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 403
    assert "Brak dostępu" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_address_gets_the_translated_not_found_page(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="el")
    assert response.status_code == 404
    assert "Δεν βρέθηκε" in response.content.decode()
