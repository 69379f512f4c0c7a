"""``supportledger backup`` → wipe → ``supportledger restore``, on SQLite and
on PostgreSQL: the restore is verified against the manifest (ledger
balances, invoice numbers, files), a changed archive is refused before
anything is touched, and a database changed behind a forged checksum fails
the verification."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.ops.processes import (
    SUPPORTLEDGER,
    env_for,
    postgres_admin,
    postgres_url,
    run_cli,
    shell,
)

ROOT = Path(__file__).resolve().parents[2]

SET_UP = """
from datetime import date
from supportledger.billing.actions.orders import do_invoice_order, do_place_order
from supportledger.desk.actions.requests import do_open_request
from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.actions.sales import do_sell_voucher
from tests.billing.scenario import set_up_billing_settings
from tests.cast import SET_UP_AT, build_cast
cast = build_cast()
set_up_billing_settings()
voucher = do_sell_voucher(acting_user=None, customer=cast.acme, minutes=600,
                          starts=date(2026, 1, 1), ends=date(2027, 12, 31), now=SET_UP_AT)
do_adjust_balance(acting_user=None, entitlement=voucher, minutes=-90, note="opening use",
                  now=SET_UP_AT)
for customer in (cast.acme, cast.zeta):
    order = do_place_order(acting_user=None, customer=customer, kind="voucher", quantity=5)
    do_invoice_order(acting_user=None, order=order)
do_open_request(acting_user=None, customer=cast.acme, subject="Log", category="consultation",
                channel="portal", attachments=[("install.log", "text/plain", b"error 42\\n")])
"""

BOOKS = """
from supportledger.billing.models import Invoice
from supportledger.desk.models import Attachment
from supportledger.entitlements.models import Entitlement
print(sorted((e.pk, e.balance_minutes) for e in Entitlement.objects.all()))
print(sorted(Invoice.objects.exclude(number=None).values_list("number", "total_amount")))
print([a.file.open("rb").read() for a in Attachment.objects.all()])
"""


class Installation:
    """One installation (var directory + database) driven from the command line."""

    def __init__(self, var: Path, engine: str, name: str = "") -> None:
        self.engine = engine
        self.var = var
        self.name = name
        self.database_url = postgres_url(name) if engine == "postgresql" else ""
        self.env = env_for(self.var, self.database_url, PYTHONPATH=str(ROOT))

    def clone(self, var: Path) -> Installation:
        """A copy of this installation (files and database) to spoil."""
        shutil.copytree(self.var, var)
        name = ""
        if self.engine == "postgresql":
            name = f"ops_backup_{uuid.uuid4().hex[:8]}"
            postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return Installation(var, self.engine, name)

    def wipe(self) -> None:
        """Lose everything: the database and the private files."""
        shutil.rmtree(self.var / "private", ignore_errors=True)
        if self.engine == "sqlite":
            for path in self.var.glob("supportledger.sqlite3*"):
                path.unlink()
        else:
            postgres_admin(f'DROP DATABASE "{self.name}" WITH (FORCE)')
            postgres_admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.engine == "postgresql":
            postgres_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def restore(self, archive: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SUPPORTLEDGER, "restore", str(archive), "--yes"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def seeded(request, tmp_path_factory):
    """Migrated and filled once per database; each test works on a clone."""
    name = f"ops_seed_{uuid.uuid4().hex[:8]}" if request.param == "postgresql" else ""
    if name:
        postgres_admin(f'CREATE DATABASE "{name}"')
    made = Installation(tmp_path_factory.mktemp("seed") / "var", request.param, name)
    run_cli(made.env, "migrate", "--noinput")
    shell(made.env, SET_UP)
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def installation(seeded, tmp_path):
    made = seeded.clone(tmp_path / "var")
    try:
        yield made
    finally:
        made.drop()


def repack(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with ``change(directory)`` applied to its members."""
    work = out.with_suffix(".d")
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    change(work)
    with tarfile.open(out, "w:gz") as tar:
        for path in sorted(work.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(work).as_posix())
    return out


def back_up(installation: Installation, tmp_path: Path) -> Path:
    return Path(run_cli(installation.env, "backup", "--output", str(tmp_path / "b.tar.gz")).strip())


def _forge_checksum(directory: Path, member: str) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["members"][member] = hashlib.sha256((directory / member).read_bytes()).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_backup_wipe_restore_brings_back_the_books_and_files_verified(installation, tmp_path):
    before = shell(installation.env, BOOKS)
    assert "INV-2026-000002" in before
    assert "510" in before  # 600 minutes granted, 90 used
    assert "error 42" in before
    archive = back_up(installation, tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(name.startswith("files/attachments/") for name in names)

    installation.wipe()
    restored = installation.restore(archive)

    assert restored.returncode == 0, restored.stderr
    assert "verified it: 2 ledger entries on 1 balances, 2 numbered invoices, 1 files" in (
        restored.stdout
    )
    assert shell(installation.env, BOOKS) == before


def test_a_changed_archive_is_refused_and_nothing_is_touched(installation, tmp_path):
    archive = back_up(installation, tmp_path)
    before = shell(installation.env, BOOKS)

    def change_a_file(directory: Path) -> None:
        attachment = next(p for p in (directory / "files").rglob("*") if p.is_file())
        attachment.write_bytes(b"error 43\n")

    tampered = repack(archive, tmp_path / "tampered.tar.gz", change_a_file)
    refused = installation.restore(tampered)

    assert refused.returncode == 1
    assert "checksum does not match the manifest" in refused.stderr
    assert "nothing was restored" in refused.stderr
    assert shell(installation.env, BOOKS) == before


def test_books_changed_behind_a_forged_checksum_fail_the_verification(installation, tmp_path):
    archive = back_up(installation, tmp_path)
    if installation.engine == "sqlite":

        def change_the_books(directory: Path) -> None:
            database = directory / "database.sqlite3"
            with sqlite3.connect(database) as conn:
                conn.execute(
                    "INSERT INTO entitlements_ledgerentry (entitlement_id, reason, minutes_delta,"
                    " incidents_delta, created_at, note) "
                    "VALUES (1, 'adjustment', 600, 0, '2026-01-02 08:00:00', '')"
                )
                conn.execute(
                    "UPDATE billing_invoice SET number = 'INV-2026-000099' "
                    "WHERE number = 'INV-2026-000002'"
                )
            conn.close()
            _forge_checksum(directory, "database.sqlite3")

    else:
        # The manifest no longer tells what the dump holds.
        def change_the_books(directory: Path) -> None:
            manifest = json.loads((directory / "manifest.json").read_text())
            manifest["ledger"]["balances"]["1"] = [1110, 0]
            manifest["invoices"]["numbers"][-1] = "INV-2026-000099"
            (directory / "manifest.json").write_text(json.dumps(manifest))

    tampered = repack(archive, tmp_path / "tampered.tar.gz", change_the_books)
    installation.wipe()
    failed = installation.restore(tampered)

    assert failed.returncode == 1
    assert "does not match the backup's manifest" in failed.stderr
    assert "ledger: entitlement 1 balance" in failed.stderr
    assert "INV-2026-000099" in failed.stderr
