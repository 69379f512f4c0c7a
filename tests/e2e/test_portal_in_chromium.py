"""A customer's visit in real Chromium, in Bulgarian and in Greek: log in,
read a balance, open a request, book a remote session with consent, download
an entitled release, and be refused one from after support ended."""

import pytest
from django.core import signing

from supportledger.customers.models import Contact
from supportledger.desk.models import Request
from supportledger.portal.views.downloads import SALT
from supportledger.service.models import Consent, RemoteSession
from tests.portal import fixtures
from tests.portal.world import PASSWORD, build_world

frozen_now = fixtures.frozen_now
private_media = fixtures.private_media

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "bg": {
        "balance": "остават 13 от 20 часа",
        "opened": "е отворена",  # noqa: RUF001 - Bulgarian
        "code": "Кодът на вашата сесия",
        "locked": "Заключено: издадена след края на поддръжката ви",
        "requests": "Заявки",
        "remote": "Отдалечена помощ",
        "downloads": "Изтегляния",
    },
    "el": {
        "balance": "απομένουν 13 από 20 ώρες",
        "opened": "άνοιξε",
        "code": "Ο κωδικός της συνεδρίας σας",  # noqa: RUF001 - Greek
        "locked": "Κλειδωμένο: κυκλοφόρησε μετά τη λήξη της υποστήριξής σας",
        "requests": "Αιτήματα",
        "remote": "Απομακρυσμένη βοήθεια",
        "downloads": "Λήψεις",
    },
}


@pytest.mark.parametrize("language", ["bg", "el"])
def test_a_customer_visit_in_chromium(live_server, page, frozen_now, private_media, language):
    world = build_world()
    Contact.objects.filter(pk=world.a.contact.pk).update(language=language)
    words = WORDS[language]

    page.goto(live_server.url + "/portal/")
    page.wait_for_url("**/portal/login/**")
    page.fill("#email", "anna@alfa.example")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/portal/")
    assert page.locator("html").get_attribute("lang") == language

    # A balance, in the contact's language.
    voucher_row = page.locator("#entitlements tr", has_text=world.a.voucher.reference)
    assert words["balance"] in voucher_row.inner_text()
    assert page.locator("#burn-down rect").count() == 12

    # Open a request.
    page.click(f"header nav >> text={words['requests']}")
    page.click("#open-request summary")
    page.fill("#subject", "Printing fails")
    page.fill("#body", "The printout is blank.")
    page.select_option("#category", "defect")
    page.click("#open-request button[type=submit]")
    page.wait_for_url("**/portal/requests/*/")
    assert words["opened"] in page.locator(".messages").inner_text()
    opened = Request.objects.get(subject="Printing fails")
    assert opened.customer_id == world.a.customer.pk
    assert opened.channel == "portal"

    # Book a remote session with consent.
    page.click(f"header nav >> text={words['remote']}")
    page.check(f"input[name=consultant][value='{world.agent.pk}']")
    page.select_option("#request", str(opened.pk))
    page.check("#agree")
    page.click("#remote-form button[type=submit]")
    page.wait_for_selector("#session-code")
    assert words["code"] in page.locator("h1").inner_text()
    code = page.locator("#session-code").inner_text().strip()
    assert len(code.replace("-", "")) == 9
    consent = Consent.objects.get(contact=world.a.contact, request=opened)
    assert consent.ip_address == "127.0.0.1"
    assert RemoteSession.objects.filter(consent=consent).exists()

    # Download the entitled release (1.1).
    page.click(f"header nav >> text={words['downloads']}")
    with page.expect_download() as info:
        page.click("tr[data-version='1.1'] a.download")
    download = info.value
    assert download.suggested_filename.startswith("accounting-1.1")
    with open(download.path(), "rb") as f:
        assert f.read() == b"accounting 1.1 installer"

    # 2.0 came out after support ended: locked, and a forged link is refused.
    locked_row = page.locator("tr[data-version='2.0']")
    assert words["locked"] in locked_row.inner_text()
    assert locked_row.locator("a.download").count() == 0
    forged = signing.dumps(
        {"c": world.a.contact.pk, "r": world.a.new_release.pk}, salt=SALT, compress=True
    )
    response = page.goto(f"{live_server.url}/portal/downloads/file/{forged}/")
    assert response.status == 404
