"""Production refuses guessed settings; ``check --deploy`` passes only with the
documented production variables; SQLite keeps its options under any URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION = {
    "SUPPORTLEDGER_HTTPS": "1",
    "DEBUG": "0",
    "SECRET_KEY": "k3Vq9-production-secret-" + "x7Rz0pLw2" * 6,
    "ALLOWED_HOSTS": "support.example.com",
    "SUPPORTLEDGER_SITE_URL": "https://support.example.com",
}


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # The browser tests allow Django's sync calls from Playwright's event loop
    # for this test process; a production server never inherits that.
    left_out = {*PRODUCTION, "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {key: value for key, value in os.environ.items() if key not in left_out}
    base["SUPPORTLEDGER_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "supportledger.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DEPLOY_CHECK = ["check", "--deploy", "--fail-level", "WARNING"]


def test_the_deploy_check_passes_with_the_documented_production_variables(tmp_path):
    result = _run(DEPLOY_CHECK, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_without_them(tmp_path):
    result = _run(DEPLOY_CHECK, {}, tmp_path)
    assert result.returncode != 0
    assert "security.W" in result.stderr


def test_production_refuses_to_start_without_a_secret_key_or_with_any_host(tmp_path):
    no_key = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _run(["check"], no_key, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()
    any_host = _run(["check"], {**PRODUCTION, "ALLOWED_HOSTS": "*"}, tmp_path)
    assert any_host.returncode != 0
    assert "ALLOWED_HOSTS" in any_host.stderr


def test_a_sqlite_url_gets_wal_immediate_transactions_and_the_busy_timeout(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    probe = (
        "from django.conf import settings; from django.db import connection; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o['transaction_mode'], o['timeout']); "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = _run(["shell", "--verbosity", "0", "-c", probe], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["IMMEDIATE", "20", "wal"]
