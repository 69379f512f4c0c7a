"""Records benchmark: pieces of work recorded per second through
``do_record_work`` on SQLite and on PostgreSQL, and the time to read one
customer's entitlement summary with a million ledger entries in the database,
next to the bare SQL query for the same rows.

Each database runs in its own process (settings are read at start-up):
SQLite in a temporary directory, PostgreSQL on ``TEST_DATABASE_URL`` or a
throw-away server (``scripts/throwaway-postgres``). ``BENCH_WORK`` sets the
number of pieces of work of the large demo built first (default 200 000);
``BENCH_LEDGER`` the ledger size then reached with adjustment pairs that leave
every balance unchanged (default 1 000 000).

Each figure is printed as a ratio next to its floor (the target it must
meet): the summary against the bare SQL reading the same entitlement rows
(at most ``SUMMARY_FLOOR`` times), recordings a second by one client and, on
PostgreSQL, by ``CLIENTS`` clients at once on different customers, and the
CPU time of one recording posted to the console's form endpoint through the
whole Django stack (``RECORDING_CPU_FLOOR_MS``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = 300
CLIENTS = 8
SUMMARY_FLOOR = 3.0
RECORDING_CPU_FLOOR_MS = 12.0


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
    from django.db.models import Count

    from supportledger.customers.models import Customer
    from supportledger.demo.build import build_large
    from supportledger.desk.actions.requests import do_open_request
    from supportledger.desk.actions.work import do_record_work
    from supportledger.desk.models import WorkEntry
    from supportledger.entitlements.convert import month_start, previous_month_start
    from supportledger.entitlements.held import read_summary_values
    from supportledger.entitlements.models import LedgerEntry
    from supportledger.entitlements.queries import get_entitlement_summary
    from tests.cast import at

    call_command("migrate", verbosity=0)
    work = int(os.environ.get("BENCH_WORK", "200000"))
    ledger = int(os.environ.get("BENCH_LEDGER", "1000000"))
    today = date(2026, 6, 1)
    started = time.perf_counter()
    build_large(
        "prepaid_hours_bg", today=today, customers=10_000, work=work, progress=lambda line: None
    )
    print(
        f"records [{label}]: built {work} pieces of work in {time.perf_counter() - started:.0f} s"
    )
    _top_up_ledger(ledger)

    # The customer holding the most entitlements (licence warranties, a
    # voucher or a contract): the largest summary there is.
    customer = Customer.objects.annotate(held=Count("entitlements")).order_by("-held", "id").first()
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
    print(
        f"records [{label}]: {RECORDINGS / elapsed:.0f} pieces of work recorded per second"
        f" by one client; load average {_load()}"
    )
    if connection.vendor == "postgresql":
        _concurrent_recordings(label, today, agent, product)
    _console_recording_cpu(label, today, customer, agent, product)

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
        f"records [{label}]: entitlement summary {summary * 1000:.3f} ms, bare SQL "
        f"{bare * 1000:.3f} ms: x{summary / bare:.1f} (floor x{SUMMARY_FLOOR:.0f}), "
        f"{LedgerEntry.objects.count()} ledger entries, "
        f"{len(get_entitlement_summary(customer, on=today))} lines; load average {_load()}"
    )
    # The summary's own statement, run the way the summary runs it (same
    # cursor; prepared on PostgreSQL) and its rows left as tuples: what of
    # the summary is SQL and what is Python. Not the floor: that stays the
    # bare SQL above.
    month, last_month = month_start(today), previous_month_start(today)
    started = time.perf_counter()
    for _ in range(rounds):
        read_summary_values(customer.pk, month=month, last_month=last_month)
    statement = (time.perf_counter() - started) / rounds
    print(
        f"records [{label}]: of which the summary's own statement {statement * 1000:.3f} ms "
        f"(x{statement / bare:.1f} the bare SQL), turning its rows into lines "
        f"{(summary - statement) * 1000:.3f} ms"
    )


def _concurrent_recordings(label: str, today: object, agent: object, product: object) -> None:
    """Recordings a second with ``CLIENTS`` clients, each its own process
    (as the server's workers are: threads of one process would share one
    interpreter lock, so Python's part of every recording would run one at a
    time) with its own connection and its own customer (the customers
    holding the most). Each client connects and reads the policy before the
    clock starts; the clock stops when the last has recorded its share."""
    import multiprocessing
    from datetime import timedelta

    from django.db import connection, connections
    from django.db.models import Count

    from supportledger.core import policy_cache
    from supportledger.core.errors import ActionRefused
    from supportledger.customers.models import Customer
    from supportledger.desk.actions.requests import do_open_request
    from supportledger.desk.actions.work import do_record_work
    from tests.cast import at

    customers = list(
        Customer.objects.annotate(held=Count("entitlements")).order_by("-held", "id")[
            1 : CLIENTS + 1
        ]
    )
    requests = [
        do_open_request(
            acting_user=None,
            customer=customer,
            subject="bench",
            category="consultation",
            opened_via="portal",
        )
        for customer in customers
    ]
    each = RECORDINGS // CLIENTS * 2
    context = multiprocessing.get_context("fork")
    refused = context.Value("i", 0)
    barrier = context.Barrier(len(requests) + 1)

    def client(index: int) -> None:
        # The parent closed its connections before forking: this one is new.
        connection.ensure_connection()
        policy_cache.current()
        barrier.wait()
        for n in range(each):
            begin = at(today, 9) + timedelta(minutes=n)  # type: ignore[arg-type]
            try:
                do_record_work(
                    acting_user=None,
                    work_id=f"bench-{index}-{n}",
                    request=requests[index],
                    agent=agent,  # type: ignore[arg-type]
                    started_at=begin,
                    ended_at=begin + timedelta(minutes=20),
                    mode="remote",
                    category="configuration",
                    product=product,  # type: ignore[arg-type]
                )
            except ActionRefused:
                with refused.get_lock():
                    refused.value += 1
        connection.close()

    connections.close_all()
    processes = [context.Process(target=client, args=(i,)) for i in range(len(requests))]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    assert all(process.exitcode == 0 for process in processes), "a client failed"
    print(
        f"records [{label}]: {len(requests) * each / elapsed:.0f} pieces of work recorded per "
        f"second by {len(requests)} clients (processes) at once on different customers"
        + (f" ({refused.value} refused by the rules)" if refused.value else "")
        + f"; load average {_load()}"
    )


def _console_recording_cpu(
    label: str, today: object, customer: object, agent: object, product: object
) -> None:
    """CPU time of one recording posted to the console's work form, through
    middleware, session, form, action and redirect (Django's test client: no
    socket), best of 3 runs."""
    from datetime import timedelta

    from django.test import Client

    from supportledger.desk.actions.requests import do_open_request
    from tests.cast import at

    request = do_open_request(
        acting_user=None,
        customer=customer,  # type: ignore[arg-type]
        subject="bench console",
        category="configuration",
        opened_via="portal",
        product=product,  # type: ignore[arg-type]
    )
    client = Client(SERVER_NAME="127.0.0.1")
    # Each request's log line is still formatted and written, as when
    # served, but to /dev/null rather than over this bench's output.
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below
    streams = [
        (handler, handler.setStream(quiet))
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    client.force_login(agent.user)  # type: ignore[attr-defined]
    url = f"/console/requests/{request.pk}/work/"
    rounds = 50
    best = float("inf")
    n = 0
    for _ in range(3):
        started = time.process_time()
        for _ in range(rounds):
            begin = at(today, 7) + timedelta(minutes=n)  # type: ignore[arg-type]
            n += 1
            response = client.post(
                url,
                {
                    "started_at": begin.strftime("%Y-%m-%d %H:%M"),
                    "minutes": "20",
                    "mode": "remote",
                    "category": "configuration",
                },
            )
            assert response.status_code == 302, response.status_code
        best = min(best, (time.process_time() - started) / rounds)
    for handler, stream in streams:
        handler.setStream(stream)
    quiet.close()
    recorded = request.work.count()
    print(
        f"records [{label}]: CPU {best * 1000:.1f} ms a recording through the console's work "
        f"form (floor {RECORDING_CPU_FLOOR_MS:.0f} ms; {recorded} of {n} posts recorded); "
        f"load average {_load()}"
    )


def _load() -> str:
    """The load averages (1, 5, 15 minutes), to print next to a figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _top_up_ledger(total: int) -> None:
    """Bring the ledger to ``total`` entries with adjustment pairs (+1, -1
    minute) on the vouchers, which leave every balance as it was."""
    from django.db import transaction

    from supportledger.entitlements.models import Entitlement, LedgerEntry, Reason

    missing = total - LedgerEntry.objects.count()
    vouchers = list(Entitlement.objects.filter(kind="prepaid_hours").order_by("id"))
    at = vouchers[0].created_at
    batch = 10_000
    for offset in range(0, max(0, missing) // 2 * 2, batch):
        size = min(batch, missing // 2 * 2 - offset)
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    entitlement=vouchers[(offset + n) // 2 % len(vouchers)],
                    reason=Reason.ADJUSTMENT,
                    minutes_delta=1 if n % 2 == 0 else -1,
                    created_at=at,
                    note="benchmark filler",
                )
                for n in range(size)
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        measure(sys.argv[2])
    else:
        run()
