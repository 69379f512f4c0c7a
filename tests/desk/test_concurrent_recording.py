"""Many agents recording work against one 10-hour voucher at the same time.

The naive variant below (read the balance, subtract, save, no lock) was run
once on PostgreSQL 15.18 with 16 threads x 3 pieces of 60 minutes each:

    SUPPORTLEDGER_NAIVE_LEDGER=1 scripts/throwaway-postgres \
        .venv/bin/pytest tests/desk/test_concurrent_recording.py -k naive

    AssertionError: the naive way handed out 2880 minutes from a 600-minute voucher
    (balance left 300)

Every thread read the same balance before any wrote it back, so 48 pieces
of an hour were handed out of 10 hours and the saved balance still said 5
hours were left: lost updates and an overdraft at once.

It is deselected unless SUPPORTLEDGER_NAIVE_LEDGER=1 because it is meant to fail.
"""

import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import WorkEntry, WorkRating
from supportledger.entitlements.actions.sales import do_sell_voucher
from supportledger.entitlements.models import Entitlement, LedgerEntry
from tests.cast import at, build_cast, open_request

THREADS = 16
PIECES_PER_THREAD = 3
DAY = date(2026, 3, 4)


def _run_in_threads(target):
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            target(index)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_agents_never_overdraw_a_ten_hour_voucher_and_lose_nothing():
    cast = build_cast()
    voucher = do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
    )
    requests = [open_request(cast.acme, subject=f"R{i}") for i in range(THREADS)]

    def record(index):
        for piece in range(PIECES_PER_THREAD):
            start = at(DAY, 8) + timedelta(minutes=index * 5 + piece)
            do_record_work(
                acting_user=None,
                work_id=f"W{index}-{piece}",
                request=requests[index],
                agent=cast.maria,
                started_at=start,
                ended_at=start + timedelta(minutes=50),
                mode="remote",
                category="configuration",
                product=cast.accounting,
            )

    errors = _run_in_threads(record)

    assert errors == []
    assert WorkEntry.objects.count() == THREADS * PIECES_PER_THREAD
    consumed = -sum(
        LedgerEntry.objects.filter(entitlement=voucher, reason="consume").values_list(
            "minutes_delta", flat=True
        )
    )
    assert consumed == 600
    voucher.refresh_from_db()
    assert voucher.balance_minutes == 0
    for rating in WorkRating.objects.filter(current=True):
        allocated = sum(a["minutes"] for a in rating.allocations)
        assert allocated + rating.billable_minutes == rating.counted_minutes == 60


@pytest.mark.postgres
@pytest.mark.naive_ledger
@pytest.mark.django_db(transaction=True)
def test_naive_read_subtract_save_overdraws_a_voucher():
    cast = build_cast()
    voucher = do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
    )
    handed_out = []
    lock = threading.Lock()

    def naive(index):
        for _ in range(PIECES_PER_THREAD):
            with transaction.atomic():
                row = Entitlement.objects.get(pk=voucher.pk)  # no select_for_update
                take = min(60, row.balance_minutes)
                time.sleep(0.01)  # the time a rating takes
                row.balance_minutes -= take
                row.save(update_fields=["balance_minutes"])
            with lock:
                handed_out.append(take)

    errors = _run_in_threads(naive)
    assert errors == []
    voucher.refresh_from_db()
    assert sum(handed_out) <= 600, (
        f"the naive way handed out {sum(handed_out)} minutes from a 600-minute voucher "
        f"(balance left {voucher.balance_minutes})"
    )
