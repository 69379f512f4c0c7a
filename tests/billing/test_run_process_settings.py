"""What the billing run changes in its process for speed lasts only while it
bills: the cycle collector is paused during a batch and back on after it
(also when the batch fails, and not switched on if it was off), and on
SQLite the connection's page cache is the run's size while it bills and
what it was afterwards (on PostgreSQL it is left alone)."""

from __future__ import annotations

import gc
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportledger.billing.actions import run as billing_run
from supportledger.billing.actions.run import RUN_CACHE_KIB, do_run_billing
from supportledger.billing.models import Invoice
from tests.billing.scenario import BILLED_AT
from tests.billing.test_divided_run import MARCH, _subscribers


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def _watching_batches(seen: list[tuple[bool, int | None]]) -> Any:
    original = billing_run._write_batch

    def write_batch(drafts: Any, run: Any) -> None:
        sqlite = connection.vendor == "sqlite"
        seen.append((gc.isenabled(), _cache_size() if sqlite else None))
        original(drafts, run)

    return mock.patch.object(billing_run, "_write_batch", write_batch)


@pytest.mark.django_db
def test_the_collector_is_paused_while_a_batch_bills_and_on_again_after_it():
    _subscribers(3)
    assert gc.isenabled()
    seen: list[tuple[bool, int | None]] = []
    after_each: list[bool] = []
    with _watching_batches(seen):
        result = do_run_billing(
            acting_user=None,
            period=MARCH,
            now=BILLED_AT,
            batch_size=2,
            on_invoice=lambda _invoice: after_each.append(gc.isenabled()),
        )
    assert len(result.invoices) == 3
    assert len(seen) >= 2  # batches of two customers
    assert not any(enabled for enabled, _cache in seen)
    assert after_each == [True, True, True]
    assert gc.isenabled()


@pytest.mark.django_db
def test_a_failing_batch_leaves_the_collector_on():
    _subscribers(2)

    def fail(drafts: Any, run: Any) -> None:
        raise RuntimeError("disk full")

    with (
        mock.patch.object(billing_run, "_write_batch", fail),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
    assert gc.isenabled()
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_collector_switched_off_by_the_caller_stays_off():
    _subscribers(1)
    gc.disable()
    try:
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.django_db
def test_the_page_cache_is_the_runs_while_it_bills_and_as_it_was_after():
    """On SQLite; PostgreSQL's connection is left as it is."""
    _subscribers(2)
    sqlite = connection.vendor == "sqlite"
    before = _cache_size() if sqlite else None
    assert before != -RUN_CACHE_KIB
    seen: list[tuple[bool, int | None]] = []
    with _watching_batches(seen), CaptureQueriesContext(connection) as queries:
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
    pragmas = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("PRAGMA")]
    if not sqlite:
        assert pragmas == []
        return
    assert [cache for _enabled, cache in seen] == [-RUN_CACHE_KIB]
    assert _cache_size() == before

    def fail(drafts: Any, run: Any) -> None:
        raise RuntimeError("disk full")

    with (
        mock.patch.object(billing_run, "_write_batch", fail),
        pytest.raises(RuntimeError),
    ):
        do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
    assert _cache_size() == before
