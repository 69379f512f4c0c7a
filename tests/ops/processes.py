"""Real processes for the operations tests: the ``supportledger`` command in
subprocesses with their own var directory, loopback ports, and a small
cookie-keeping HTTP client for the console."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
SUPPORTLEDGER = str(BIN / "supportledger")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def env_for(var_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "PROMETHEUS_", "DJANGO_"))
    }
    env.update(
        SUPPORTLEDGER_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run ``supportledger ARGS``; its stdout, or AssertionError with its output."""
    done = subprocess.run(
        [SUPPORTLEDGER, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"supportledger {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def shell(env: dict[str, str], code: str) -> str:
    return run_cli(env, "shell", "--verbosity", "0", "-c", code)


def wait_until(what: str, check: Callable[[], Any], timeout: float = 180) -> Any:
    """Poll ``check`` until it returns something truthy (exceptions count as
    not yet); its result."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:
            last = exc
        else:
            if result:
                return result
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what} (last: {last!r})")


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Browser:
    """A cookie-keeping HTTP client that fills in Django's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
        request = urllib.request.Request(self.base + path, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def post(self, path: str, data: dict[str, str], page: str | None = None) -> int:
        _status, html, _headers = self.get(page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, f"no CSRF token on {page or path}"
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(  # noqa: S310 - http on loopback
            self.base + path, data=body, headers={"Referer": self.base + (page or path)}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def postgres_admin(sql: str) -> None:
    """Run ``sql`` on the test server's maintenance database (autocommit)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def postgres_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    password = db.get("PASSWORD") or ""
    return f"postgres://{db['USER']}:{password}@{db['HOST']}:{db['PORT']}/{name}"
