"""``supportledger serve``: the web server, or with ``--all`` everything.

By default a single-machine server on http://127.0.0.1:8000 (gunicorn, with
static files served by whitenoise). ``--dev`` uses Django's auto-reloading
development server instead.

Each server keeps its own run directory, ``<var>/run/web-<host>-<port>``,
holding gunicorn's control socket, its pid file and the per-process metric
files, so several servers on one machine never share them.

``--all`` (what ``make run`` starts) supervises, with honcho, the web server,
the worker, the mail listener and a mail catcher, and stops them together on
Ctrl+C; the product's outbound mail goes to the catcher, whose messages
staff read in the console (Caught mail).
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _executable(name: str) -> str:
    # Next to the interpreter (a virtualenv), else on PATH (Debian's pip puts
    # scripts in /usr/local/bin while python is /usr/bin/python3).
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name) or name


def run_dir_for(bind: str) -> Path:
    """``<var>/run/web-<host>-<port>``: this server's private run directory."""
    safe = bind.replace("[", "").replace("]", "").replace(":", "-").replace("/", "_")
    return Path(settings.VAR_DIR) / "run" / f"web-{safe}"


def _split_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    try:
        return host.strip("[]") or "127.0.0.1", int(port)
    except ValueError:
        raise CommandError(f"--bind: {bind!r} is not HOST:PORT") from None


def _check_free(name: str, host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"{name}: cannot use {host}:{port} ({exc.strerror})") from None


class Command(BaseCommand):
    help = "Serve supportledger over HTTP (--all: with worker, mail listener and mail catcher)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--dev", action="store_true", help="Django's development server")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Also run the worker, the mail listener and a mail catcher; Ctrl+C stops all.",
        )
        parser.add_argument("--mail-port", type=int, default=2525, help="--all: mail listener")
        parser.add_argument("--catcher-port", type=int, default=1025, help="--all: mail catcher")

    def handle(self, *args: Any, **options: Any) -> None:
        bind: str = options["bind"]
        if options["all"]:
            self._all(bind, options["workers"], options["mail_port"], options["catcher_port"])
            return
        if options["dev"]:
            call_command("runserver", bind)
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        run_dir = run_dir_for(bind)
        metrics_dir = run_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        gunicorn = _executable("gunicorn")
        self.stdout.write(f"supportledger serving on http://{bind}/")
        self.stdout.flush()
        os.execv(  # noqa: S606 - replaces this process with the server, no shell
            gunicorn,
            [
                gunicorn,
                "supportledger.wsgi",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--control-socket",
                str(run_dir / "gunicorn.ctl"),
                "--pid",
                str(run_dir / "gunicorn.pid"),
                "--config",
                "python:supportledger.ops.gunicorn_conf",
            ],
        )

    def _all(self, bind: str, workers: int, mail_port: int, catcher_port: int) -> None:
        from honcho.manager import Manager
        from honcho.printer import Printer

        host, port = _split_bind(bind)
        _check_free("web server", host, port)
        _check_free("mail listener", "127.0.0.1", mail_port)
        _check_free("mail catcher", "127.0.0.1", catcher_port)
        command = shlex.quote(_executable("supportledger"))
        env = {
            **os.environ,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(catcher_port),
            "EMAIL_USE_TLS": "",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "PYTHONUNBUFFERED": "1",
        }
        processes = {
            "catcher": f"{command} mail-catcher --port {catcher_port}",
            "mail": f"{command} mail-in --host 127.0.0.1 --port {mail_port}",
            "worker": f"{command} worker",
            "web": f"{command} serve --bind {shlex.quote(bind)} --workers {workers}",
        }
        base = f"http://{host}:{port}"
        self.stdout.write(
            "supportledger, everything on this machine:\n"
            f"  web          {base}/  (staff console {base}/console/, demo login admin / admin)\n"
            f"  mail in      SMTP 127.0.0.1:{mail_port}  "
            "(mail sent here opens or answers requests)\n"
            f"  mail out     SMTP 127.0.0.1:{catcher_port}  (caught, nothing is delivered; "
            f"read it at {base}/console/caught-mail/)\n"
            "  worker       billing run, reminders, automatic confirmation, balance alerts\n"
            f"  health       {base}/healthz  {base}/readyz  {base}/metrics\n"
            "Ctrl+C stops them all.\n"
        )
        self.stdout.flush()
        manager = Manager(Printer(sys.stdout))
        for name, cmd in processes.items():
            manager.add_process(name, cmd, env=env)
        manager.loop()
        if manager.returncode:
            sys.exit(manager.returncode)
