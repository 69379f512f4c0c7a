"""The API answers a refusal in English unless the client asks for a language."""

import pytest

# Both tests are refused and write nothing: one world for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_world")]


def test_a_refusal_without_accept_language_is_english(api, world):
    request = world.a["request"].pk
    refused = api.post(f"/requests/{request}/messages", {"body_text": "   "}, key="m")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "body_text: the message is empty."


def test_a_client_asking_for_bulgarian_reads_the_refusal_in_bulgarian(api, world):
    request = world.a["request"].pk
    refused = api.client.post(
        f"/api/v1/requests/{request}/messages",
        '{"body_text": "   "}',
        content_type="application/json",
        headers={**api._headers("m"), "Accept-Language": "bg"},
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "body_text: съобщението е празно."  # noqa: RUF001
