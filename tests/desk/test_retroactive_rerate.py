"""A retroactive change of entitlements re-rates the work it covers.

The billing story: Acme holds a contract with 60 min a month; 65 min of
remote work on 4 March counts 120 min, 60 from the allowance, 60 billable.
"""

from datetime import date

import pytest
from django.test import TestCase

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.catalog.models import Product
from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.desk.actions.work import (
    do_edit_work,
    do_record_work,
    do_rerate_since,
    do_rerate_work,
)
from supportledger.desk.models import WorkRating
from supportledger.entitlements.actions.sales import (
    do_extend_support_period,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import Entitlement, Kind, LedgerEntry
from supportledger.entitlements.queries import get_balance_from_ledger
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at

MARCH_20 = at(date(2026, 3, 20), 9)


class ABackdatedVoucher(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        cls.work = record(cls.cast, cls.request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        cls.first_rating = cls.work.ratings.get(current=True)

    def sell_voucher(self, starts, minutes=600, now=MARCH_20):
        return do_sell_voucher(
            acting_user=None,
            customer=self.cast.acme,
            minutes=minutes,
            starts=starts,
            ends=date(2026, 12, 31),
            now=now,
        )

    def test_the_story_starts_with_sixty_billable_minutes(self):
        assert self.first_rating.billable_minutes == 60
        assert self.first_rating.amount > 0

    def test_a_voucher_valid_from_the_first_of_the_month_pays_the_billable_hour(self):
        voucher = self.sell_voucher(date(2026, 3, 1))
        rating = self.work.ratings.get(current=True)
        assert rating.pk != self.first_rating.pk
        assert rating.billable_minutes == 0
        assert rating.amount == 0
        assert {a["entitlement"]: a["minutes"] for a in rating.allocations} == {
            self.contract.reference: 60,
            voucher.reference: 60,
        }
        voucher.refresh_from_db()
        assert voucher.balance_minutes == 540
        assert get_balance_from_ledger(voucher) == (540, 0)
        # The old rating is kept for audit, its consumption reversed.
        self.first_rating.refresh_from_db()
        assert self.first_rating.current is False
        assert not LedgerEntry.objects.filter(
            work_rating=self.first_rating, reversed_by__isnull=True, reverses__isnull=True
        ).exists()
        audit = AuditEntry.objects.get(action="rerate_work", object_id=str(self.work.pk))
        assert audit.detail["since"] == "2026-03-01"
        assert audit.detail["billable"] == 0

    def test_a_voucher_valid_only_after_the_work_changes_nothing(self):
        voucher = self.sell_voucher(date(2026, 3, 10))
        assert self.work.ratings.get(current=True).pk == self.first_rating.pk
        voucher.refresh_from_db()
        assert voucher.balance_minutes == 600
        assert not AuditEntry.objects.filter(action="rerate_work").exists()

    def test_earlier_work_draws_first_on_a_small_backdated_voucher(self):
        # 5 March: 65 min -> 120 counted; this month's allowance is gone: all billable.
        later = record(
            self.cast, self.request, "W2", at(date(2026, 3, 5), 8), at(date(2026, 3, 5), 9, 5)
        )
        assert later.ratings.get(current=True).billable_minutes == 120
        voucher = self.sell_voucher(date(2026, 3, 1), minutes=60)
        assert self.work.ratings.get(current=True).billable_minutes == 0
        assert later.ratings.get(current=True).billable_minutes == 120
        voucher.refresh_from_db()
        assert voucher.balance_minutes == 0
        for rating in WorkRating.objects.filter(current=True):
            allocated = sum(a["minutes"] for a in rating.allocations)
            assert allocated + rating.billable_minutes == rating.counted_minutes

    def test_invoiced_work_keeps_its_rating_and_work_after_it_is_rerated(self):
        do_run_billing(acting_user=None, period=Period.month("2026-03"), now=BILLED_AT)
        april = record(
            self.cast, self.request, "W2", at(date(2026, 4, 2), 8), at(date(2026, 4, 2), 9, 5)
        )
        april_rating = april.ratings.get(current=True)
        assert april_rating.billable_minutes == 60
        voucher = self.sell_voucher(date(2026, 3, 1), now=at(date(2026, 4, 3), 9))
        assert self.work.ratings.get(current=True).pk == self.first_rating.pk
        assert april.ratings.get(current=True).billable_minutes == 0
        voucher.refresh_from_db()
        assert voucher.balance_minutes == 540

    def test_invoiced_work_cannot_be_edited_or_rerated(self):
        do_run_billing(acting_user=None, period=Period.month("2026-03"), now=BILLED_AT)
        entries = LedgerEntry.objects.count()
        with pytest.raises(ActionRefused) as refused:
            do_edit_work(acting_user=None, work=self.work, ended_at=at(MARCH_4, 11))
        assert refused.value.code == "invoiced"
        assert "W1" in refused.value.message
        with pytest.raises(ActionRefused) as refused:
            do_rerate_work(acting_user=None, work=self.work)
        assert refused.value.code == "invoiced"
        assert LedgerEntry.objects.count() == entries
        self.work.refresh_from_db()
        assert self.work.ended_at == at(MARCH_4, 9, 5)
        assert self.work.ratings.count() == 1

    def test_rerating_a_customer_without_work_since_the_day_does_nothing(self):
        assert do_rerate_since(acting_user=None, customer_id=self.cast.zeta.pk, since=MARCH_4) == []
        assert self.work.ratings.count() == 1


class ASupportPeriodRenewedAfterALapse(TestCase):
    """A support period renewed in its grace month from the day after it
    ended covers the work done during the lapse, so that work is rated again
    as covered."""

    @classmethod
    def setUpTestData(cls):
        cls.cast, cls.contract, cls.request = build_billing_story()
        Product.objects.filter(pk=cls.cast.accounting.pk).update(support_period_months=12)
        cls.cast.accounting.refresh_from_db()
        cls.licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2025, 3, 1),
            now=at(date(2025, 3, 1), 9),
        )
        cls.period = Entitlement.objects.get(licence=cls.licence, kind=Kind.SUPPORT_PERIOD)

    def test_an_extension_from_the_day_after_the_end_rerates_the_lapse(self):
        assert self.period.ends == date(2026, 2, 28)
        # A consultation: what a support period covers for free.
        work = do_record_work(
            acting_user=None,
            work_id="W1",
            request=self.request,
            agent=self.cast.maria,
            started_at=at(MARCH_4, 8),
            ended_at=at(MARCH_4, 9, 5),
            mode="remote",
            category="consultation",
            product=self.cast.accounting,
            licence=self.licence,
        )
        before = work.ratings.get(current=True)
        assert before.billable_minutes == 60
        extension = do_extend_support_period(
            acting_user=None, entitlement=self.period, new_ends=date(2027, 2, 28), now=MARCH_20
        )
        assert extension.starts == date(2026, 3, 1)
        after = work.ratings.get(current=True)
        assert after.pk != before.pk
        assert after.billable_minutes == 0
        assert AuditEntry.objects.filter(
            action="rerate_work", object_id=str(work.pk), detail__since="2026-03-01"
        ).exists()
