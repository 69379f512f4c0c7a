from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.entitlements.actions.ledger import do_adjust_balance, do_reverse_ledger_entry
from supportledger.entitlements.actions.sales import (
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import Entitlement, LedgerEntry, LedgerIsAppendOnly
from supportledger.entitlements.queries import get_balance_from_ledger
from tests.cast import SET_UP_AT, build_cast


class TheLedgerIsAppendOnly(TestCase):
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
        cls.grant = LedgerEntry.objects.get(entitlement=cls.voucher)

    def test_saving_a_changed_entry_is_refused(self):
        self.grant.minutes_delta = 6000
        with pytest.raises(LedgerIsAppendOnly):
            self.grant.save()

    def test_deleting_an_entry_is_refused(self):
        with pytest.raises(LedgerIsAppendOnly):
            self.grant.delete()

    def test_queryset_update_and_delete_are_refused(self):
        with pytest.raises(LedgerIsAppendOnly):
            LedgerEntry.objects.filter(pk=self.grant.pk).update(minutes_delta=1)
        with pytest.raises(LedgerIsAppendOnly):
            LedgerEntry.objects.all().delete()

    def test_the_database_refuses_a_raw_update(self):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE entitlements_ledgerentry SET minutes_delta = 6000 WHERE id = %s",
                [self.grant.pk],
            )
        assert LedgerEntry.objects.get(pk=self.grant.pk).minutes_delta == 600

    def test_the_database_refuses_a_raw_delete(self):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM entitlements_ledgerentry WHERE id = %s", [self.grant.pk])
        assert LedgerEntry.objects.filter(pk=self.grant.pk).exists()

    def test_the_database_refuses_a_negative_cached_balance(self):
        with pytest.raises(DatabaseError), transaction.atomic():
            Entitlement.objects.filter(pk=self.voucher.pk).update(balance_minutes=-1)

    def test_a_grant_in_error_is_corrected_by_a_reversal_pointing_at_it(self):
        reversal = do_reverse_ledger_entry(acting_user=None, entry=self.grant, note="sold twice")
        assert reversal.reverses == self.grant
        assert reversal.minutes_delta == -600
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 0
        with pytest.raises(ActionRefused) as refused:
            do_reverse_ledger_entry(acting_user=None, entry=self.grant, note="again")
        assert refused.value.code == "already_reversed"

    def test_an_adjustment_cannot_take_more_than_the_balance(self):
        with pytest.raises(ActionRefused) as refused:
            do_adjust_balance(acting_user=None, entitlement=self.voucher, minutes=-601, note="x")
        assert refused.value.code == "insufficient_balance"
        do_adjust_balance(acting_user=None, entitlement=self.voucher, minutes=-600, note="x")
        assert get_balance_from_ledger(self.voucher) == (0, 0)


class SellingGrantsTheEntitlementsItSays(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

    def test_a_licence_sale_grants_the_products_warranty(self):
        self.cast.accounting.warranty_months = 12
        self.cast.accounting.support_period_months = 6
        self.cast.accounting.save()
        licence = do_sell_licence(
            acting_user=None,
            customer=self.cast.acme,
            product=self.cast.accounting,
            sold_on=date(2026, 1, 31),
        )
        kinds = {e.kind: (e.starts, e.ends) for e in licence.entitlements.all()}
        assert kinds == {
            "warranty": (date(2026, 1, 31), date(2027, 1, 30)),
            "support_period": (date(2026, 1, 31), date(2026, 7, 30)),
        }
        assert all(e.customer == self.cast.acme for e in licence.entitlements.all())

    def test_a_yearly_subscription_licence_expires_after_a_year(self):
        licence = do_sell_licence(
            acting_user=None,
            customer=self.cast.acme,
            product=self.cast.payroll,
            sold_on=date(2026, 3, 1),
            licence_model="yearly",
        )
        assert licence.expires == date(2027, 2, 28)

    def test_an_incident_pack_grants_its_incidents_on_the_ledger(self):
        pack = do_sell_incident_pack(
            acting_user=None,
            customer=self.cast.acme,
            incidents=4,
            requires="contract",
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
        )
        assert (pack.balance_incidents, pack.incidents_granted) == (4, 4)
        assert pack.reference == f"INC-{pack.pk}"
        assert get_balance_from_ledger(pack) == (0, 4)
