"""``supportledger serve --all`` (what ``make run`` starts): one supervisor
brings up the web server, the worker, the mail listener and the mail
catcher; mail sent to the listener opens a request, a staff reply lands in
the catcher and is readable in the console, and Ctrl+C stops everything."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import subprocess
from email.message import EmailMessage

import pytest

from tests.ops.processes import (
    SUPPORTLEDGER,
    Browser,
    env_for,
    free_port,
    port_open,
    run_cli,
    shell,
    wait_until,
)

SET_UP = """
from django.contrib.auth import get_user_model
from supportledger.ops.setup import do_set_up_vendor
from supportledger.customers.actions import do_add_contact, do_add_staff_member, do_create_customer
from supportledger.customers.models import StaffRole
do_set_up_vendor(acting_user=None, preset_name="prepaid_hours_bg")
customer = do_create_customer(acting_user=None, organisation="Alpha Ltd", city="Sofia",
                              country="BG", language="en", currency="EUR")
# Staff vouch for the address (a customer-added one is proven by a link first).
do_add_contact(acting_user=None, customer=customer, name="Alice", email="alice@alpha.example",
               verified=True)
admin = get_user_model().objects.create_superuser("chief", "chief@example.com", "chief-pass-77")
do_add_staff_member(acting_user=None, user=admin, role=StaffRole.ADMINISTRATOR)
"""


@pytest.fixture
def everything(tmp_path):
    env = env_for(tmp_path / "var")
    run_cli(env, "migrate", "--noinput")
    shell(env, SET_UP)
    ports = {"web": free_port(), "mail": free_port(), "catcher": free_port()}
    process = subprocess.Popen(
        [
            SUPPORTLEDGER,
            "serve",
            "--all",
            "--bind",
            f"127.0.0.1:{ports['web']}",
            "--workers",
            "1",
            "--mail-port",
            str(ports["mail"]),
            "--catcher-port",
            str(ports["catcher"]),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield env, ports, process
    finally:
        # Stopped as Ctrl+C stops it, so the supervisor stops its children
        # (each in its own session); killed only if it does not.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_one_command_runs_web_worker_and_mail_and_a_reply_reaches_the_catcher(everything):
    env, ports, process = everything
    web = Browser(f"http://127.0.0.1:{ports['web']}")

    for name, port in ports.items():
        wait_until(f"{name} on port {port}", lambda port=port: port_open(port))
    # Ready means the worker has polled the queue too.
    ready = wait_until("readiness", lambda: web.get("/readyz")[0] == 200 and web.get("/readyz"))
    assert json.loads(ready[1])["checks"]["worker"]["ok"] is True

    mail = EmailMessage()
    mail["From"] = "Alice <alice@alpha.example>"
    mail["To"] = "support@localhost"
    mail["Subject"] = "Printer driver after the update"
    mail["Message-ID"] = "<first@alpha.example>"
    mail.set_content("Invoices no longer print since this morning.")
    with smtplib.SMTP("127.0.0.1", ports["mail"], timeout=30) as smtp:
        smtp.send_message(mail)
    found = shell(
        env,
        "from supportledger.desk.models import Request\n"
        "r = Request.objects.get(subject='Printer driver after the update')\n"
        "print(r.pk, r.contact.email)",
    ).split()
    assert found[1] == "alice@alpha.example"
    request_pk = found[0]

    assert web.post("/console/login/", {"username": "chief", "password": "chief-pass-77"}) == 200
    status = web.post(
        f"/console/requests/{request_pk}/messages/",
        {"body": "Reinstall the driver from the downloads page, please."},
        page=f"/console/requests/{request_pk}/",
    )
    assert status == 200

    def caught_reply() -> str | None:
        # The catcher may also hold the receipt for the new request, under the
        # same subject; the reply is the message that carries the staff text.
        code, html, _headers = web.get("/console/caught-mail/")
        if code != 200:
            return None
        for key in re.findall(r'href="/console/caught-mail/([^/"]+)/"', html):
            code, detail, _headers = web.get(f"/console/caught-mail/{key}/")
            if code == 200 and "Reinstall the driver from the downloads page" in detail:
                return detail
        return None

    detail = wait_until("the reply in the catcher", caught_reply, timeout=120)
    assert "alice@alpha.example" in detail
    assert "Printer driver after the update" in detail

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C in the terminal does
    output, _ = process.communicate(timeout=60)
    assert f"SMTP 127.0.0.1:{ports['mail']}" in output
    assert f"SMTP 127.0.0.1:{ports['catcher']}" in output
    for name in ("web", "worker", "mail", "catcher"):
        assert f"{name} started" in output
        assert f"{name} stopped" in output
    assert not any(port_open(port) for port in ports.values())


@pytest.mark.django_db
def test_the_caught_mail_pages_are_for_staff_only(client, settings, tmp_path):
    # Every console page reads the vendor's time zone from the policy, so
    # like the rest of the console these pages are served from the database.
    from django.contrib.auth import get_user_model

    from supportledger.customers.actions import do_add_staff_member
    from supportledger.ops.caught_mail import store_caught_mail
    from supportledger.ops.setup import do_set_up_vendor

    settings.VAR_DIR = tmp_path
    do_set_up_vendor(acting_user=None, preset_name="prepaid_hours_bg")
    message = EmailMessage()
    message["From"] = "desk@vendor.example"
    message["To"] = "alice@alpha.example"
    message["Subject"] = "Your request was answered"
    message.set_content("Hello Alice")
    key = store_caught_mail(
        message.as_bytes(), envelope_from="desk@vendor.example", envelope_to=["alice@alpha.example"]
    )
    pages = ("/console/caught-mail/", f"/console/caught-mail/{key}/")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/console/login/")

    # Signed in through the console's own login page, as people are.
    users = get_user_model().objects
    users.create_user("outsider", password="outsider-pass-77")
    client.post("/console/login/", {"username": "outsider", "password": "outsider-pass-77"})
    for page in pages:
        assert client.get(page).status_code == 403

    agent = users.create_user("agent", password="agent-pass-77")
    do_add_staff_member(acting_user=None, user=agent)
    client.post("/console/login/", {"username": "agent", "password": "agent-pass-77"})
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        assert "Your request was answered" in response.content.decode()
