"""``supportledger backup [--output FILE]``: the database (pg_dump on
PostgreSQL, the online backup API on SQLite) and the private files in one
archive with a manifest of checksums and ledger/invoice fingerprints.
Default file: ``<var>/backups/supportledger-<UTC time>.tar.gz``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the private files into one verified archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Archive to write (.tar.gz).")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            path = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
