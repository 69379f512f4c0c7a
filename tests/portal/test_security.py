"""Settings and headers: check --deploy passes in production, GET never
writes, every response carries the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from supportledger.customers.verification import make_verification_token
from supportledger.desk.models import Attachment
from supportledger.portal.views.downloads import signed_download_path
from tests.portal.walk import changes, portal_urls, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        # Not the browser tests' permission for sync calls from an event loop.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SUPPORTLEDGER_HTTPS": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "support.example.com",
        "SUPPORTLEDGER_SITE_URL": "https://support.example.com",
        "SUPPORTLEDGER_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    command = Path(sys.executable).parent / "supportledger"
    result = subprocess.run(
        [str(command), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_fails_without_https_settings(tmp_path):
    """The test above proves something: the same check fails over plain HTTP."""
    env = {
        **os.environ,
        "SUPPORTLEDGER_HTTPS": "0",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SUPPORTLEDGER_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    command = Path(sys.executable).parent / "supportledger"
    result = subprocess.run(
        [str(command), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stdout + result.stderr


def a_values(world):
    a = world.a
    return {
        "idea_id": a.idea.pk,
        "invoice_id": world.b_invoice.pk,  # A has none: B's still must not write
        "request_id": a.request.pk,
        "work_id": a.work[0].pk,
        "attachment_id": Attachment.objects.get(request=a.request).pk,
        "signed": signed_download_path(a.contact.pk, a.old_release.pk)
        .rstrip("/")
        .rsplit("/", 1)[-1],
        "uidb64": urlsafe_base64_encode(force_bytes(a.user.pk)),
        "token": default_token_generator.make_token(a.user),
        "verification": make_verification_token(a.contact.pk, a.contact.email),
        "kind": "en16931",
    }


def test_no_portal_url_changes_anything_on_get(client, world):
    values = a_values(world)
    for logged_in in (True, False):
        for url in portal_urls():
            if logged_in:
                client.force_login(world.a.user)
            else:
                client.logout()
            before = snapshot()
            response = client.get(url.path(values))
            assert response.status_code < 500, url.name
            assert changes(before, snapshot()) == {}, url.name
            if url.form_ids:
                assert response.status_code in (404, 405), url.name


def test_pages_carry_the_security_headers(client_a):
    response = client_a.get("/portal/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, world):
    client.post(
        "/portal/login/", {"email": "anna@alfa.example", "password": "Correct-horse-42-battery"}
    )
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_portal_uses_no_inline_script_or_style(client_a):
    for path in ("/portal/", "/portal/downloads/", "/portal/ideas/", "/portal/account/"):
        html = client_a.get(path).content.decode()
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html
