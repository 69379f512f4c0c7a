"""Desk benchmark: the staff console's request page and one customer's
request list served by gunicorn under concurrent load from ``wrk`` on
loopback, with 100 000 requests and 1 000 000 messages in the database, next
to a bare Django endpoint on the same server.

SQLite in a temporary directory (the embedded default). The rows are
bulk-inserted with ``executemany`` (the actions are measured elsewhere); the
entitlements of the customer under test are sold through the real actions;
it holds ``UNDER_TEST_REQUESTS`` bulk requests at every size, the rest go
to the other customers in turn.
``BENCH_DESK_REQUESTS`` / ``BENCH_DESK_MESSAGES`` change the sizes,
``BENCH_DESK_SECONDS`` the length of each load run (default 10 s),
``BENCH_DESK_WORKERS`` the gunicorn workers (default 4), ``BENCH_DESK_DIR`` a
directory to fill once and reuse on later runs (kept; for profiling a page
against the same data). Each load run prints requests a second, latency
percentiles and the CPU time the gunicorn workers spent a request; then the
request page's parts are timed in-process (where its time goes). Not part of
the test suite; ``make bench`` or ``python -m bench desk`` runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_DESK_REQUESTS", "100000"))
MESSAGES = int(os.environ.get("BENCH_DESK_MESSAGES", "1000000"))
SECONDS = int(os.environ.get("BENCH_DESK_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_DESK_WORKERS", "4"))
CUSTOMERS = 1000
# Bulk requests of the customer under test, the same at every size, so that
# its pages (customer page, portal, its request list) draw the same rows and
# a growth between sizes is the database's, not more rows on the page.
UNDER_TEST_REQUESTS = 50
CONNECTIONS = 16

SETTINGS = """
from supportledger.settings import *  # noqa: F403
ROOT_URLCONF = "desk_bench_urls"
"""
URLS = """
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bare/", bare), path("", include("supportledger.urls"))]
"""


def run() -> None:
    if shutil.which("wrk") is None:
        print("desk: wrk is not installed (scripts/ensure-system-packages installs it)")
        return
    kept = os.environ.get("BENCH_DESK_DIR", "")
    work = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="desk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "desk_bench_settings.py").write_text(SETTINGS)
    (work / "desk_bench_urls.py").write_text(URLS)
    env = {
        **os.environ,
        "SUPPORTLEDGER_VAR_DIR": str(work / "var"),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "desk_bench_settings",
        "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
        "LOG_LEVEL": "ERROR",
    }
    # A kept directory may predate the latest migrations: bring it up to date.
    step = "migrate" if (work / "targets").exists() else "load"
    subprocess.run([sys.executable, "-m", "bench.desk", step, str(work)], env=env, check=True)
    try:
        _serve_and_measure(work, env)
        subprocess.run(
            [sys.executable, "-m", "bench.desk", "parts", str(work)], env=env, check=True
        )
    finally:
        if not kept:
            shutil.rmtree(work, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_and_measure(work: Path, env: dict[str, str]) -> None:
    cookie, request_path, list_path = (work / "targets").read_text().split("\n")[:3]
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "supportledger.wsgi:application",
        ],
        env=env,
        cwd=work,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base + "/bare/")
        print(
            f"desk: {REQUESTS} requests, {MESSAGES} messages; gunicorn {WORKERS} sync workers, "
            f"wrk {CONNECTIONS} connections x {SECONDS} s on loopback, SQLite; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        for label, path in (
            ("bare Django endpoint", "/bare/"),
            ("request page", request_path),
            ("one customer's request list", list_path),
        ):
            _wrk(label, base + path, cookie, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(url: str) -> None:
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def _cpu_seconds(master: int) -> float:
    """User + system CPU time of gunicorn's workers (the master's children),
    from /proc; the master itself only watches them."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid, ...
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _wrk(label: str, url: str, cookie: str, master: int) -> None:
    # Warm up each worker (imports, template loading, connections) first.
    subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        check=True,
    )
    cpu_before = _cpu_seconds(master)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = _cpu_seconds(master) - cpu_before
    done = re.search(r"(\d+) requests in", out)
    served = int(done.group(1)) if done else 0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"\s50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    print(
        f"  {label:30s} {float(rps.group(1)) if rps else 0:8.0f} req/s"
        f"   p50 {p50.group(1) if p50 else '?':>8s}   p99 {p99.group(1) if p99 else '?':>8s}"
        + (f"   CPU {1000 * cpu / served:5.1f} ms a request" if served else "")
        + (f"   non-2xx {bad.group(1)}" if bad else "")
        + (f"   {errors.group(0)}" if errors else "")
    )


