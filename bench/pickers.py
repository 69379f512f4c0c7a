"""Pickers benchmark: the server time of the console's new-request form and
of each picker's list (customer, contact, product, licence, agent, request,
consent) on the data of ``supportledger demo --size large`` (10 000
customers and their licences, requests and work; three contacts a customer
are added in bulk, as the demo writes none), against a target of 100 ms
each.

SQLite in a temporary directory; the demo is built by the real command in a
subprocess. ``BENCH_PICKERS_DIR`` names a directory to build it in once and
reuse on later runs (kept). Each page is served in-process through the whole
middleware stack by Django's test client, signed in as the demo's
administrator, ``ROUNDS`` times after one warm-up; the median and the
slowest are printed. Not part of the test suite; ``make bench`` or
``python -m bench pickers`` runs it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 20
TARGET_MS = 100.0


def run() -> None:
    kept = os.environ.get("BENCH_PICKERS_DIR", "")
    var = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="bench-pickers-"))
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SUPPORTLEDGER_VAR_DIR": str(var), "DATABASE_URL": ""}
    ready = var / ".demo-large-built"
    try:
        if not ready.exists():
            cli = [str(Path(sys.executable).parent / "supportledger")]
            subprocess.run([*cli, "migrate", "--noinput", "-v", "0"], env=env, check=True)
            started = time.perf_counter()
            subprocess.run(
                [*cli, "demo", "--size", "large"], env=env, check=True, stdout=subprocess.DEVNULL
            )
            print(f"pickers: demo --size large built in {time.perf_counter() - started:.0f} s")
            ready.touch()
        subprocess.run([sys.executable, "-m", "bench.pickers", "measure"], env=env, check=True)
    finally:
        if not kept:
            shutil.rmtree(var, ignore_errors=True)


def measure() -> None:
    import logging

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from supportledger.customers.models import Contact, Customer
    from supportledger.desk.models import Request
    from supportledger.entitlements.models import Licence

    logging.getLogger("supportledger.requests").setLevel(logging.WARNING)  # one line a page
    client = Client(HTTP_HOST="127.0.0.1", HTTP_HX_REQUEST="true")
    client.force_login(get_user_model().objects.get(username="admin"))
    if not Contact.objects.exists():
        # The large demo writes no contacts: three per customer, in bulk,
        # so the new-request form (which once listed them all) and the
        # contact picker are timed against 30 000 of them.
        Contact.objects.bulk_create(
            Contact(
                customer_id=pk,
                name=f"Contact {n} of {pk}",
                email=f"c{n}.{pk}@demo.example",
                language="en",
            )
            for pk in Customer.objects.values_list("pk", flat=True)
            for n in range(3)
        )
        print(f"pickers: added {Contact.objects.count()} contacts (the large demo has none)")
    licence = Licence.objects.order_by("-id").first()
    contact = Contact.objects.order_by("-id").first()
    request = Request.objects.order_by("-id").first()
    assert licence is not None
    assert contact is not None
    assert request is not None
    pick = "console:pick"
    pages = [
        ("new-request form", reverse("console:new_request"), {}),
        ("customer picker", reverse(pick, args=["customer"]), {"customer_text": "a"}),
        (
            "contact picker",
            reverse(pick, args=["contact"]),
            {"contact_text": "a", "customer": contact.customer_id},
        ),
        ("product picker", reverse(pick, args=["product"]), {"product_text": "a"}),
        (
            "licence picker",
            reverse(pick, args=["licence"]),
            {"licence_text": "", "customer": licence.customer_id},
        ),
        ("agent picker", reverse(pick, args=["agent"]), {"agent_text": "a"}),
        ("request picker", reverse(pick, args=["request"]), {"request_text": "print"}),
        (
            "consent picker",
            reverse(pick, args=["consent"]),
            {"consent_text": "a", "request": request.pk},
        ),
    ]
    print(f"pickers: server time on demo --size large (target < {TARGET_MS:.0f} ms)")
    for label, url, params in pages:
        response = client.get(url, params)
        assert response.status_code == 200, (label, response.status_code)
        took = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            client.get(url, params)
            took.append((time.perf_counter() - started) * 1000)
        median, worst = statistics.median(took), max(took)
        verdict = "ok" if median < TARGET_MS else "OVER TARGET"
        print(f"pickers: {label:18} median {median:6.1f} ms, slowest {worst:6.1f} ms  {verdict}")


if __name__ == "__main__":
    if sys.argv[1:] == ["measure"]:
        measure()
    else:
        run()
