"""``supportledger import SOURCE [--dry-run]``: bring a vendor's existing
customers, contacts, products and prices, licences, support periods,
vouchers (remaining minutes), contracts and incident packs in from a
directory of CSV files or an XLSX workbook (see docs/operations.md).

``--dry-run`` checks everything and writes nothing. A real run writes all
or nothing. Every problem is printed as ``file, line N, column C: reason``;
exit 1 when there is any. ``supportledger import --templates DIR`` writes a
template of each file (and ``supportledger-import.xlsx`` with every sheet)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.imports.actions import do_import_vendor_data
from supportledger.imports.sheets import KINDS, read_tables, template_rows


class Command(BaseCommand):
    help = "Import a vendor's existing data from CSV files or an XLSX workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, nargs="?")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--templates", type=Path, help="Write file templates into this dir.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["templates"]:
            self._templates(options["templates"])
            return
        source: Path | None = options["source"]
        if source is None:
            raise CommandError("Name a directory of CSV files or an .xlsx workbook.", returncode=2)
        if not source.exists():
            raise CommandError(f"{source}: no such file or directory", returncode=2)
        try:
            tables, problems = read_tables(source)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if not tables:
            raise CommandError(f"{source}: no import files found ({', '.join(KINDS)})")
        report = do_import_vendor_data(
            acting_user=None, tables=tables, problems=problems, dry_run=options["dry_run"]
        )
        for kind in KINDS:
            if kind in tables:
                self.stdout.write(
                    f"{kind}: {report.created[kind]} new, {report.unchanged[kind]} already there"
                )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(report.problems)} problems; nothing was imported.")
        if report.dry_run:
            self.stdout.write("Dry run: no problems found; nothing was written.")
        else:
            self.stdout.write("Imported.")

    def _templates(self, directory: Path) -> None:
        from openpyxl import Workbook

        directory.mkdir(parents=True, exist_ok=True)
        book = Workbook()
        book.remove(book.active)
        for kind in KINDS:
            with (directory / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(template_rows(kind))
            sheet = book.create_sheet(kind)
            for row in template_rows(kind):
                sheet.append(row)
        book.save(directory / "supportledger-import.xlsx")
        self.stdout.write(f"Templates written to {directory}")
