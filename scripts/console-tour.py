"""Screenshots for docs/console-tour.md, taken with Playwright and the
machine's Chromium over the demo vendor (tests/e2e/demo_site.py): the queue,
a request page with its cost preview, a customer page, a billing run, the
portal's overview on a desktop and on a phone in dark mode.

    make tour        (or: .venv/bin/python scripts/console-tour.py [OUT_DIR])

Builds the demo in a throw-away SQLite database under a temporary
SUPPORTLEDGER_VAR_DIR, serves it on 127.0.0.1 for the length of the run and
writes PNG files into docs/images/ (or OUT_DIR). Nothing else is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["SUPPORTLEDGER_VAR_DIR"] = tempfile.mkdtemp(prefix="supportledger-tour-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from supportledger.customers.models import Contact  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.e2e.demo_site import ADMIN, build_demo_site  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> tuple[ThreadedWSGIServer, str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    site = build_demo_site(customers=8)
    Contact.objects.filter(pk=site.contact.pk).update(language="en")
    server, base = serve()
    shots: list[Path] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
            )
            desk = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860})
            page = desk.new_page()
            page.goto(base + "/console/login/")
            page.fill("#id_username", ADMIN[0])
            page.fill("#id_password", ADMIN[1])
            page.click("main button[type=submit]")
            page.wait_for_url(base + "/console/")

            def shot(name: str, path: str, full: bool = False, on=page) -> None:  # type: ignore[no-untyped-def]
                on.goto(base + path)
                target = out / f"{name}.png"
                on.screenshot(path=str(target), full_page=full)
                shots.append(target)

            shot("console-queue", "/console/")
            shot("console-request", f"/console/requests/{site.request.pk}/", full=True)
            shot("console-customer", f"/console/customers/{site.customer.pk}/", full=True)
            shot("console-billing-run", f"/console/billing/runs/{site.run_id}/")
            shot("console-invoice", f"/console/billing/invoices/{site.invoice.pk}/", full=True)
            desk.close()

            for name, options in (
                ("portal-overview", {"viewport": {"width": 1280, "height": 860}}),
                (
                    "portal-overview-phone-dark",
                    {
                        "viewport": {"width": 390, "height": 844},
                        "color_scheme": "dark",
                        "device_scale_factor": 2,
                        "is_mobile": True,
                    },
                ),
            ):
                customer = browser.new_context(locale="en-GB", **options)
                page = customer.new_page()
                page.goto(base + "/portal/login/")
                page.fill("#email", site.contact.email)
                page.fill("#password", site.password)
                page.click("main form button[type=submit]")
                page.wait_for_url(base + "/portal/")
                shot(name, "/portal/", full=True, on=page)
                if name == "portal-overview":
                    shot("portal-request", f"/portal/requests/{site.request.pk}/", True, page)
                customer.close()
            browser.close()
    finally:
        server.shutdown()
    for target in shots:
        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images")
