"""A transactional test (end-to-end tests are) may write ledger entries: the
database is wiped by ``flush`` afterwards on SQLite as on PostgreSQL, while a
DELETE of a ledger row stays refused."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import do_sell_voucher
from supportledger.entitlements.models import LedgerEntry
from tests.cast import SET_UP_AT, at, build_cast, open_request


def fill_the_ledger():
    cast = build_cast()
    do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=600,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    do_record_work(
        acting_user=None,
        work_id="W1",
        request=open_request(cast.acme),
        agent=cast.maria,
        started_at=at(date(2026, 3, 4), 8),
        ended_at=at(date(2026, 3, 4), 9),
        mode="remote",
        category="consultation",
        product=cast.accounting,
    )
    assert LedgerEntry.objects.count() == 2


def raw_delete_of_every_entry():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM entitlements_ledgerentry")


@pytest.mark.django_db(transaction=True)
def test_flush_wipes_a_database_holding_ledger_entries_and_the_next_test_starts_empty():
    fill_the_ledger()
    call_command("flush", interactive=False, verbosity=0)
    assert LedgerEntry.objects.count() == 0
    # Filled again for the flush pytest-django runs after this test.
    fill_the_ledger()


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_a_delete_of_a_ledger_row_is_refused_again():
    fill_the_ledger()
    call_command("flush", interactive=False, verbosity=0)
    fill_the_ledger()
    with pytest.raises(DatabaseError):
        raw_delete_of_every_entry()
    with pytest.raises(DatabaseError):
        LedgerEntry.objects.all()._raw_delete(LedgerEntry.objects.db)
    assert LedgerEntry.objects.count() == 2
