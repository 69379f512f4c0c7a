"""The Dockerfile builds an image that runs: built with podman from a base
made here from Debian's packages (debootstrap: no registry is reachable),
then run against the test's PostgreSQL — migrations, the web server, its
health and readiness.

Needs podman, runc and debootstrap (installed from Debian when missing, as
scripts/throwaway-postgres installs PostgreSQL), root, and Debian's mirror
and PyPI. Slow: a few minutes for the base, a few for the image."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ops.processes import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/supportledger-base:bookworm"
IMAGE = "localhost/supportledger:test"
# The machine's certificate authorities, for pip inside the build.
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _run(*args: str, timeout: int = 1800, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, timeout=timeout, **kwargs)


def _ensure_tools() -> None:
    missing = [name for name in ("podman", "debootstrap", "runc") if shutil.which(name) is None]
    if missing:
        _run("apt-get", "install", "-y", "--no-install-recommends", *missing)


def _base_image(tmp: Path) -> None:
    """A bookworm with python 3.11 and pip, standing in for the official
    python image (the Dockerfile's BASE_IMAGE)."""
    present = subprocess.run(["podman", "image", "exists", BASE], check=False)
    if present.returncode == 0:
        return
    rootfs = tmp / "rootfs"
    _run(
        "debootstrap",
        "--variant=minbase",
        "--include=python3,python3-pip,python3-venv",
        "bookworm",
        str(rootfs),
        "http://deb.debian.org/debian",
    )
    (rootfs / "usr/local/bin/python").symlink_to("/usr/bin/python3")
    (rootfs / "usr/local/bin/pip").symlink_to("/usr/bin/pip3")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    _run(
        "podman",
        "import",
        "--change",
        "ENV PIP_BREAK_SYSTEM_PACKAGES=1",
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "-",
        BASE,
        stdin=tar.stdout,
    )
    tar.wait()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http, loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_image_builds_from_the_dockerfile_and_serves_against_postgresql(tmp_path):
    database_url = os.environ["DATABASE_URL"]
    _ensure_tools()
    _base_image(tmp_path)
    _run(
        "podman",
        "build",
        # No cgroup-managed runtime is needed for the RUN steps.
        "--isolation",
        "chroot",
        "--network",
        "host",
        "--volume",
        f"{CA_BUNDLE}:{CA_BUNDLE}:ro",
        "--build-arg",
        f"BASE_IMAGE={BASE}",
        "--tag",
        IMAGE,
        str(ROOT),
    )
    env = ["--env", f"DATABASE_URL={database_url}", "--env", "SECRET_KEY=container-test-key"]
    # runc (crun refuses this machine's hybrid cgroups), and limits the
    # sandbox allows a container to set.
    common = [
        "podman",
        "--runtime",
        "runc",
        "run",
        "--rm",
        "--network",
        "host",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        *env,
    ]
    migrated = _run(*common, IMAGE, "supportledger", "migrate", "--noinput", capture_output=True)
    assert migrated.returncode == 0
    port = free_port()
    name = f"supportledger-web-{port}"
    _run(
        *common[:5],
        "--detach",
        "--name",
        name,
        *common[5:],
        IMAGE,
        "supportledger",
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    )
    try:
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                time.sleep(1)
                continue
            if status == 200:
                break
        assert status == 200
        assert json.loads(body) == {"status": "ok"}
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        checks = json.loads(body)["checks"]
        # The image reaches the database and has every migration; no worker runs here.
        assert checks["database"]["ok"]
        assert checks["migrations"]["ok"]
        assert status == 503
        assert not checks["worker"]["ok"]
        user = _run(
            "podman", "--runtime", "runc", "exec", name, "id", "-un", capture_output=True, text=True
        ).stdout.strip()
        assert user == "supportledger"
    finally:
        subprocess.run(
            ["podman", "--runtime", "runc", "rm", "--force", name], check=False, capture_output=True
        )
