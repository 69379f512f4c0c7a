"""``supportledger mail-in --port N`` as an operator runs it: a separate
process with its own SQLite database, a message sent to it over SMTP, the
process stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.intake.conftest import eml
from tests.intake.smtp_fixtures import free_port

pytestmark = pytest.mark.slow

SUPPORTLEDGER = str(Path(sys.executable).with_name("supportledger"))


def test_mail_in_listens_on_the_given_port_and_stores_what_it_receives(tmp_path):
    env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    subprocess.run([SUPPORTLEDGER, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    port = free_port()
    listener = subprocess.Popen(
        [SUPPORTLEDGER, "mail-in", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert f"127.0.0.1:{port}" in listener.stdout.readline()
        for _attempt in range(50):
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"nothing listens on port {port}")
        with client:
            raw = eml("garbage.eml").replace(b"\n", b"\r\n")
            assert client.sendmail("someone@example.org", ["support@localhost"], raw) == {}
    finally:
        listener.send_signal(signal.SIGTERM)
        assert listener.wait(timeout=30) == 0
    with sqlite3.connect(tmp_path / "supportledger.sqlite3") as db:
        rows = db.execute(
            "SELECT status, reason, received_via FROM intake_inboundmessage"
        ).fetchall()
    assert rows == [("quarantined", "no_headers", "smtp")]
