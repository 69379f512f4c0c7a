from datetime import date

import pytest
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.entitlements.actions.licences import do_activate_licence, do_move_licence
from supportledger.entitlements.actions.sales import do_sell_licence
from tests.cast import build_cast


class MovingAProductToAnotherWorkstation(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2026, 1, 5),
        )

    def test_a_move_keeps_the_old_activation_closed_and_opens_a_new_one(self):
        do_activate_licence(acting_user=None, licence=self.licence, workstation="PC-1")
        do_move_licence(
            acting_user=None,
            licence=self.licence,
            from_workstation="PC-1",
            to_workstation="PC-2",
        )
        rows = {a.workstation: a.is_active for a in self.licence.activations.all()}
        assert rows == {"PC-1": False, "PC-2": True}

    def test_a_one_seat_licence_cannot_be_active_twice(self):
        do_activate_licence(acting_user=None, licence=self.licence, workstation="PC-1")
        with pytest.raises(ActionRefused, match="no_free_seat"):
            do_activate_licence(acting_user=None, licence=self.licence, workstation="PC-2")
