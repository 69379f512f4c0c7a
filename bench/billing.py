"""Billing benchmark: the monthly billing run over the large demo data
(10 000 customers, 1 000 000 pieces of work; ``BENCH_BILLING_CUSTOMERS`` and
``BENCH_BILLING_WORK`` change the size), on SQLite, with every piece of work
made billable.

Printed: wall time, peak memory (resident set of the process doing the run)
and invoices per second of ``supportledger bill``, next to the time of only
reading the same rows (unbilled ratings, fee contracts, customers) into Python,
the floor for any billing run written in Python. Each step runs in its own
process so the figures do not include the data build.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _period_for(today_text: str) -> str:
    from datetime import date

    today = date.fromisoformat(today_text)
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def run() -> None:
    env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": tempfile.mkdtemp(), "DATABASE_URL": ""}
    for step in ("build", "floor", "bill"):
        subprocess.run([sys.executable, "-m", "bench.billing", step], env=env, check=True, cwd=ROOT)


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
    from supportledger.billing.actions import _fee_contracts, _unbilled_ratings
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
    print(f"billing: reading the {rows} rows to bill into Python (floor): {elapsed:.1f} s")


def bill() -> None:
    period = _period_for(_today())
    env = {**os.environ}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "supportledger.cli", "bill", "--period", period],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    invoices = sum(1 for line in result.stdout.splitlines() if " customer=" in line)
    print(
        f"billing: run for {period}: {invoices} invoices in {elapsed:.1f} s "
        f"({invoices / elapsed:.0f} invoices/s), peak memory {peak_kib / 1024:.0f} MiB"
    )


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


if __name__ == "__main__":
    {"build": build, "floor": floor, "bill": bill}[sys.argv[1]]()
