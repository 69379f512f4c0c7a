"""The production files parse and start the right commands. (Docker is not
available where the suite runs, so the image is not built here; these
checks catch a renamed command, a floating base image or a root process.)"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((SYSTEMD / name).read_text())
    return parser


def test_the_image_is_pinned_runs_as_a_user_and_installs_the_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    # The default base (a build argument, so a stand-in can be built offline).
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", dockerfile, re.MULTILINE)
    base = re.search(r"^ARG BASE_IMAGE=(\S+)", dockerfile, re.MULTILINE).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users == ["supportledger"]
    assert "pip install --no-cache-dir ." in dockerfile
    for package in ("libpango-1.0-0", "postgresql-client", "gettext"):
        assert package in dockerfile
    assert re.search(r'^CMD \["supportledger", "serve"', dockerfile, re.MULTILINE)


def test_compose_runs_postgres_web_workers_mail_and_a_proxy_with_one_secret():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:15.")
    assert services["migrate"]["command"][:2] == ["supportledger", "migrate"]
    assert services["web"]["command"][:2] == ["supportledger", "serve"]
    assert services["worker"]["command"] == ["supportledger", "worker"]
    assert services["mail"]["command"][:2] == ["supportledger", "mail-in"]
    assert services["backup"]["command"] == ["supportledger", "backup"]
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+", services["proxy"]["image"])
    for name in ("migrate", "web", "worker", "mail", "backup"):
        env = services[name]["environment"]
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "private:/data/private" in services[name]["volumes"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a web 8000" in caddyfile
    assert "@internal path /metrics /readyz" in caddyfile


def test_systemd_units_start_the_same_commands():
    expected = {
        "supportledger-web@.service": "supportledger serve --bind 127.0.0.1:%i",
        "supportledger-worker@.service": "supportledger worker",
        "supportledger-mail.service": "supportledger mail-in",
        "supportledger-migrate.service": "supportledger migrate --noinput",
        "supportledger-backup.service": "supportledger backup",
    }
    for name, command in expected.items():
        parsed = unit(name)
        assert command in parsed["Service"]["ExecStart"], name
        assert parsed["Service"]["User"] == "supportledger", name
        assert parsed["Service"]["EnvironmentFile"] == "/etc/supportledger/supportledger.env"
    for name in ("supportledger-web@.service", "supportledger-worker@.service"):
        assert unit(name)["Unit"]["Requires"] == "supportledger-migrate.service"
    assert unit("supportledger-backup.timer")["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    env_keys = {
        line.split("=", 1)[0]
        for line in (SYSTEMD / "supportledger.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SUPPORTLEDGER_VAR_DIR"} <= env_keys
