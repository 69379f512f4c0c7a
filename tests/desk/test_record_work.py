from datetime import date, timedelta

import pytest
from django.test import TestCase

from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.desk.actions.work import do_edit_work, do_record_work, do_rerate_work
from supportledger.desk.models import WorkEntry, WorkRating
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import AllowanceUsage, BalanceAlert, LedgerEntry
from supportledger.entitlements.queries import get_balance_from_ledger
from supportledger.rules.explanation import explain_in_english, steps_from_json
from tests.cast import SET_UP_AT, at, build_cast, open_request

MARCH_4 = date(2026, 3, 4)


class RecordingWorkAgainstAVoucher(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.voucher = do_sell_voucher(
            acting_user=None,
            customer=cls.cast.acme,
            minutes=600,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        cls.request = open_request(cls.cast.acme)

    def record(self, work_id, start, end, **overrides):
        fields = {
            "acting_user": None,
            "work_id": work_id,
            "request": self.request,
            "agent": self.cast.maria,
            "started_at": start,
            "ended_at": end,
            "mode": "remote",
            "category": "consultation",
            "product": self.cast.accounting,
        }
        fields.update(overrides)
        return do_record_work(**fields)

    def test_remote_work_draws_whole_hours_from_the_voucher(self):
        work = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9, 10))
        rating = work.ratings.get(current=True)
        assert rating.counted_minutes == 120
        assert rating.billable_minutes == 0
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 480
        assert get_balance_from_ledger(self.voucher) == (480, 0)
        assert AuditEntry.objects.filter(action="record_work", object_id=str(work.pk)).exists()

    def test_recording_the_same_work_id_twice_changes_nothing(self):
        first = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9))
        entries = LedgerEntry.objects.count()
        again = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 12))
        assert again.pk == first.pk
        assert LedgerEntry.objects.count() == entries
        assert WorkRating.objects.filter(work=first).count() == 1

    def test_work_ending_in_the_future_is_refused_by_the_action_itself_and_nothing_written(self):
        # No door in front: the action refuses it for every caller.
        works, entries = WorkEntry.objects.count(), LedgerEntry.objects.count()
        start = clock.now() - timedelta(hours=1)
        with pytest.raises(ActionRefused) as refused:
            self.record("W-future", start, start + timedelta(hours=2))
        assert refused.value.code == "work_in_future"
        assert str(refused.value.message).startswith("ended_at: ")
        assert (WorkEntry.objects.count(), LedgerEntry.objects.count()) == (works, entries)

    def test_work_ending_a_few_minutes_ahead_of_the_clock_is_recorded(self):
        end = clock.now() + timedelta(minutes=10)
        work = self.record("W-soon", end - timedelta(hours=1), end)
        assert WorkEntry.objects.filter(pk=work.pk).exists()

    def test_editing_work_to_end_in_the_future_is_refused(self):
        work = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9))
        with pytest.raises(ActionRefused) as refused:
            do_edit_work(acting_user=None, work=work, ended_at=clock.now() + timedelta(days=1))
        assert refused.value.code == "work_in_future"
        work.refresh_from_db()
        assert work.ended_at == at(MARCH_4, 9)

    def test_work_beyond_the_voucher_is_billed_for_the_remainder(self):
        work = self.record("W1", at(MARCH_4, 6), at(MARCH_4, 17))
        rating = work.ratings.get(current=True)
        assert rating.counted_minutes == 660
        assert rating.billable_minutes == 60
        assert rating.amount > 0
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 0

    def test_an_agent_not_authorised_for_the_product_is_refused_and_nothing_written(self):
        entries = LedgerEntry.objects.count()
        with pytest.raises(ActionRefused) as refused:
            self.record(
                "W1",
                at(MARCH_4, 8),
                at(MARCH_4, 9),
                product=self.cast.payroll,
            )
        assert refused.value.code == "agent_not_authorised"
        assert "PAY" in refused.value.message
        assert not WorkEntry.objects.exists()
        assert LedgerEntry.objects.count() == entries

    def test_a_rules_error_is_raised_with_its_code_and_writes_nothing(self):
        with pytest.raises(ActionRefused) as refused:
            self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9), mode="onsite", city="Varna")
        assert refused.value.code == "outside_service_area"
        assert not WorkEntry.objects.exists()
        assert not WorkRating.objects.exists()

    def test_work_ending_before_it_starts_is_invalid_work(self):
        with pytest.raises(ActionRefused) as refused:
            self.record("W1", at(MARCH_4, 9), at(MARCH_4, 8))
        assert refused.value.code == "invalid_work"
        assert not WorkEntry.objects.exists()

    def test_work_for_a_customer_on_hold_is_refused(self):
        from supportledger.customers.actions import do_put_customer_on_hold

        do_put_customer_on_hold(acting_user=None, customer=self.cast.acme, reason="unpaid")
        self.request.customer.refresh_from_db()
        with pytest.raises(ActionRefused) as refused:
            self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9))
        assert refused.value.code == "customer_on_hold"

    def test_a_licence_of_another_customer_cannot_be_worked_on(self):
        zetas = do_sell_licence(
            acting_user=None,
            customer=self.cast.zeta,
            product=self.cast.accounting,
            sold_on=date(2026, 1, 10),
            now=SET_UP_AT,
        )
        with pytest.raises(ActionRefused) as refused:
            self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9), licence=zetas)
        assert refused.value.code == "wrong_customer"
        assert not WorkEntry.objects.exists()

    def test_editing_work_reverses_its_entries_and_keeps_the_old_rating(self):
        work = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 10))
        do_edit_work(acting_user=None, work=work, ended_at=at(MARCH_4, 9))
        old, new = work.ratings.order_by("id")
        assert (old.current, old.counted_minutes) == (False, 120)
        assert (new.current, new.counted_minutes) == (True, 60)
        for rating in (old, new):
            assert explain_in_english(steps_from_json(rating.steps)) == tuple(rating.explanation)
        assert new.steps[1]["args"]["counted"] == 60
        reasons = list(
            LedgerEntry.objects.filter(entitlement=self.voucher).values_list(
                "reason", "minutes_delta"
            )
        )
        assert reasons == [("grant", 600), ("consume", -120), ("reversal", 120), ("consume", -60)]
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 540

    def test_rerating_unchanged_work_posts_a_reversal_and_the_same_consumption(self):
        work = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 10))
        do_rerate_work(acting_user=None, work=work)
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 480
        assert work.ratings.filter(current=True).count() == 1
        assert work.ratings.count() == 2
        old, new = work.ratings.order_by("id")
        assert new.steps == old.steps
        assert new.steps[0]["code"] == "work"

    def test_crossing_eighty_ninety_five_and_a_hundred_percent_alerts_once_each(self):
        self.record("W1", at(MARCH_4, 6), at(MARCH_4, 14))  # 480 of 600: 80 %
        assert list(BalanceAlert.objects.values_list("threshold", flat=True)) == [80]
        work = self.record("W2", at(MARCH_4, 14), at(MARCH_4, 16))  # 600: 95 % and 100 %
        assert sorted(BalanceAlert.objects.values_list("threshold", flat=True)) == [80, 95, 100]
        do_rerate_work(acting_user=None, work=work)
        assert BalanceAlert.objects.count() == 3


