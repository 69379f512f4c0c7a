"""``supportledger restore FILE --yes``: replace the database and the private
files with a backup's, then verify the restored ledger balances, invoice
numbers and files against the backup's manifest.

Stop the web servers and workers first. Exit 0 when restored and verified,
1 when the archive is refused (changed or damaged: nothing is touched) or
when the restored data does not match the manifest (every difference is
listed), 2 for a usage error (no ``--yes``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive over this installation's database and files, then verify."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Confirm: the current data is replaced."
        )

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        if not yes:
            raise CommandError(
                "restore replaces the database and the private files; add --yes to go on.",
                returncode=2,
            )
        try:
            report = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        if report.problems:
            raise CommandError(
                "Restored, but the data does not match the backup's manifest:\n  "
                + "\n  ".join(report.problems)
            )
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} and verified it: "
            f"{manifest['ledger']['entries']} ledger entries on "
            f"{len(manifest['ledger']['balances'])} balances, "
            f"{len(manifest['invoices']['numbers'])} numbered invoices, "
            f"{sum(1 for name in manifest['members'] if name.startswith('files/'))} files."
        )
