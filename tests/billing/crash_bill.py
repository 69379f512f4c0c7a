"""Runs ``supportledger bill ARGS`` and stops it inside the N-th batch's
transaction, once its invoices, lines, numbers and audit rows are written:
``python -m tests.billing.crash_bill N ARGS``. It prints "paused" and waits
there for the test to kill it. The stop is a wrapper this module puts around
the database connection, watching for the batch's ``bill_period`` audit
rows, so the billing run itself has no hook for tests."""

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
    from django.db import connection

    seen = 0

    def pause_in_the_nth_batch(
        execute: Any, sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        nonlocal seen
        result = execute(sql, params, many, context)
        audit = "core_auditentry" in sql and sql.lstrip().upper().startswith("INSERT")
        if audit and "bill_period" in [str(p) for p in params or ()]:
            seen += 1
            if seen == pause_at:
                sys.stdout.write("paused\n")
                sys.stdout.flush()
                while True:  # until the test kills the process
                    time.sleep(60)
        return result

    with connection.execute_wrapper(pause_in_the_nth_batch):
        call_command("bill", *args)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