def _load(work: Path) -> None:
    import django

    django.setup()
    from datetime import UTC, date, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from supportledger.catalog.actions import do_create_product
    from supportledger.customers.actions import do_add_staff_member, do_create_customer
    from supportledger.customers.models import Customer
    from supportledger.desk.actions.requests import do_open_request
    from supportledger.desk.actions.thread import do_post_message
    from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_voucher
    from supportledger.ops.setup import do_set_up_vendor

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    now = datetime.now(UTC)
    do_set_up_vendor(
        acting_user=None, preset_name="prepaid_hours_bg", now=now - timedelta(days=400)
    )
    product = do_create_product(acting_user=None, code="ACC", name="Accounting")
    user = get_user_model().objects.create_user("agent")
    do_add_staff_member(acting_user=None, user=user, products=[product])
    customer = do_create_customer(
        acting_user=None,
        organisation="Acme Ltd",
        city="Sofia",
        country="BG",
        language="bg",
        currency="EUR",
    )
    start, end = date.today() - timedelta(days=30), date.today() + timedelta(days=300)
    do_sell_contract(
        acting_user=None, customer=customer, starts=start, ends=end, sla=True, minutes_per_month=600
    )
    do_sell_voucher(acting_user=None, customer=customer, minutes=600, starts=start, ends=end)
    request = do_open_request(
        acting_user=None,
        customer=customer,
        subject="Invoices print blank",
        body="Since the update.",
        category="configuration",
        channel="phone",
        product=product,
    )
    for n in range(10):
        do_post_message(acting_user=user, request=request, body_text=f"Reply {n}")
    with transaction.atomic(), connection.cursor() as cursor:
        created = now.isoformat()
        cursor.executemany(
            "INSERT INTO customers_customer (organisation, street, postcode, city, country,"
            " customer_type, registration_number, language, currency, vat_id, on_hold,"
            " on_hold_reason, created_at) VALUES (%s,'1 Main St','1000','Sofia','BG',"
            "'business','','bg','EUR','',0,'',%s)",
            [(f"Customer {n:04d}", created) for n in range(CUSTOMERS - 1)],
        )
        others = list(Customer.objects.exclude(pk=customer.pk).values_list("pk", flat=True))
        under_test = min(UNDER_TEST_REQUESTS, REQUESTS - 1)
        base = now - timedelta(days=365)
        cursor.executemany(
            "INSERT INTO desk_request (customer_id, category, opened_via, channel, subject,"
            " status, priority, source_message_id, search_text, created_at, updated_at)"
            " VALUES (%s,'consultation','portal','portal',%s,%s,'normal','',%s,%s,%s)",
            (
                (
                    customer.pk if n < under_test else others[n % len(others)],
                    f"Request number {n}",
                    ("new", "open", "waiting", "resolved", "closed")[n % 5],
                    f"request number {n}",  # the folded subject, for the queue's search
                    (base + timedelta(seconds=300 * n)).isoformat(),
                    (base + timedelta(seconds=300 * n)).isoformat(),
                )
                for n in range(REQUESTS - 1)
            ),
        )
        low, high = cursor.execute("SELECT MIN(id), MAX(id) FROM desk_request").fetchone()
        span = high - low + 1
        cursor.executemany(
            "INSERT INTO desk_message (request_id, internal, body_text, body_html,"
            " source_message_id, created_at) VALUES (%s,%s,%s,'','',%s)",
            (
                (low + n % span, n % 7 == 0, f"Message {n} of the thread.", created)
                for n in range(MESSAGES - 10)
            ),
        )
    call_command("check", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    request_path = f"/console/requests/{request.pk}/"
    list_path = f"/console/?customer={customer.pk}&status=all"
    for path in (request_path, list_path):
        status = client.get(path).status_code
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    (work / "targets").write_text(f"{cookie}\n{request_path}\n{list_path}\n")
    print(f"desk: database filled in {time.perf_counter() - started:.0f} s")


def _migrate() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _parts(work: Path) -> None:
    """Where the request page's CPU time goes, in this process (no server, no
    HTTP): each read it makes and its template, best of 5 x 100 calls."""
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.utils import timezone

    from supportledger.console.access import get_staff_member
    from supportledger.core import clock, policy_cache
    from supportledger.core.queries import get_vendor_policy
    from supportledger.desk import queries
    from supportledger.desk.models import TRANSITIONS, Priority, Status
    from supportledger.entitlements.convert import local_date
    from supportledger.rules.types import CATEGORIES, MODES

    cookie, request_path, list_path = (work / "targets").read_text().split("\n")[:3]
    session_key = cookie.split("=", 1)[1]
    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies["sessionid"] = session_key
    user = get_user_model().objects.get(username="agent")
    agent = get_staff_member(user)
    request = queries.get_request_for_staff_page(request_path.strip("/").split("/")[-1])
    now = clock.now()
    policy = get_vendor_policy()
    today = local_date(now, policy.timezone)
    holdings = queries.get_customer_holdings(request.customer, on=today)

    def preview() -> object:
        return queries.preview_cost(
            request, mode="remote", minutes=60, now=now, policy_row=policy, holdings=holdings
        )

    page = RequestFactory().get(request_path)
    page.user = user
    context = {
        "r": request,
        "customer": request.customer,
        "thread": queries.list_thread_for_staff_page(request),
        "entitlements": holdings.summary(),
        "work": queries.list_work_lines(request),
        "timer": None,
        "preview": preview(),
        "preview_mode": "remote",
        "preview_minutes": 60,
        "next_statuses": [
            (s, Status(s).label) for s in Status.values if s in TRANSITIONS[request.status]
        ],
        "staff": queries.list_staff_choices(),
        "priorities": Priority.choices,
        "modes": MODES,
        "categories": CATEGORIES,
        "now": now,
        "time_zone": policy.timezone,
    }

    def render() -> str:
        with timezone.override(ZoneInfo(policy.timezone)):
            return render_to_string("console/desk/request.html", context, request=page)

    print("  in-process CPU a call (best of 5 x 100):")
    for label, call in (
        ("whole request page (test client)", lambda: client.get(request_path)),
        ("whole request list (test client)", lambda: client.get(list_path)),
        ("bare endpoint (test client)", lambda: client.get("/bare/")),
        ("  session", lambda: SessionStore(session_key).load()),
        ("  user", lambda: get_user_model().objects.get(pk=user.pk)),
        ("  staff row", lambda: get_staff_member(user)),
        ("  policy version check", policy_cache.current),
        (
            "  request with customer, product",
            lambda: queries.get_request_for_staff_page(request.pk),
        ),
        (
            "  holdings (3 queries)",
            lambda: queries.get_customer_holdings(request.customer, on=today),
        ),
        ("  cost preview (rating)", preview),
        ("  thread", lambda: queries.list_thread_for_staff_page(request)),
        ("  work with ratings", lambda: queries.list_work_lines(request)),
        ("  timer", lambda: queries.get_running_timer(request, agent)),
        ("  staff list", queries.list_staff_choices),
        ("  template", render),
    ):
        call()
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(100):
                call()
            best = min(best, (time.process_time() - started) / 100)
        print(f"    {label:40s} {1000 * best:6.2f} ms")


if __name__ == "__main__" and sys.argv[1:2] == ["load"]:
    _load(Path(sys.argv[2]))
elif __name__ == "__main__" and sys.argv[1:2] == ["migrate"]:
    _migrate()
elif __name__ == "__main__" and sys.argv[1:2] == ["parts"]:
    _parts(Path(sys.argv[2]))
