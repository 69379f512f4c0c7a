"""Runs ``supportledger bill ARGS`` and stops it inside the N-th invoice's
transaction, once its lines, its number and its audit row are written:
``python -m tests.billing.crash_bill N ARGS``. It prints "paused" and waits
there for the test to kill it. The stop is a signal handler this module
installs on the audit log, so the billing run itself has no hook for tests."""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def main(pause_at: int, args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models.signals import post_save

    from supportledger.core.models import AuditEntry

    seen = 0

    def pause_in_the_nth_invoice(sender: Any, instance: AuditEntry, **kwargs: Any) -> None:
        nonlocal seen
        if instance.action != "bill_period":
            return
        seen += 1
        if seen == pause_at:
            sys.stdout.write("paused\n")
            sys.stdout.flush()
            while True:  # until the test kills the process
                time.sleep(60)

    post_save.connect(pause_in_the_nth_invoice, sender=AuditEntry, weak=False)
    call_command("bill", *args)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
