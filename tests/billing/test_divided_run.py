"""The monthly billing run divided into chunks of customers that several
workers claim: the invoices are those of one worker's run — the same
numbers in the same order, gap-free, every customer billed once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from supportledger.billing import chunks
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import BillingChunk, Invoice, InvoiceStatus
from supportledger.customers.actions import do_create_customer
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.billing.scenario import BILLED_AT, set_up_billing_settings
from tests.cast import SET_UP_AT, build_cast

MARCH = Period.month("2026-03")
KEY = chunks.run_key_of(MARCH)


def _subscribers(count: int = 7) -> None:
    build_cast()
    set_up_billing_settings()
    for n in range(count):
        customer = do_create_customer(
            acting_user=None,
            organisation=f"Subscriber {n}",
            street=f"{n + 1} Vitosha Blvd",
            postcode="1000",
            city="Sofia",
            country="BG",
            language="en",
            currency="EUR",
            now=SET_UP_AT,
        )
        do_sell_contract(
            acting_user=None,
            customer=customer,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            minutes_per_month=60,
            fee=Decimal(100 + 10 * n),
            currency="EUR",
            billing_period="month",
            now=SET_UP_AT,
        )


def _invoices() -> list[tuple[int, str, Decimal]]:
    """(customer, number, total) of the period's invoices, in number order."""
    return list(
        Invoice.objects.filter(billing_period=MARCH.label)
        .exclude(number="")
        .order_by("number")
        .values_list("customer_id", "number", "total_amount")
    )


class Rollback(Exception):
    pass


def _one_workers_run() -> list[tuple[int, str, Decimal]]:
    """What one worker billing and issuing customer after customer makes
    (rolled back afterwards)."""
    seen: list[tuple[int, str, Decimal]] = []
    try:
        with transaction.atomic():
            do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
            seen = _invoices()
            raise Rollback
    except Rollback:
        pass
    assert not _invoices()
    return seen


@pytest.mark.django_db
def test_two_workers_taking_turns_at_the_chunks_make_the_invoices_of_one_workers_run():
    _subscribers()
    expected = _one_workers_run()
    assert len(expected) >= 7
    assert chunks.plan_chunks(KEY, MARCH, size=2) == chunks.plan_chunks(KEY, MARCH, size=2)
    # Worker B takes the first chunk, A the second, B the third, ... in turns.
    names = ["B", "A"]
    turn = 0
    while chunks.bill_next_chunk(KEY, worker=names[turn % 2], now=BILLED_AT) is not None:
        turn += 1
        queued = BillingChunk.objects.filter(run_key=KEY, status="queued").exists()
        if queued:
            assert chunks.finish_run(KEY, now=BILLED_AT) is None  # not every chunk done
    assert turn == BillingChunk.objects.filter(run_key=KEY).count() >= 4
    assert {c.worker for c in BillingChunk.objects.filter(run_key=KEY)} == {"A", "B"}
    assert chunks.finish_run(KEY, now=BILLED_AT) == len(expected)
    assert chunks.finish_run(KEY, now=BILLED_AT) is None  # once
    assert _invoices() == expected
    numbers = [int(number.rsplit("-", 1)[-1]) for _c, number, _t in expected]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert not Invoice.objects.filter(status=InvoiceStatus.DRAFT).exists()
    customers = [customer for customer, _n, _t in _invoices()]
    assert len(customers) == len(set(customers))


@pytest.mark.django_db
def test_a_chunk_that_fails_goes_back_in_the_queue_for_the_next_worker(monkeypatch):
    _subscribers(3)
    chunks.plan_chunks(KEY, MARCH, size=2)

    real = chunks.do_run_billing

    def broken(**kwargs):
        real(**kwargs)  # the chunk's drafts are written, then the worker fails
        raise RuntimeError("database went away")

    monkeypatch.setattr(chunks, "do_run_billing", broken)
    with pytest.raises(RuntimeError):
        chunks.work_on_run(KEY, now=BILLED_AT)
    assert set(BillingChunk.objects.values_list("status", flat=True)) == {"queued"}
    assert not Invoice.objects.exists()  # rolled back with the chunk
    monkeypatch.undo()
    outcome = chunks.work_on_run(KEY, now=BILLED_AT)
    assert outcome["issued"] == len(_invoices()) >= 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_on_postgresql_bill_like_one_worker():
    assert connection.vendor == "postgresql"
    _subscribers(9)
    expected = _one_workers_run()
    chunks.plan_chunks(KEY, MARCH, size=2)
    start = threading.Barrier(2)
    outcomes: dict[str, dict] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            claimed = []
            while (number := chunks.bill_next_chunk(KEY, worker=name, now=BILLED_AT)) is not None:
                claimed.append(number)
            outcomes[name] = {"chunks": claimed, "issued": chunks.finish_run(KEY, now=BILLED_AT)}
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    claimed = outcomes["A"]["chunks"] + outcomes["B"]["chunks"]
    assert sorted(claimed) == list(range(1, BillingChunk.objects.filter(run_key=KEY).count() + 1))
    # Exactly one of them numbered the drafts; the other found it done or not ready.
    issued = [o["issued"] for o in outcomes.values() if o["issued"]]
    assert issued == [len(expected)] or (
        issued == [] and chunks.finish_run(KEY, now=BILLED_AT) == len(expected)
    )
    assert _invoices() == expected
