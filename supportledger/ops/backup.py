"""Backup and restore: the database and the private files in one archive
whose manifest lets a restore prove it brought back what was saved.

An archive (``.tar.gz``) holds:

- ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump``
  (``pg_dump --format=custom``);
- ``files/...``: every private file (attachments, release files);
- ``manifest.json``: the SHA-256 of every other member, and fingerprints of
  the books taken from the same snapshot as the database copy: each
  entitlement's ledger balance (sum of its entries, minutes and incidents),
  a digest of every ledger entry, every invoice number with its status and
  totals, a digest of all invoices.

A restore refuses an archive whose members do not match the manifest (before
touching anything), replaces the database and the private files, then
recomputes the fingerprints from the restored database and the checksums of
the restored files and reports every difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

from supportledger.core import clock

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)


# --- Fingerprints -------------------------------------------------------------


def _digest(rows: Iterator[Any]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, default=str, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def book_fingerprints() -> dict[str, Any]:
    """Ledger balances and invoice numbers as they stand in the database."""
    from supportledger.billing.models import Invoice
    from supportledger.entitlements.models import LedgerEntry

    entries = LedgerEntry.objects.order_by("pk").values_list(
        "pk", "entitlement_id", "reason", "minutes_delta", "incidents_delta", "created_at"
    )
    balances: dict[str, list[int]] = {}
    for _pk, entitlement_id, _reason, minutes, incidents, _at in entries:
        balance = balances.setdefault(str(entitlement_id), [0, 0])
        balance[0] += minutes
        balance[1] += incidents
    invoices = Invoice.objects.order_by("pk").values_list(
        "pk", "number", "status", "currency", "net_amount", "vat_amount", "total_amount"
    )
    return {
        "ledger": {
            "entries": entries.count(),
            "digest": _digest(iter(entries)),
            "balances": balances,
        },
        "invoices": {
            "count": invoices.count(),
            "numbers": sorted(number for _pk, number, *_rest in invoices if number),
            "digest": _digest(iter(invoices)),
        },
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


# --- PostgreSQL tools -----------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: from ``PG_BIN_DIR``, else the newest under
    /usr/lib/postgresql, else the PATH."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    candidates.extend(reversed(versions))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} was not found; install PostgreSQL's client or set PG_BIN_DIR.")


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str]) -> None:
    done = subprocess.run(  # noqa: S603 - our own argument list, no shell
        command, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


# --- Backup -------------------------------------------------------------------


@contextmanager
def _snapshot(engine: str) -> Iterator[str]:
    """Hold one consistent view of the database while it is copied and
    fingerprinted. SQLite: a write transaction (writers wait; readers go on).
    PostgreSQL: a repeatable-read transaction whose snapshot pg_dump shares;
    yields the snapshot id ("" for SQLite)."""
    with transaction.atomic():
        if engine == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                yield str(cursor.fetchone()[0])
        else:
            with connection.cursor() as cursor:
                # Takes the write lock (IMMEDIATE transactions) before copying.
                cursor.execute("SELECT count(*) FROM django_migrations")
            yield ""


def _copy_database(engine: str, snapshot: str, target: Path) -> None:
    if engine == "sqlite":
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ]
        )


def default_backup_path(now: datetime) -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"supportledger-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(output: Path | None = None, *, now: datetime | None = None) -> Path:
    """Write a backup archive; returns its path."""
    at = now or clock.now()
    engine = _engine()
    target = Path(output) if output else default_backup_path(at)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        staging = Path(work)
        database = staging / ("database.sqlite3" if engine == "sqlite" else "database.pgdump")
        with _snapshot(engine) as snapshot:
            fingerprints = book_fingerprints()
            _copy_database(engine, snapshot, database)
            files = staging / "files"
            if _private_root().is_dir():
                shutil.copytree(_private_root(), files, symlinks=False)
            else:
                files.mkdir()
        members = {database.name: _sha256(database)}
        for path in sorted(p for p in files.rglob("*") if p.is_file()):
            members[path.relative_to(staging).as_posix()] = _sha256(path)
        manifest = {
            "format": FORMAT,
            "created_at": at.isoformat(),
            "engine": engine,
            "members": members,
            **fingerprints,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for name in members:
                archive.add(staging / name, arcname=name)
        partial.replace(target)
    target.chmod(0o600)
    return target


# --- Restore ------------------------------------------------------------------


def _unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extract ``archive`` into ``into`` and check every member against the
    manifest; the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive}: not a readable backup archive ({exc}).") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive}: no readable {MANIFEST}.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: backup format {manifest.get('format')!r} is not {FORMAT}.")
    members: dict[str, str] = manifest.get("members", {})
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    problems = [
        f"{name}: in the archive but not in the manifest" for name in present - members.keys()
    ]
    for name, expected in sorted(members.items()):
        path = into / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif _sha256(path) != expected:
            problems.append(f"{name}: checksum does not match the manifest")
    if problems:
        raise BackupError(
            "The backup was changed or damaged; nothing was restored:\n  " + "\n  ".join(problems)
        )
    return manifest


def _restore_database(engine: str, unpacked: Path) -> None:
    connections.close_all()
    if engine == "sqlite":
        live = Path(settings.DATABASES["default"]["NAME"])
        live.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(unpacked / "database.sqlite3")
        target = sqlite3.connect(live)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    _run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(unpacked / "database.pgdump"),
        ]
    )


def _restore_files(unpacked: Path) -> None:
    root = _private_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(dir=root.parent, prefix=".restore-"))
    shutil.rmtree(incoming)
    shutil.copytree(unpacked / "files", incoming)
    old = root.with_name(root.name + ".before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.replace(old)
    incoming.replace(root)
    shutil.rmtree(old, ignore_errors=True)


def verify_restore(manifest: dict[str, Any]) -> list[str]:
    """Every difference between the manifest and what is now in the database
    and the private files; empty when the restore is faithful."""
    problems = []
    now = book_fingerprints()
    ledger, saved_ledger = now["ledger"], manifest["ledger"]
    if ledger["entries"] != saved_ledger["entries"]:
        problems.append(
            f"ledger: {ledger['entries']} entries, the backup had {saved_ledger['entries']}"
        )
    for entitlement, balance in sorted(saved_ledger["balances"].items()):
        found = ledger["balances"].get(entitlement, [0, 0])
        if found != balance:
            problems.append(
                f"ledger: entitlement {entitlement} balance {found[0]} minutes, "
                f"{found[1]} incidents; the backup had {balance[0]} and {balance[1]}"
            )
    if ledger["digest"] != saved_ledger["digest"] and not problems:
        problems.append("ledger: the entries differ from the backup's")
    invoices, saved_invoices = now["invoices"], manifest["invoices"]
    missing = sorted(set(saved_invoices["numbers"]) - set(invoices["numbers"]))
    extra = sorted(set(invoices["numbers"]) - set(saved_invoices["numbers"]))
    if missing:
        problems.append(f"invoices: numbers missing: {', '.join(missing)}")
    if extra:
        problems.append(f"invoices: numbers not in the backup: {', '.join(extra)}")
    if invoices["digest"] != saved_invoices["digest"] and not (missing or extra):
        problems.append("invoices: amounts or states differ from the backup's")
    root = _private_root()
    for name, expected in sorted(manifest["members"].items()):
        if not name.startswith("files/"):
            continue
        path = root / name.removeprefix("files/")
        if not path.is_file():
            problems.append(f"{name}: missing after the restore")
        elif _sha256(path) != expected:
            problems.append(f"{name}: differs from the backup")
    return problems


def restore_backup(archive: Path) -> RestoreReport:
    """Replace the database and the private files with the archive's, then
    verify them against its manifest. Refuses (``BackupError``) before
    changing anything when the archive does not match its manifest or was
    made on the other kind of database."""
    engine = _engine()
    parent = Path(settings.VAR_DIR)
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".restore-") as work:
        unpacked = Path(work)
        manifest = _unpack(Path(archive), unpacked)
        if manifest.get("engine") != engine:
            raise BackupError(
                f"The backup is of a {manifest.get('engine')} database; "
                f"this installation uses {engine}."
            )
        _restore_database(engine, unpacked)
        _restore_files(unpacked)
    return RestoreReport(manifest=manifest, problems=verify_restore(manifest))
