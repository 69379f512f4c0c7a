"""Issuing invoices from several connections at once on PostgreSQL: the
counter row lock makes the numbers consecutive, unique and gapless."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from supportledger.billing.actions.invoices import do_issue_invoice, new_invoice
from supportledger.billing.convert import LineValues
from supportledger.billing.models import Invoice, InvoiceCounter, LineKind, Order
from tests.billing.scenario import BILLED_AT, build_billing_story

ISSUERS = 8
PER_ISSUER = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_issuing_from_several_connections_at_once_gives_consecutive_numbers():
    cast, _contract, _request = build_billing_story()
    drafts = []
    for index in range(ISSUERS * PER_ISSUER):
        order = Order.objects.create(
            customer=cast.acme,
            kind="voucher",
            quantity=1,
            ordered_on=BILLED_AT.date(),
            amount=Decimal("10.00"),
            currency="EUR",
            created_at=BILLED_AT,
        )
        line = LineValues(
            kind=LineKind.ORDER,
            description=f"order {index}",
            amount=Decimal("10.00"),
            currency="EUR",
            order_id=order.pk,
        )
        drafts.append(new_invoice(cast.acme, [line], currency="EUR", at=BILLED_AT, period=None))
    barrier = threading.Barrier(ISSUERS)
    errors: list[BaseException] = []

    def issue(mine):
        try:
            barrier.wait()
            for draft in mine:
                do_issue_invoice(acting_user=None, invoice=draft, now=BILLED_AT)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(drafts[i::ISSUERS],)) for i in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, ISSUERS * PER_ISSUER + 1))
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == ISSUERS * PER_ISSUER
    assert InvoiceCounter.objects.get().last_number == ISSUERS * PER_ISSUER


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_continued_series_stays_gapless_under_eight_concurrent_issuers():
    """A vendor moving from another program continues its series at 4711,
    one continuous series without the year; 8 connections issue at once."""
    from supportledger.billing.actions.invoices import do_continue_number_series
    from supportledger.billing.models import BillingSettings

    cast, _contract, _request = build_billing_story()
    BillingSettings.objects.filter(pk=1).update(
        number_prefix="F", number_with_year=False, number_width=8, number_reset="never"
    )
    do_continue_number_series(acting_user=None, next_number=4711, now=BILLED_AT)
    drafts = []
    for index in range(ISSUERS * PER_ISSUER):
        order = Order.objects.create(
            customer=cast.acme,
            kind="voucher",
            quantity=1,
            ordered_on=BILLED_AT.date(),
            amount=Decimal("10.00"),
            currency="EUR",
            created_at=BILLED_AT,
        )
        line = LineValues(
            kind=LineKind.ORDER,
            description=f"order {index}",
            amount=Decimal("10.00"),
            currency="EUR",
            order_id=order.pk,
        )
        drafts.append(new_invoice(cast.acme, [line], currency="EUR", at=BILLED_AT, period=None))
    barrier = threading.Barrier(ISSUERS)
    errors: list[BaseException] = []

    def issue(mine):
        try:
            barrier.wait()
            for draft in mine:
                do_issue_invoice(acting_user=None, invoice=draft, now=BILLED_AT)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(drafts[i::ISSUERS],)) for i in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = ISSUERS * PER_ISSUER
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(4711, 4711 + total))
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"F-{n:08d}" for n in range(4711, 4711 + total)]
    assert set(Invoice.objects.values_list("year", flat=True)) == {0}
