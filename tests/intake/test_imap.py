"""IMAP polling against a real Dovecot on loopback (Debian's dovecot-imapd,
installed by scripts/ensure-system-packages), started for the test with its
own configuration, users file and Maildir under a temporary directory."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from supportledger.desk.models import Request
from supportledger.intake.imap import ImapSettings, poll_mailbox
from supportledger.mail.models import InboundMessage, InboundStatus
from tests.intake.conftest import eml
from tests.intake.smtp_fixtures import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


class Mailbox:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.count = 0

    def deliver(self, raw: bytes) -> None:
        """Drop a message into the Maildir, as a local delivery agent would."""
        self.count += 1
        path = self.root / "mail" / "support" / "Maildir" / "new" / f"{self.count}.test:2,"
        path.write_bytes(raw)
        path.chmod(0o666)

    def settings(self, delete: bool = False) -> ImapSettings:
        return ImapSettings(
            host="127.0.0.1",
            port=self.port,
            user="support",
            password="secret",
            ssl=False,
            delete=delete,
        )

    def unseen(self) -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login("support", "secret")
            client.select("INBOX")
            _status, data = client.uid("SEARCH", None, "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            client.logout()


@pytest.fixture
def dovecot() -> Iterator[Mailbox]:
    # Not under pytest's tmp_path: its parents are private to this user, and
    # Dovecot's own processes run as other users.
    root = Path(tempfile.mkdtemp(prefix="supportledger-imap-"))
    maildir = root / "mail" / "support" / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777)
    port = free_port()
    if os.getuid() == 0:
        # Dovecot refuses to serve mail as root: the mailbox belongs to nobody.
        uid, gid, users = 65534, 65534, ""
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
        users = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    (root / "users").write_text("support:{PLAIN}secret\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u/Maildir
first_valid_uid = {min(uid, 100)}
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True, timeout=30)
    try:
        for _attempt in range(100):
            try:
                imaplib.IMAP4("127.0.0.1", port).logout()
                break
            except OSError:
                time.sleep(0.1)
        yield Mailbox(root, port)
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False, timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def test_polling_stores_each_unseen_message_and_marks_it_seen(mail_cast, dovecot):
    dovecot.deliver(eml("garbage.eml"))
    dovecot.deliver(eml("auto_reply.eml"))
    dovecot.deliver(eml("unknown_sender.eml"))
    counts = poll_mailbox(dovecot.settings())
    assert counts == {InboundStatus.QUARANTINED: 2, InboundStatus.IGNORED_AUTO: 1}
    assert set(InboundMessage.objects.values_list("received_via", flat=True)) == {"imap"}
    assert dovecot.unseen() == 0
    assert poll_mailbox(dovecot.settings()) == {}


def test_polled_message_from_a_contact_opens_a_request(mail_cast, dovecot):
    dovecot.deliver(eml("plain.eml"))
    assert poll_mailbox(dovecot.settings()) == {InboundStatus.ROUTED: 1}
    assert Request.objects.get().contact == mail_cast.anna


def test_the_same_message_in_the_mailbox_twice_is_stored_once(mail_cast, dovecot):
    dovecot.deliver(eml("bounce_mailer_daemon.eml"))
    dovecot.deliver(eml("bounce_mailer_daemon.eml"))
    assert poll_mailbox(dovecot.settings(delete=True)) == {
        InboundStatus.IGNORED_AUTO: 1,
        "duplicate": 1,
    }
    assert InboundMessage.objects.get().duplicate_deliveries == 1
    assert dovecot.unseen() == 0


def test_mail_in_imap_once_polls_the_configured_mailbox(mail_cast, dovecot, settings):
    settings.INTAKE_IMAP_HOST = "127.0.0.1"
    settings.INTAKE_IMAP_PORT = dovecot.port
    settings.INTAKE_IMAP_USER = "support"
    settings.INTAKE_IMAP_PASSWORD = "secret"
    settings.INTAKE_IMAP_SSL = False
    dovecot.deliver(eml("windows1251.eml"))
    out = StringIO()
    call_command("mail-in", "--imap", "--once", stdout=out)
    assert out.getvalue() == "IMAP 127.0.0.1: routed 1\n"
    assert Request.objects.get().contact == mail_cast.ivan


def test_mail_in_imap_without_a_host_says_which_setting_is_missing(settings):
    settings.INTAKE_IMAP_HOST = ""
    with pytest.raises(CommandError, match="INTAKE_IMAP_HOST"):
        call_command("mail-in", "--imap", "--once")
