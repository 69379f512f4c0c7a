"""Two web servers and two workers on one PostgreSQL, as production runs
them: both servers answer and share sessions, each scheduled job runs once,
and a worker killed in the middle of a job neither loses nor doubles it."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.ops.processes import (
    SUPPORTLEDGER,
    Browser,
    env_for,
    free_port,
    port_open,
    postgres_admin,
    postgres_url,
    run_cli,
    shell,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]

SET_UP = """
from datetime import date
from django.contrib.auth import get_user_model
from supportledger.ops.setup import do_set_up_vendor
from supportledger.customers.actions import do_add_staff_member, do_create_customer
from supportledger.customers.models import StaffRole
from supportledger.entitlements.actions.sales import do_sell_voucher
do_set_up_vendor(acting_user=None, preset_name="prepaid_hours_bg")
customer = do_create_customer(acting_user=None, organisation="Alpha Ltd", city="Sofia",
                              country="BG", language="en", currency="EUR")
voucher = do_sell_voucher(acting_user=None, customer=customer, minutes=600,
                          starts=date(2020, 1, 1), ends=date(2099, 12, 31))
admin = get_user_model().objects.create_superuser("chief", "chief@example.com", "chief-pass-77")
do_add_staff_member(acting_user=None, user=admin, role=StaffRole.ADMINISTRATOR)
from decimal import Decimal
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.billing.scenario import set_up_billing_settings
set_up_billing_settings()
for n in range(8):
    subscriber = do_create_customer(acting_user=None, organisation=f"Subscriber {n}",
                                    street=f"{n + 1} Vitosha Blvd", postcode="1000",
                                    city="Sofia", country="BG", language="en", currency="EUR")
    do_sell_contract(acting_user=None, customer=subscriber, starts=date(2020, 1, 1),
                     ends=date(2099, 12, 31), minutes_per_month=60,
                     fee=Decimal(100 + 10 * n), currency="EUR", billing_period="month")
