"""Every page of the staff console and of the customer portal, in English and
in Bulgarian (and in English once more in dark mode), checked by axe-core in
real Chromium: no serious or critical accessibility violation, and nothing
the Content-Security-Policy blocks.

The pages are read from the URL resolver, so a page added later is walked
too; a page whose address needs an id gets one of the demo data's objects
(tests/e2e/demo_site.py), and an id the data has nothing for fails the test
by name. Actions (POST only: 405 to a GET) and files (PDF, XML, downloads)
are not pages. axe-core is fetched by ``make setup`` (scripts/ensure-axe-core).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from supportledger.customers.models import Contact
from tests.e2e.demo_site import ADMIN, build_demo_site

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_VERSION = "4.10.3"  # as scripts/ensure-axe-core fetches it
ROOT = Path(__file__).resolve().parents[2]
# (language, colour scheme): both languages, and the dark colours once.
WALKS = (("en", "light"), ("bg", "light"), ("en", "dark"))
# Logging out ends the session the walk is logged in with (a POST form
# anyway); a picker answers with a fragment of the form that holds it, which
# is checked as part of that form's page.
NOT_WALKED = {"console:logout", "portal:logout", "console:pick"}


def axe_source() -> str:
    path = Path(
        os.environ.get("AXE_CORE_JS") or ROOT / f".venv/share/axe-core-{AXE_VERSION}/axe.min.js"
    )
    assert path.is_file(), f"{path} is missing: run make setup (scripts/ensure-axe-core)"
    return path.read_text()


def allowed_methods(view) -> list[str] | None:
    """The methods a view's require_http_methods (require_POST, require_safe...)
    lets through, None when it names none."""
    while view is not None:
        closure = dict(zip(view.__code__.co_freevars, view.__closure__ or (), strict=True))
        if "request_method_list" in closure:
            return list(closure["request_method_list"].cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def routes(prefix: str) -> dict[str, str]:
    """{view name: route} of every named URL under ``prefix`` that answers a
    GET (actions taking only POST are left out)."""
    found: dict[str, str] = {}

    def walk(patterns, route: str, namespace: str) -> None:
        for entry in patterns:
            here = route + str(entry.pattern)
            if isinstance(entry, URLResolver):
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, here, space)
            elif isinstance(entry, URLPattern) and entry.name and here.startswith(prefix):
                methods = allowed_methods(entry.callback)
                if methods is None or "GET" in methods:
                    found[namespace + entry.name] = here

    walk(get_resolver().url_patterns, "", "")
    return found


def address(route: str, ids: dict[str, object]) -> str:
    """``route`` with each <converter:name> replaced by the object for the
    word before it; an id the data has no object for fails by name."""
    parts = route.split("/")
    for i, part in enumerate(parts):
        if part.startswith("<"):
            word = parts[i - 1] if i else ""
            if re.match(r"<(str:)?(uidb64|token|verification|signed)>", part):
                parts[i] = "x"  # a link from an e-mail: the page says it is not valid
                continue
            assert word in ids, f"no object in the demo data for <{part}> in {route}"
            parts[i] = str(ids[word])
    return "/" + "/".join(parts)


def serious(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def check(page, url: str, source: str, blocked: list[str]) -> list[str] | None:
    """axe's serious and critical findings on ``url``; None when it is no
    page (an action or a file)."""
    probe = page.request.get(url, max_redirects=5)
    if probe.status == 404 and "/downloads/file/" in url:
        return None  # a signed download link, made per release: a file, not a page
    assert probe.status == 200, f"{url} answered {probe.status}"
    if not probe.headers.get("content-type", "").startswith("text/html"):
        return None
    page.goto(url)
    page.evaluate(source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = serious(result["violations"])
    found += [f"blocked by the Content-Security-Policy: {b}" for b in blocked]
    blocked.clear()
    return found


def open_context(chromium, language: str, scheme: str, blocked: list[str]):
    context = chromium.new_context(locale="en-GB", color_scheme=scheme)
    context.add_cookies(
        [{"name": "django_language", "value": language, "domain": "localhost", "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return context, page


def walk(chromium, base: str, language: str, scheme: str, names, ids, log_in) -> dict:
    source = axe_source()
    blocked: list[str] = []
    findings: dict[str, list[str]] = {}
    walked = []
    # Logged out first (login, password reset...), then logged in.
    context, page = open_context(chromium, language, scheme, blocked)
    language = f"{language} {scheme}"
    for name in ("console:login", "portal:login", "portal:password_reset"):
        if name in names:
            found = check(page, base + address(names[name], ids), source, blocked)
            if found:
                findings[f"{language} {name} (logged out)"] = found
    log_in(page)
    for name, route in sorted(names.items()):
        if name in NOT_WALKED:
            continue
        url = base + address(route, ids)
        found = check(page, url, source, blocked)
        if found is None:
            continue
        walked.append(name)
        if found:
            findings[f"{language} {name} {url.removeprefix(base)}"] = found
    context.close()
    return {"findings": findings, "walked": walked}


def report(findings: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in findings.items())


def host(live_server) -> str:
    # Cookies are set for "localhost": reach the live server by that name.
    return live_server.url.replace("127.0.0.1", "localhost")


def test_every_console_and_portal_page_passes_axe_in_english_bulgarian_and_dark_mode(
    live_server, chromium
):
    site = build_demo_site()
    ids = site.ids()
    base = host(live_server)
    console = routes("console/")
    portal = routes("portal/")
    assert len(console) > 20
    assert len(portal) > 10

    def staff_log_in(page) -> None:
        page.goto(base + "/console/login/")
        page.fill("#id_username", ADMIN[0])
        page.fill("#id_password", ADMIN[1])
        page.click("main button[type=submit]")
        page.wait_for_url(base + "/console/")

    def contact_log_in(page) -> None:
        page.goto(base + "/portal/login/")
        page.fill("#email", site.contact.email)
        page.fill("#password", site.password)
        page.click("main form button[type=submit]")
        page.wait_for_url(base + "/portal/")

    findings: dict[str, list[str]] = {}
    for language, scheme in WALKS:
        Contact.objects.filter(pk=site.contact.pk).update(language=language)
        staff = walk(chromium, base, language, scheme, console, ids, staff_log_in)
        customer = walk(chromium, base, language, scheme, portal, ids, contact_log_in)
        findings |= staff["findings"] | customer["findings"]
        # The main pages were walked, not skipped as actions or files.
        for name in (
            "console:queue",
            "console:request",
            "customers:detail",
            "billing:invoice",
            "billing:billing_run",
            "service:work",
            "console:offer",
        ):
            assert name in staff["walked"], name
        for name in (
            "portal:dashboard",
            "portal:request",
            "portal:claims",
            "portal:remote",
            "portal:account",
            "portal:invoices",
        ):
            assert name in customer["walked"], name
    assert not findings, "accessibility violations:\n" + report(findings)
