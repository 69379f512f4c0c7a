"""Grants, consumptions, reversals and re-ratings in any order keep every
cached balance equal to the sum of its ledger entries, never negative."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from supportledger.core.errors import ActionRefused
from supportledger.desk.actions.work import do_edit_work, do_record_work, do_rerate_work
from supportledger.entitlements.actions.ledger import do_adjust_balance, do_reverse_ledger_entry
from supportledger.entitlements.actions.sales import do_sell_contract, do_sell_voucher
from supportledger.entitlements.models import AllowanceUsage, Entitlement, LedgerEntry, Reason
from supportledger.entitlements.queries import (
    get_allowance_used_from_ledger,
    get_balance_from_ledger,
)
from tests.cast import at, build_cast, open_request

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
DAYS = st.integers(min_value=0, max_value=200).map(lambda n: date(2026, 2, 2) + timedelta(n))


class LedgerMachine(RuleBasedStateMachine):
    cast = None

    @initialize()
    def start(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.work = []
        self.counter = 0
        self.request = open_request(self.cast.acme)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @rule(minutes=st.integers(min_value=1, max_value=900))
    def sell_voucher(self, minutes):
        do_sell_voucher(
            acting_user=None,
            customer=self.cast.acme,
            minutes=minutes,
            starts=YEAR[0],
            ends=YEAR[1],
        )

    @rule(minutes=st.sampled_from([60, 120]), rollover=st.booleans())
    def sell_contract(self, minutes, rollover):
        do_sell_contract(
            acting_user=None,
            customer=self.cast.acme,
            starts=YEAR[0],
            ends=YEAR[1],
            minutes_per_month=minutes,
            rollover=rollover,
            sla=True,
        )

    @rule(day=DAYS, minutes=st.integers(min_value=1, max_value=600))
    def record_work(self, day, minutes):
        self.counter += 1
        start = at(day, 8)
        self.work.append(
            do_record_work(
                acting_user=None,
                work_id=f"W{self.counter}",
                request=self.request,
                agent=self.cast.maria,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
                mode="remote",
                category="configuration",
                product=self.cast.accounting,
            )
        )

    @precondition(lambda self: self.work)
    @rule(data=st.data(), minutes=st.integers(min_value=1, max_value=600))
    def edit_work(self, data, minutes):
        work = data.draw(st.sampled_from(self.work))
        do_edit_work(
            acting_user=None, work=work, ended_at=work.started_at + timedelta(minutes=minutes)
        )

    @precondition(lambda self: self.work)
    @rule(data=st.data())
    def rerate_work(self, data):
        do_rerate_work(acting_user=None, work=data.draw(st.sampled_from(self.work)))

    @rule(data=st.data(), minutes=st.integers(min_value=-300, max_value=300).filter(bool))
    def adjust(self, data, minutes):
        vouchers = list(Entitlement.objects.filter(kind="prepaid_hours"))
        if not vouchers:
            return
        voucher = data.draw(st.sampled_from(vouchers))
        if voucher.balance_minutes + minutes < 0:
            with pytest.raises(ActionRefused, match="insufficient_balance"):
                do_adjust_balance(acting_user=None, entitlement=voucher, minutes=minutes, note="t")
        else:
            do_adjust_balance(acting_user=None, entitlement=voucher, minutes=minutes, note="t")

    @rule(data=st.data())
    def reverse_a_grant(self, data):
        grants = list(LedgerEntry.objects.filter(reason=Reason.GRANT, reversed_by__isnull=True))
        if not grants:
            return
        grant = data.draw(st.sampled_from(grants))
        if grant.entitlement.balance_minutes < grant.minutes_delta:
            with pytest.raises(ActionRefused, match="insufficient_balance"):
                do_reverse_ledger_entry(acting_user=None, entry=grant, note="t")
        else:
            do_reverse_ledger_entry(acting_user=None, entry=grant, note="t")

    @invariant()
    def caches_equal_the_ledger_and_are_not_negative(self):
        for entitlement in Entitlement.objects.all():
            minutes, incidents = get_balance_from_ledger(entitlement)
            assert (entitlement.balance_minutes, entitlement.balance_incidents) == (
                minutes,
                incidents,
            )
            assert entitlement.balance_minutes >= 0
            assert entitlement.balance_incidents >= 0
        for usage in AllowanceUsage.objects.select_related("entitlement"):
            assert usage.used_minutes == get_allowance_used_from_ledger(
                usage.entitlement, usage.month
            )
            assert usage.used_minutes >= 0

    @invariant()
    def every_current_rating_adds_up(self):
        for work in self.work:
            rating = work.ratings.get(current=True)
            allocated = sum(a["minutes"] for a in rating.allocations)
            assert allocated + rating.billable_minutes == rating.counted_minutes


class LedgerUnderRandomOperations(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_cached_balances_always_equal_the_sum_of_their_entries(self):
        LedgerMachine.cast = self.cast
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=25,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
