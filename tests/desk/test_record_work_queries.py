"""Recording a piece of work costs a fixed, small number of queries whatever
the data: the policy version, one statement locking the request and the
entitlements valid that day (with everything the checks and the rating
read), then the writes (the work, its rating, each ledger entry with the
cache it moves, the audit row). The count is asserted exactly, so it cannot
grow back unnoticed."""

from datetime import date, timedelta

import pytest

from supportledger.core import policy_cache
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_voucher
from supportledger.entitlements.models import AllowanceUsage, LedgerEntry
from tests.cast import SET_UP_AT, at, build_cast, open_request

YEAR = (date(2026, 1, 1), date(2026, 12, 31))

# Policy version; the lock-and-read statement; the customer's entitlements
# not valid that day (read, not locked, so the rating can name why they did
# not pay); the work; its rating; the ledger entry; the cache it moves (the
# voucher's balance, or the month's allowance use in one upsert); the audit
# row: 8. The test runs inside a transaction, so the action's own transaction
# is a savepoint and its release, 2 more statements here (BEGIN and COMMIT
# when served).
RECORDING_QUERIES = 10


@pytest.fixture(autouse=True)
def _outside_any_request():
    """Recorded as a job or a command records it: outside an HTTP request
    (where the policy version is read on every ask), whatever request an
    earlier test in this process left the policy cache in."""
    policy_cache.request_finished()


def _record(cast, request, work_id, day, category="consultation"):
    start = at(day, 8)
    return do_record_work(
        acting_user=None,
        work_id=work_id,
        request=request,
        agent=cast.maria,
        started_at=start,
        ended_at=start + timedelta(minutes=30),
        mode="remote",
        category=category,
        product=cast.accounting,
    )


def _grow(cast, request, times):
    """More of everything: vouchers, ledger entries, recorded work."""
    for n in range(times):
        voucher = do_sell_voucher(
            acting_user=None,
            customer=cast.acme,
            minutes=600,
            starts=YEAR[0],
            ends=YEAR[1],
            now=SET_UP_AT,
        )
        do_adjust_balance(acting_user=None, entitlement=voucher, minutes=5, note="filler")
        _record(cast, request, f"grow-{times}-{n}", date(2026, 2, 2 + n))


@pytest.mark.django_db
def test_recording_work_on_a_voucher_costs_the_same_queries_at_two_data_sizes(
    django_assert_num_queries,
):
    cast = build_cast()
    request = open_request(cast.acme)
    # Large enough that no voucher runs dry: a dry voucher adds one query
    # (what work dated later drew from it, for the explanation).
    do_sell_voucher(
        acting_user=None, customer=cast.acme, minutes=6000, starts=YEAR[0], ends=YEAR[1]
    )
    _record(cast, request, "warm", date(2026, 3, 2))
    for size, day in ((1, date(2026, 3, 3)), (8, date(2026, 3, 4))):
        _grow(cast, request, size)
        entries = LedgerEntry.objects.count()
        with django_assert_num_queries(RECORDING_QUERIES):
            work = _record(cast, request, f"W{size}", day)
        assert work.ratings.get(current=True).allocations  # it drew on a voucher
        assert LedgerEntry.objects.count() == entries + 1


@pytest.mark.django_db
def test_recording_work_on_a_contract_allowance_costs_the_same_queries(
    django_assert_num_queries,
):
    cast = build_cast()
    request = open_request(cast.acme)
    contract = do_sell_contract(
        acting_user=None,
        customer=cast.acme,
        starts=YEAR[0],
        ends=YEAR[1],
        minutes_per_month=600,
        covers=[],
    )
    # The first use of a month inserts the month's row, later ones update it:
    # the same one statement either way.
    for n, day in enumerate((date(2026, 3, 2), date(2026, 3, 3), date(2026, 4, 1))):
        with django_assert_num_queries(RECORDING_QUERIES):
            _record(cast, request, f"C{n}", day, category="configuration")
    used = dict(
        AllowanceUsage.objects.filter(entitlement=contract).values_list("month", "used_minutes")
    )
    # Remote work counts in whole hours under this contract: 60 minutes a piece.
    assert used == {date(2026, 3, 1): 120, date(2026, 4, 1): 60}


@pytest.mark.django_db
def test_recording_the_same_work_id_again_reads_and_writes_nothing_new(
    django_assert_max_num_queries,
):
    cast = build_cast()
    request = open_request(cast.acme)
    do_sell_voucher(acting_user=None, customer=cast.acme, minutes=600, starts=YEAR[0], ends=YEAR[1])
    first = _record(cast, request, "W1", date(2026, 3, 2))
    entries = LedgerEntry.objects.count()
    with django_assert_max_num_queries(RECORDING_QUERIES):
        again = _record(cast, request, "W1", date(2026, 3, 2))
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == entries
