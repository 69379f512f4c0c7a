"""``supportledger serve``: the web server.

By default a single-machine server on http://127.0.0.1:8000 (gunicorn, with
static files served by whitenoise). ``--dev`` uses Django's auto-reloading
development server instead.
"""

import os
import shutil
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve supportledger over HTTP."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--dev", action="store_true", help="Django's development server")

    def handle(self, *args, bind: str, workers: int, dev: bool, **options):  # type: ignore[no-untyped-def]
        if dev:
            call_command("runserver", bind)
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        self.stdout.write(f"supportledger serving on http://{bind}/")
        os.execv(  # noqa: S606 - replaces this process with the server, no shell
            gunicorn,
            [
                gunicorn,
                "supportledger.wsgi",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
            ],
        )
