"""One worker's share of a divided billing run, optionally stopped inside
the N-th chunk's transaction once its drafts are written: ``python -m
tests.billing.crash_chunk N PERIOD NOW`` (N = 0: never stops). It plans the
run's chunks (4 customers each) unless they exist, prints "paused" where it
stops and waits there for the test to kill it. The stop wraps the billing
call the chunk module makes, so the module has no hook for tests."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from typing import Any


def main(pause_at: int, period: str, now: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    import django

    django.setup()
    from supportledger.billing import chunks
    from supportledger.billing.convert import Period

    at = datetime.fromisoformat(now)
    month = Period.month(period)
    key = chunks.run_key_of(month)
    chunks.plan_chunks(key, month, size=4)
    real = chunks.do_run_billing
    seen = 0

    def bill_then_pause_in_the_nth(**kwargs: Any) -> Any:
        nonlocal seen
        result = real(**kwargs)
        seen += 1
        if seen == pause_at:
            sys.stdout.write("paused\n")
            sys.stdout.flush()
            while True:  # until the test kills the process
                time.sleep(60)
        return result

    chunks.do_run_billing = bill_then_pause_in_the_nth  # type: ignore[assignment]
    outcome = chunks.work_on_run(key, now=at)
    sys.stdout.write(f"{outcome}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
