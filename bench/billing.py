"""Billing benchmark: the monthly billing run over the large demo data, on
SQLite, with every piece of work made billable (the heaviest case), at each
size of ``BENCH_BILLING_SIZES`` (``customers:pieces of work``, comma
separated; default ``2000:200000,10000:1000000``).

Printed per size: the time of only reading the rows to bill (unbilled
ratings, fee contracts, customers) into Python, the floor for any billing
run written in Python; the wall time, invoices per second and peak memory
(resident set of the process doing the run) of ``supportledger bill``, and
its ratio to the floor; then that a rerun writes nothing. With
``BENCH_BILLING_REFERENCE=1`` also the per-customer run the set-based one
replaced (``tests/billing/reference_run.py``), on a copy of the same data.
Each step runs in its own process so the figures do not include the data
build.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "supportledger.sqlite3"
TABLES = ("billing_invoice", "billing_invoiceline", "core_auditentry", "intake_outboundmail")


def _period_for(today_text: str) -> str:
    from datetime import date

    today = date.fromisoformat(today_text)
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _sizes() -> list[tuple[int, int]]:
    text = os.environ.get("BENCH_BILLING_SIZES", "2000:200000,10000:1000000")
    sizes = []
    for part in text.split(","):
        customers, _sep, work = part.strip().partition(":")
        sizes.append((int(customers), int(work)))
    return sizes


def _step(step: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bench.billing", step],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stdout.write(result.stdout)
    sys.stdout.flush()
    return result.stdout


def _seconds(printed: str) -> float:
    """The figure a step printed last as ``<seconds> s``."""
    return float(printed.strip().splitlines()[-1].rsplit("=", 1)[1].split()[0])


def _counts(var_dir: str) -> dict[str, int]:
    db = sqlite3.connect(Path(var_dir) / DATABASE)
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
    finally:
        db.close()


def _restore(var_dir: str, seed: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(var_dir, DATABASE + suffix).unlink(missing_ok=True)
    shutil.copy(seed, Path(var_dir) / DATABASE)


def run() -> None:
    for customers, work in _sizes():
        var_dir = tempfile.mkdtemp()
        env = {
            **os.environ,
            "SUPPORTLEDGER_VAR_DIR": var_dir,
            "DATABASE_URL": "",
            "BENCH_BILLING_CUSTOMERS": str(customers),
            "BENCH_BILLING_WORK": str(work),
        }
        _step("build", env)
        seed = Path(var_dir) / "seed.sqlite3"
        db = sqlite3.connect(Path(var_dir) / DATABASE)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        shutil.copy(Path(var_dir) / DATABASE, seed)
        floor = _seconds(_step("floor", env))
        bill = _seconds(_step("bill", env))
        print(f"billing: {customers} customers: run / floor = {bill / floor:.1f}x")
        before = _counts(var_dir)
        _step("bill", env)
        after = _counts(var_dir)
        print(
            "billing: rerun writes nothing"
            if after == before
            else f"billing: RERUN WROTE ROWS: {before} -> {after}"
        )
        if os.environ.get("BENCH_BILLING_REFERENCE"):
            _restore(var_dir, seed)
            reference = _seconds(_step("reference", env))
            print(
                f"billing: {customers} customers: per-customer run / floor = "
                f"{reference / floor:.1f}x, set-based run {reference / bill:.1f}x faster"
            )
        shutil.rmtree(var_dir, ignore_errors=True)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    django.setup()


def build() -> None:
    _setup()
    from django.core.management import call_command

    from supportledger.core import clock
    from supportledger.demo.build import build_large

    customers = int(os.environ.get("BENCH_BILLING_CUSTOMERS", "10000"))
    work = int(os.environ.get("BENCH_BILLING_WORK", "1000000"))
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build_large(
        "prepaid_hours_bg",
        today=clock.now().date(),
        customers=customers,
        work=work,
        progress=lambda *_: None,
    )
    # Every demo customer holds a voucher large enough for all its work, which
    # would leave nothing to bill: make every piece of work billable (60 min at
    # a flat 40.00), the heaviest case for the run.
    from decimal import Decimal

    from supportledger.desk.models import WorkRating

    WorkRating.objects.filter(current=True).update(
        billable_minutes=60, counted_minutes=60, amount=Decimal("40.00")
    )
    print(
        f"billing: demo data {customers} customers, {work} pieces of work built in "
        f"{time.perf_counter() - started:.0f} s"
    )


def floor() -> None:
    _setup()
    from supportledger.billing.actions.run import _fee_contracts, _unbilled_ratings
    from supportledger.billing.convert import Period
    from supportledger.core import clock
    from supportledger.core.queries import get_vendor_policy
    from supportledger.customers.models import Customer

    period = Period.month(_period_for(clock.now().date().isoformat()))
    timezone = get_vendor_policy().timezone
    started = time.perf_counter()
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    rows = 0
    for offset in range(0, len(ids), 200):
        batch = ids[offset : offset + 200]
        list(Customer.objects.filter(pk__in=batch))
        rows += len(list(_fee_contracts(batch, period)))
        rows += sum(1 for _ in _unbilled_ratings(batch, period.end_instant(timezone)))
    elapsed = time.perf_counter() - started
    print(f"billing: reading the {rows} rows to bill into Python (floor) = {elapsed:.1f} s")


def _timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak memory (KiB) and output of ``command``, run alone."""
    started = time.perf_counter()
    result = subprocess.run(
        command, env={**os.environ}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, result.stdout


def bill() -> None:
    period = _period_for(_today())
    elapsed, peak_kib, printed = _timed(
        [sys.executable, "-m", "supportledger.cli", "bill", "--period", period]
    )
    invoices = sum(1 for line in printed.splitlines() if " customer=" in line)
    print(
        f"billing: run for {period}: {invoices} invoices, {invoices / elapsed:.0f} invoices/s, "
        f"peak memory {peak_kib / 1024:.0f} MiB, wall = {elapsed:.1f} s"
    )


def reference() -> None:
    """The per-customer run (``tests/billing/reference_run.py``) timed like
    ``bill``: a process of its own, start-up included."""
    period = _period_for(_today())
    elapsed, peak_kib, printed = _timed([sys.executable, "-m", "bench.billing", "reference-run"])
    print(
        f"billing: per-customer run for {period}: {printed.strip()} invoices, "
        f"peak memory {peak_kib / 1024:.0f} MiB, wall = {elapsed:.1f} s"
    )


def reference_run() -> None:
    _setup()
    sys.path.insert(0, str(ROOT))
    from supportledger.billing.convert import Period
    from tests.billing.reference_run import reference_run_billing

    period = Period.month(_period_for(_today()))
    print(len(reference_run_billing(acting_user=None, period=period).invoices))


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


if __name__ == "__main__":
    steps = {
        "build": build,
        "floor": floor,
        "bill": bill,
        "reference": reference,
        "reference-run": reference_run,
    }
    steps[sys.argv[1]]()
