"""A voucher run dry makes each recording read what work dated later drew
from it. That read walks the index of the entries work posted on vouchers
(``ledgerentry_drawn_by_work``), so a voucher's grants and adjustments, however
many, are not read: with statistics, SQLite names the index, PostgreSQL reads
neither the whole table nor the voucher's whole ledger, and the sums are those
of summing the ledger by hand."""

from datetime import date, timedelta

import pytest
from django.db import connection

from supportledger.desk.actions.work import do_record_work
from supportledger.desk.convert import drawn_by_later_work
from supportledger.entitlements.actions.sales import do_sell_voucher
from supportledger.entitlements.models import LedgerEntry, Reason
from tests.cast import SET_UP_AT, at, build_cast, open_request
from tests.plans import query_plan

pytestmark = pytest.mark.django_db


def test_what_later_work_drew_from_a_voucher_is_read_through_its_index():
    cast = build_cast()
    request = open_request(cast.acme)
    voucher = do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    for n, day in enumerate((date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))):
        start = at(day, 8)
        do_record_work(
            acting_user=None,
            work_id=f"W{n}",
            request=request,
            agent=cast.maria,
            started_at=start,
            ended_at=start + timedelta(minutes=30),
            mode="remote",
            category="consultation",
            product=cast.accounting,
        )
    # Many more entries that are no work's: adjustment pairs leaving the
    # balance as it was.
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            entitlement=voucher,
            reason=Reason.ADJUSTMENT,
            minutes_delta=1 if n % 2 == 0 else -1,
            created_at=SET_UP_AT,
            note="filler",
        )
        for n in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    later = drawn_by_later_work([voucher.pk], at(date(2026, 3, 2), 8))
    plan = query_plan(later)
    # Not the voucher's whole ledger: neither a scan of the table nor of the
    # plain entitlement index. With this little work recorded, PostgreSQL may
    # start from the work instead and then reach the ledger by the rating
    # (as at the bench's size it takes the new index).
    assert "Seq Scan on entitlements_ledgerentry" not in plan, plan
    assert "entitlements_ledgerentry_entitlement_id" not in plan, plan
    if connection.vendor == "sqlite":
        assert "ledgerentry_drawn_by_work" in plan, plan
    else:
        assert "ledgerentry_drawn_by_work" in plan or "work_rating_id" in plan, plan
    drawn = sum(
        e.minutes_delta
        for e in LedgerEntry.objects.filter(entitlement=voucher, work_rating__isnull=False)
        if e.work_rating.work.started_at > at(date(2026, 3, 2), 8)
    )
    assert drawn < 0
    assert dict(later) == {voucher.pk: drawn}
