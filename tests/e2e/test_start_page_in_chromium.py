import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_page_renders_in_chromium_and_leads_to_the_admin_login(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "supportledger"
    page.click("text=Administration")
    page.wait_for_url("**/admin/login/**")
    assert page.locator("input[name=username]").count() == 1