print(voucher.pk)
"""


@pytest.fixture
def cluster(tmp_path):
    name = f"ops_cluster_{uuid.uuid4().hex[:8]}"
    postgres_admin(f'CREATE DATABASE "{name}"')
    url = postgres_url(name)
    env = env_for(
        tmp_path / "var",
        url,
        PYTHONPATH=str(ROOT),
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_ORPHAN_AFTER="4",
        # The monthly run is divided: 9 customers, 4 chunks for the workers.
        BILLING_RUN_CHUNK_SIZE="3",
    )
    run_cli(env, "migrate", "--noinput")
    voucher = int(shell(env, SET_UP).split()[-1])
    web_ports = [free_port(), free_port()]
    commands = {
        **{
            f"web{n}": ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            for n, port in enumerate(web_ports)
        },
        "worker0": ["worker", "--interval", "1"],
        "worker1": ["worker", "--interval", "1"],
    }
    processes = {
        name: subprocess.Popen(
            [SUPPORTLEDGER, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for name, args in commands.items()
    }
    try:
        yield env, url, web_ports, processes, voucher
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_two_servers_two_workers_one_database(cluster):
    env, url, web_ports, processes, voucher = cluster
    for port in web_ports:
        wait_until(f"web server on {port}", lambda port=port: port_open(port))

    # Both servers answer, and a login on one is a login on the other.
    browser = Browser(f"http://127.0.0.1:{web_ports[0]}")
    assert browser.get("/healthz")[0] == 200
    login = {"username": "chief", "password": "chief-pass-77"}
    assert browser.post("/console/login/", login) == 200
    browser.base = f"http://127.0.0.1:{web_ports[1]}"
    status, html, _headers = browser.get("/console/response-targets/")
    assert status == 200
    assert "chief" in html

    # Each scheduled job of the day runs once, whichever worker takes it.
    slots = wait_until(
        "the day's jobs",
        lambda: (
            (rows := query(url, "SELECT job, task_id FROM billing_scheduledrun"))
            and len(rows) >= 4
            and rows
        ),
    )
    names = [job for job, _task in slots]
    assert len(names) == len(set(names))

    def all_done():
        states = query(
            url,
            "SELECT task_path, status FROM django_tasks_database_dbtaskresult",
        )
        return len(states) == len(slots) and all(s == "SUCCESSFUL" for _p, s in states) and states

    states = wait_until("the day's jobs to finish", all_done)
    paths = [path for path, _status in states]
    assert len(paths) == len(set(paths))

    # A worker killed in the middle of a job: the job comes back and runs once.
    note = f"slow grant {uuid.uuid4().hex[:6]}"
    job_id = shell(
        env,
        "from tests.ops.slow_job import grant_slowly\n"
        f"print(grant_slowly.enqueue({voucher}, {note!r}, 6).id)",
    ).split()[-1]

    def running_on():
        rows = query(
            url,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            uuid.UUID(job_id),
        )
        return rows and rows[0][0] == "RUNNING" and rows[0][1][-1]

    owner = wait_until("the slow job to start", running_on)
    pid = int(owner.split("-")[-2])
    victim = next(name for name, p in processes.items() if p.pid == pid)
    os.kill(pid, signal.SIGKILL)
    processes[victim].wait(timeout=30)

    def finished():
        rows = query(
            url,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            uuid.UUID(job_id),
        )
        return rows and rows[0][0] == "SUCCESSFUL" and rows[0]

    _status, worker_ids = wait_until("the slow job to finish elsewhere", finished)
    assert worker_ids[0] == owner
    assert worker_ids[-1] != owner
    granted = query(
        url,
        "SELECT count(*), sum(minutes_delta) FROM entitlements_ledgerentry WHERE note = %s",
        note,
    )
    assert granted == [(1, 60)]
    balance = query(
        url, "SELECT balance_minutes FROM entitlements_entitlement WHERE id = %s", voucher
    )
    assert balance == [(660,)]

    # The billing run of last month taken by both workers at once bills each
    # subscriber once, as one run does: one invoice each, unbroken numbers.
    today = date.today()
    period = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    runs = shell(
        env,
        "from supportledger.jobs.tasks import run_billing\n"
        f"print(run_billing.enqueue({period!r}).id, run_billing.enqueue({period!r}).id)",
    ).split()[-2:]

    def billed():
        rows = query(
            url,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = ANY(%s)",
            [uuid.UUID(run) for run in runs],
        )
        return len(rows) == 2 and all(status == "SUCCESSFUL" for status, _w in rows) and rows

    wait_until("both billing runs", billed)
    invoices = query(
        url,
        "SELECT c.organisation, i.number, i.net_amount FROM billing_invoice i "
        "JOIN customers_customer c ON c.id = i.customer_id "
        "WHERE c.organisation LIKE 'Subscriber %%' ORDER BY c.organisation",
    )
    assert [(name, net) for name, _number, net in invoices] == [
        (f"Subscriber {n}", Decimal(100 + 10 * n)) for n in range(8)
    ]
    sequences = sorted(int(number.rsplit("-", 1)[-1]) for _name, number, _net in invoices)
    assert sequences == list(range(sequences[0], sequences[0] + 8))
    # Divided into chunks, all billed and numbered; the numbers follow the
    # customers' order, as one worker's run numbers them.
    chunk_rows = query(url, "SELECT status FROM billing_billingchunk ORDER BY number")
    assert len(chunk_rows) >= 3
    assert {status for (status,) in chunk_rows} == {"issued"}
    by_customer = query(
        url,
        "SELECT i.number FROM billing_invoice i JOIN customers_customer c ON c.id = i.customer_id "
        "WHERE c.organisation LIKE 'Subscriber %%' ORDER BY c.id",
    )
    assert [number for (number,) in by_customer] == sorted(number for (number,) in by_customer)
