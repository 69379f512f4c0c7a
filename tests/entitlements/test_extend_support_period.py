from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.entitlements.actions.sales import do_extend_support_period, do_sell_licence
from supportledger.entitlements.models import Entitlement, Kind
from tests.cast import build_cast

RENEWED_AT = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)


class ExtendingASupportPeriod(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast("support_period_ru")
        cls.licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2026, 1, 5),
        )
        cls.period = Entitlement.objects.get(licence=cls.licence, kind=Kind.SUPPORT_PERIOD)

    def test_a_grace_renewal_adds_a_period_from_the_day_after_the_old_one_ends(self):
        extension = do_extend_support_period(
            acting_user=None, entitlement=self.period, new_ends=date(2027, 7, 4), now=RENEWED_AT
        )
        assert extension.pk != self.period.pk
        assert extension.kind == Kind.SUPPORT_PERIOD
        assert extension.licence_id == self.licence.pk
        assert extension.starts == self.period.ends + timedelta(days=1)
        assert extension.ends == date(2027, 7, 4)
        assert list(extension.products.all()) == list(self.period.products.all())
        assert (extension.covers, extension.modes) == (self.period.covers, self.period.modes)
        # The old period is untouched: nothing is updated in place.
        assert Entitlement.objects.get(pk=self.period.pk).ends == self.period.ends

    def test_a_standard_renewal_starts_on_the_day_given_and_is_audited(self):
        extension = do_extend_support_period(
            acting_user=None,
            entitlement=self.period,
            starts=date(2026, 12, 1),
            new_ends=date(2027, 11, 30),
            now=RENEWED_AT,
        )
        assert (extension.starts, extension.ends) == (date(2026, 12, 1), date(2027, 11, 30))
        entry = AuditEntry.objects.get(action="extend_support_period")
        assert entry.detail["extends"] == self.period.reference

    def test_an_end_that_extends_nothing_is_refused_and_nothing_is_written(self):
        before = Entitlement.objects.count()
        with pytest.raises(ActionRefused, match="new_ends"):
            do_extend_support_period(
                acting_user=None, entitlement=self.period, new_ends=self.period.ends
            )
        assert Entitlement.objects.count() == before

    def test_only_a_support_period_is_extended(self):
        warranty = Entitlement.objects.filter(customer=self.cast.acme).exclude(
            kind=Kind.SUPPORT_PERIOD
        )
        other = warranty.first() or Entitlement.objects.create(
            customer=self.cast.acme,
            kind=Kind.WARRANTY,
            starts=date(2026, 1, 5),
            ends=date(2027, 1, 4),
            created_at=RENEWED_AT,
        )
        with pytest.raises(ActionRefused, match="not a support period"):
            do_extend_support_period(acting_user=None, entitlement=other, new_ends=date(2028, 1, 1))
