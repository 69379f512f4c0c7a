"""The entitlement summary (one SQL statement over the cached balances) says
exactly what a straightforward ORM computation over the ledger says, for
random ledgers: random sales of every kind, random work in several months,
random adjustments; and it reads one query however much is held."""

import contextlib
import random
from datetime import date, timedelta

import pytest
from django.db.models import Sum

from supportledger.core.errors import ActionRefused
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.ledger import do_adjust_balance
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import Entitlement, LedgerEntry
from supportledger.entitlements.queries import (
    EntitlementLine,
    get_entitlement_summary,
    get_holdings,
)
from tests.cast import at, build_cast, open_request

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _month(day):
    return day.replace(day=1)


def _last_month(day):
    return _month(_month(day) - timedelta(days=1))


def _allowance_used(row, month):
    total = LedgerEntry.objects.filter(entitlement=row, allowance_month=month).aggregate(
        total=Sum("minutes_delta")
    )["total"]
    return -(total or 0)


def summary_from_the_ledger(customer, on):
    """The summary worked out the plain way: every entitlement through the
    ORM, balances and allowance use summed from the ledger entries."""
    lines = []
    month, last_month = _month(on), _last_month(on)
    for row in Entitlement.objects.filter(customer=customer).order_by("ends", "id"):
        sums = LedgerEntry.objects.filter(entitlement=row, allowance_month__isnull=True).aggregate(
            minutes=Sum("minutes_delta"), incidents=Sum("incidents_delta")
        )
        if row.licence_id is not None:
            products = frozenset({row.licence.product.code})
        else:
            products = frozenset(p.code for p in row.products.all()) or None
        used = _allowance_used(row, month)
        carried = 0
        if row.rollover and row.starts < month:
            carried = max(0, row.minutes_per_month - _allowance_used(row, last_month))
        lines.append(
            EntitlementLine(
                id=row.pk,
                reference=row.reference,
                kind=row.kind,
                starts=row.starts,
                ends=row.ends,
                valid=row.starts <= on <= row.ends,
                products=products,
                minutes_granted=row.minutes_granted,
                balance_minutes=sums["minutes"] or 0,
                incidents_granted=row.incidents_granted,
                balance_incidents=sums["incidents"] or 0,
                minutes_per_month=row.minutes_per_month,
                allowance_used=used,
                allowance_this_month=row.minutes_per_month + carried,
                updates=row.updates,
            )
        )
    return lines


def _random_holdings(cast, rng):
    acme = cast.acme
    products = [cast.accounting, cast.payroll]
    for _ in range(rng.randint(1, 3)):
        do_sell_voucher(
            acting_user=None,
            customer=acme,
            minutes=rng.choice([60, 300, 600]),
            starts=YEAR[0] + timedelta(days=rng.randint(0, 60)),
            ends=YEAR[1] - timedelta(days=rng.randint(0, 120)),
            products=rng.sample(products, rng.randint(0, 2)),
        )
    for _ in range(rng.randint(1, 2)):
        do_sell_contract(
            acting_user=None,
            customer=acme,
            starts=YEAR[0] + timedelta(days=rng.randint(0, 90)),
            ends=YEAR[1],
            minutes_per_month=rng.choice([0, 60, 120]),
            rollover=rng.random() < 0.5,
            updates=rng.random() < 0.5,
            products=rng.sample(products, rng.randint(0, 2)),
        )
    if rng.random() < 0.7:
        do_sell_incident_pack(
            acting_user=None,
            customer=acme,
            incidents=rng.randint(1, 4),
            starts=YEAR[0],
            ends=YEAR[1],
        )
    if rng.random() < 0.7:
        do_sell_licence(
            acting_user=None, customer=acme, product=rng.choice(products), sold_on=YEAR[0]
        )


def _random_work(cast, rng):
    request = open_request(cast.acme)
    for n in range(rng.randint(5, 15)):
        day = date(2026, rng.randint(2, 6), rng.randint(1, 28))
        start = at(day, rng.randint(7, 12))
        with contextlib.suppress(ActionRefused):  # not entitled, say: nothing written
            do_record_work(
                acting_user=None,
                work_id=f"W{n}",
                request=request,
                agent=cast.ivan,
                started_at=start,
                ended_at=start + timedelta(minutes=rng.choice([15, 30, 50, 90])),
                mode=rng.choice(["remote", "phone", "email"]),
                category=rng.choice(["configuration", "consultation", "defect"]),
                product=rng.choice([cast.accounting, cast.payroll]),
            )
    for voucher in Entitlement.objects.filter(customer=cast.acme, kind="prepaid_hours"):
        if rng.random() < 0.5:
            do_adjust_balance(
                acting_user=None, entitlement=voucher, minutes=rng.randint(1, 30), note="goodwill"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_the_summary_says_what_the_ledger_says_for_random_ledgers(seed, django_assert_num_queries):
    rng = random.Random(seed)
    cast = build_cast()
    _random_holdings(cast, rng)
    _random_work(cast, rng)
    for on in (date(2026, 1, 15), date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30)):
        with django_assert_num_queries(1):
            summary = get_entitlement_summary(cast.acme, on=on)
        assert summary == summary_from_the_ledger(cast.acme, on)
        assert summary == get_holdings(cast.acme, on=on).summary()  # the console's way
        assert summary  # something is held, so the comparison compares something


@pytest.mark.django_db
def test_the_summary_is_one_query_however_much_is_held(django_assert_num_queries):
    cast = build_cast()
    rng = random.Random(7)
    for _ in range(3):
        _random_holdings(cast, rng)
        with django_assert_num_queries(1):
            get_entitlement_summary(cast.acme, on=date(2026, 3, 1))
