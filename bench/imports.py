"""Import benchmark: a vendor's 10 000 customers, each with a contact, a
licence and a voucher with remaining minutes, brought in by
``supportledger import`` from CSV files on SQLite; the time and the peak
memory (resident set) of the real run, then of a second run of the same
files (which changes nothing). ``BENCH_IMPORT_CUSTOMERS`` sets the number.
Runs in its own process with a temporary var directory.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run() -> None:
    env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": tempfile.mkdtemp(), "DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "bench.imports", "measure"], env=env, check=True)


def _write(directory: Path, customers: int) -> None:
    tables: dict[str, list[list[str]]] = {
        "products": [["code", "name", "support_period_months"], ["ACC", "Accounting", "12"]],
        "customers": [["ref", "organisation", "city", "country", "language", "currency"]],
        "contacts": [["customer", "name", "email"]],
        "licences": [["ref", "customer", "product", "sold_on", "seats"]],
        "vouchers": [["ref", "customer", "minutes_remaining", "starts", "ends", "history"]],
    }
    for n in range(1, customers + 1):
        ref = f"C-{n}"
        tables["customers"].append([ref, f"Customer {n} Ltd", "Sofia", "BG", "bg", "EUR"])
        tables["contacts"].append([ref, f"Contact {n}", f"contact{n}@customer{n}.example"])
        tables["licences"].append([f"L-{n}", ref, "ACC", "2025-03-15", "1"])
        tables["vouchers"].append(
            [f"V-{n}", ref, str(60 + n % 540), "2026-01-01", "2026-12-31", "10 h bought"]
        )
    for kind, rows in tables.items():
        with (directory / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)


def measure() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    django.setup()
    from django.core.management import call_command

    from supportledger.entitlements.models import LedgerEntry
    from supportledger.imports.actions import do_import_vendor_data
    from supportledger.imports.sheets import read_tables
    from supportledger.ops.setup import do_set_up_vendor

    customers = int(os.environ.get("BENCH_IMPORT_CUSTOMERS", "10000"))
    call_command("migrate", verbosity=0)
    do_set_up_vendor(acting_user=None, preset_name="prepaid_hours_bg")
    directory = Path(tempfile.mkdtemp())
    _write(directory, customers)
    for label in ("import", "same files again"):
        started = time.perf_counter()
        tables, problems = read_tables(directory)
        report = do_import_vendor_data(acting_user=None, tables=tables, problems=problems)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert not report.problems, report.problems[:5]
        print(
            f"import, SQLite, {customers} customers with contacts, licences and vouchers, "
            f"{label}: {elapsed:.1f} s ({customers / elapsed:.0f} customers/s), "
            f"{sum(report.created.values())} rows created, peak memory {peak:.0f} MiB"
        )
    print(f"import: {LedgerEntry.objects.count()} ledger entries")


if __name__ == "__main__" and sys.argv[1:] == ["measure"]:
    measure()
