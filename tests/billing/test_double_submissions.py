"""A form or an API call sent twice (or twice at once) creates nothing twice:
one open renewal order per support period, one claim per piece of work, so
one travel charge per rejected visit. The actions answer a repeat with what
the first made; the database refuses a second row whatever writes it. The
parallel cases run on PostgreSQL, each thread on its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_cancel_order, do_invoice_order, do_place_order
from supportledger.billing.models import Invoice, Order, OrderKind, OrderStatus
from supportledger.catalog.actions import do_create_product, do_set_product_price
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement, Kind
from supportledger.service.actions.claims import do_file_claim, do_reject_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.models import Claim, TravelCharge
from tests.billing.scenario import build_billing_story
from tests.cast import SET_UP_AT, at
from tests.service.scene import WEDNESDAY, build_scene

RENEWED_ON = datetime(2026, 7, 10, 9, tzinfo=UTC)
THREADS = 4


def support_period_to_renew() -> tuple[Any, Entitlement]:
    cast, _contract, _request = build_billing_story()
    studio = do_create_product(
        acting_user=None, code="STU", name="Studio", support_period_months=6, now=SET_UP_AT
    )
    do_set_product_price(
        acting_user=None,
        product=studio,
        effective_from=date(2025, 1, 1),
        amount=Decimal("7990"),
        currency="EUR",
        now=SET_UP_AT,
    )
    licence = do_sell_licence(
        acting_user=None,
        customer=cast.acme,
        product=studio,
        sold_on=date(2026, 1, 1),
        now=SET_UP_AT,
    )
    return cast, Entitlement.objects.get(licence=licence, kind=Kind.SUPPORT_PERIOD)


def renew(cast: Any, period: Entitlement) -> Order:
    return do_place_order(
        acting_user=None,
        customer=cast.acme,
        kind=OrderKind.RENEWAL,
        entitlement=period,
        now=RENEWED_ON,
    )


def confirmed_work() -> tuple[Any, Any]:
    scene = build_scene()
    work = do_record_work(
        acting_user=None,
        work_id="W1",
        request=scene.request,
        agent=scene.cast.maria,
        started_at=at(WEDNESDAY, 7),
        ended_at=at(WEDNESDAY, 8),
        mode="remote",
        category="configuration",
        product=scene.cast.accounting,
        now=at(WEDNESDAY, 8),
    )
    do_confirm_work(acting_user=None, work=work, contact=scene.petya, now=at(WEDNESDAY, 10))
    return scene, work


def file_claim(scene: Any, work: Any) -> Claim:
    return do_file_claim(
        acting_user=None,
        work=work,
        contact=scene.petya,
        description="The report still prints the old VAT rate.",
        now=at(WEDNESDAY, 12),
    )


def at_once(job: Callable[[], Any]) -> list[Any]:
    """Run ``job`` in THREADS threads released together, each on its own
    database connection; their results (or exceptions) in any order."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(job())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- One after the other (any database) ---------------------------------------


@pytest.mark.django_db
def test_renewing_a_support_period_again_answers_with_the_order_already_placed():
    cast, period = support_period_to_renew()
    first = renew(cast, period)
    again = renew(cast, period)
    assert again.pk == first.pk
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 1


@pytest.mark.django_db
def test_paying_the_renewal_then_renewing_again_renews_from_the_new_period_not_twice():
    cast, period = support_period_to_renew()
    order = renew(cast, period)
    invoice = do_invoice_order(acting_user=None, order=order, now=RENEWED_ON)
    assert renew(cast, period).pk == order.pk  # still open: the same order
    do_mark_invoice_paid(acting_user=None, invoice=invoice, now=RENEWED_ON + timedelta(days=1))
    periods = Entitlement.objects.filter(licence=period.licence, kind=Kind.SUPPORT_PERIOD)
    assert periods.count() == 2
    assert Invoice.objects.filter(lines__order__kind=OrderKind.RENEWAL).count() == 1


@pytest.mark.django_db
def test_a_cancelled_renewal_does_not_block_a_new_one():
    cast, period = support_period_to_renew()
    first = renew(cast, period)
    do_cancel_order(acting_user=None, order=first, now=RENEWED_ON)
    second = renew(cast, period)
    assert second.pk != first.pk
    assert second.status == OrderStatus.PLACED


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_renewal_of_one_period():
    cast, period = support_period_to_renew()
    first = renew(cast, period)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(
            customer=first.customer,
            kind=OrderKind.RENEWAL,
            entitlement=period,
            ordered_on=first.ordered_on,
            amount=first.amount,
            currency=first.currency,
            created_at=RENEWED_ON,
        )


@pytest.mark.django_db
def test_filing_a_claim_again_answers_with_the_claim_filed_and_one_travel_charge_follows():
    scene, work = confirmed_work()
    claims = [file_claim(scene, work) for _ in range(3)]
    assert {claim.pk for claim in claims} == {claims[0].pk}
    do_reject_claim(
        acting_user=None,
        claim=claims[0],
        note="The fault is in the printer driver.",
        visited_on_site=True,
        now=at(WEDNESDAY, 13),
    )
    assert Claim.objects.count() == 1
    assert TravelCharge.objects.count() == 1
    # A claim filed after the decision is the decided claim, not a new one.
    assert file_claim(scene, work).pk == claims[0].pk


@pytest.mark.django_db
def test_the_database_refuses_a_second_claim_on_one_piece_of_work():
    scene, work = confirmed_work()
    claim = file_claim(scene, work)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            work=work,
            contact=scene.petya,
            description="again",
            filed_at=claim.filed_at,
            deadline=claim.deadline,
        )


# --- At the same moment (PostgreSQL) -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_renewals_posted_at_the_same_moment_make_one_order_one_invoice_one_period():
    cast, period = support_period_to_renew()

    def renew_and_invoice() -> int:
        from supportledger.billing.queries import get_invoice_of_order

        with transaction.atomic():  # as the portal's renewal page does
            order = renew(cast, period)
            invoice = get_invoice_of_order(order) or do_invoice_order(
                acting_user=None, order=order, now=RENEWED_ON
            )
        return invoice.pk

    results = at_once(renew_and_invoice)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 1
    invoice = Invoice.objects.get(pk=results[0])
    at_once(lambda: do_mark_invoice_paid(acting_user=None, invoice=invoice, now=RENEWED_ON))
    periods = Entitlement.objects.filter(licence=period.licence, kind=Kind.SUPPORT_PERIOD)
    assert periods.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claims_posted_at_the_same_moment_make_one_claim_and_one_travel_charge():
    scene, work = confirmed_work()
    results = at_once(lambda: file_claim(scene, work).pk)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    claim = Claim.objects.get()

    def reject() -> str:
        return do_reject_claim(
            acting_user=None,
            claim=claim,
            note="The fault is in the printer driver.",
            visited_on_site=True,
            now=at(WEDNESDAY, 13),
        ).status

    at_once(reject)
    assert TravelCharge.objects.count() == 1
