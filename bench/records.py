"""Records benchmark: pieces of work recorded per second through
``do_record_work`` on SQLite and on PostgreSQL, and the time to read one
customer's entitlement summary with a million ledger entries in the database,
next to the bare SQL query for the same rows.

Each database runs in its own process (settings are read at start-up):
SQLite in a temporary directory, PostgreSQL on ``TEST_DATABASE_URL`` or a
throw-away server (``scripts/throwaway-postgres``). ``BENCH_WORK`` sets the
number of pieces of work behind the summary (default 1 000 000, one ledger
entry each).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = 300


def run() -> None:
    env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": tempfile.mkdtemp(), "DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "bench.records", "measure", "SQLite"], env=env, check=True
    )
    pg_env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": tempfile.mkdtemp()}
    command = [sys.executable, "-m", "bench.records", "measure", "PostgreSQL"]
    if os.environ.get("TEST_DATABASE_URL"):
        pg_env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
        subprocess.run(command, env=pg_env, check=True)
    else:
        subprocess.run(
            [str(ROOT / "scripts" / "throwaway-postgres"), *command], env=pg_env, check=True
        )


def measure(label: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    django.setup()
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.db import connection

    from supportledger.customers.models import Customer
    from supportledger.demo.build import build_large
    from supportledger.desk.actions import do_open_request, do_record_work
    from supportledger.desk.models import WorkEntry
    from supportledger.entitlements.queries import get_entitlement_summary
    from tests.cast import at

    call_command("migrate", verbosity=0)
    work = int(os.environ.get("BENCH_WORK", "1000000"))
    today = date(2026, 6, 1)
    started = time.perf_counter()
    build_large(
        "prepaid_hours_bg", today=today, customers=10_000, work=work, progress=lambda line: None
    )
    print(
        f"records [{label}]: built {work} pieces of work in {time.perf_counter() - started:.0f} s"
    )

    customer = Customer.objects.order_by("id")[1]
    agent = WorkEntry.objects.first().agent
    product = WorkEntry.objects.first().product
    request = do_open_request(
        acting_user=None,
        customer=customer,
        subject="bench",
        category="consultation",
        opened_via="portal",
    )
    started = time.perf_counter()
    for n in range(RECORDINGS):
        begin = at(today, 8) + timedelta(minutes=n)
        do_record_work(
            acting_user=None,
            work_id=f"bench-{n}",
            request=request,
            agent=agent,
            started_at=begin,
            ended_at=begin + timedelta(minutes=20),
            mode="remote",
            category="configuration",
            product=product,
        )
    elapsed = time.perf_counter() - started
    print(f"records [{label}]: {RECORDINGS / elapsed:.0f} pieces of work recorded per second")

    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        get_entitlement_summary(customer, on=today)
    summary = (time.perf_counter() - started) / rounds
    sql = (
        "SELECT e.id, e.kind, e.starts, e.ends, e.balance_minutes, e.balance_incidents "
        "FROM entitlements_entitlement e WHERE e.customer_id = %s ORDER BY e.ends, e.id"
    )
    started = time.perf_counter()
    for _ in range(rounds):
        with connection.cursor() as cursor:
            cursor.execute(sql, [customer.pk])
            cursor.fetchall()
    bare = (time.perf_counter() - started) / rounds
    print(
        f"records [{label}]: entitlement summary {summary * 1000:.2f} ms, bare SQL "
        f"{bare * 1000:.2f} ms (x{summary / bare:.1f}), {work + 10_000} ledger entries"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        measure(sys.argv[2])
    else:
        run()