class ContractsAndIncidentPacks(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.subscription = do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            sla=True,
            minutes_per_month=120,
            rollover=True,
            now=SET_UP_AT,
        )

    def record(self, work_id, start, end, request=None, mode="remote"):
        return do_record_work(
            acting_user=None,
            work_id=work_id,
            request=request or open_request(self.cast.acme),
            agent=self.cast.ivan,
            started_at=start,
            ended_at=end,
            mode=mode,
            category="configuration",
            product=self.cast.accounting,
        )

    def test_a_subscription_allowance_is_used_per_calendar_month(self):
        self.record("W1", at(MARCH_4, 8), at(MARCH_4, 9, 30))
        usage = AllowanceUsage.objects.get(entitlement=self.subscription)
        assert (usage.month, usage.used_minutes) == (date(2026, 3, 1), 90)
        self.subscription.refresh_from_db()
        assert self.subscription.balance_minutes == 0

    def test_last_months_unused_minutes_roll_over(self):
        # Nothing used in February: April gets March's allowance only, March gets 120 + 120.
        work = self.record("W1", at(MARCH_4, 8), at(MARCH_4, 12))
        rating = work.ratings.get(current=True)
        assert rating.billable_minutes == 0
        assert AllowanceUsage.objects.get(entitlement=self.subscription).used_minutes == 240

    def test_an_incident_is_charged_once_per_request(self):
        pack = do_sell_incident_pack(
            acting_user=None,
            customer=self.cast.acme,
            incidents=2,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        request = open_request(self.cast.acme, via="phone")
        self.record("W1", at(MARCH_4, 8), at(MARCH_4, 8, 10), request=request, mode="phone")
        self.record("W2", at(MARCH_4, 9), at(MARCH_4, 9, 10), request=request, mode="phone")
        pack.refresh_from_db()
        assert pack.balance_incidents == 1
        request.refresh_from_db()
        assert request.incident_entitlement == pack
