"""Every row that belongs to a customer points only at that same customer's
other rows: each write that could mix two customers refuses with
``wrong_customer`` and writes nothing (no row, no ledger entry, no audit)."""

from datetime import date

import pytest
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_contact
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_edit_work, do_record_work, do_rerate_work
from supportledger.desk.models import Message, Request, WorkEntry, WorkRating
from supportledger.entitlements.actions.licences import (
    do_activate_licence,
    do_deactivate_licence,
    do_move_licence,
)
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import (
    Activation,
    AllowanceUsage,
    BalanceAlert,
    Entitlement,
    LedgerEntry,
    Licence,
)
from tests.cast import SET_UP_AT, at, build_cast, open_request

MARCH_4 = date(2026, 3, 4)
COUNTED = (
    Request,
    Message,
    WorkEntry,
    WorkRating,
    Licence,
    Activation,
    Entitlement,
    LedgerEntry,
    AllowanceUsage,
    BalanceAlert,
    AuditEntry,
)


def snapshot():
    """Row counts of everything a refused write could have touched, plus
    every cached balance."""
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    balances = list(
        Entitlement.objects.order_by("id").values_list("balance_minutes", "balance_incidents")
    )
    return counts, balances


class AWriteMixingTwoCustomers(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        acme, zeta = cls.cast.acme, cls.cast.zeta
        cls.acme_voucher = do_sell_voucher(
            acting_user=None,
            customer=acme,
            minutes=600,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        cls.zeta_pack = do_sell_incident_pack(
            acting_user=None,
            customer=zeta,
            incidents=4,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        cls.acme_licence, cls.zeta_licence = (
            do_sell_licence(
                acting_user=None,
                customer=customer,
                product=cls.cast.accounting,
                sold_on=date(2026, 1, 10),
                seats=2,
                now=SET_UP_AT,
            )
            for customer in (acme, zeta)
        )
        cls.zeta_contact = do_add_contact(
            verified=True, acting_user=None, customer=zeta, name="Zora", email="zora@zeta.example"
        )
        cls.acme_request = open_request(acme)

    def record(self, work_id="W1", **overrides):
        fields = {
            "acting_user": None,
            "work_id": work_id,
            "request": self.acme_request,
            "agent": self.cast.maria,
            "started_at": at(MARCH_4, 8),
            "ended_at": at(MARCH_4, 9),
            "mode": "remote",
            "category": "consultation",
            "product": self.cast.accounting,
        }
        fields.update(overrides)
        return do_record_work(**fields)

    def assert_refused(self, write):
        before = snapshot()
        with pytest.raises(ActionRefused) as refused:
            write()
        assert refused.value.code == "wrong_customer"
        assert snapshot() == before

    def smuggle_into_request(self, **fields):
        """A request row changed behind the actions' back (admin, SQL)."""
        Request.objects.filter(pk=self.acme_request.pk).update(**fields)
        self.acme_request.refresh_from_db()

    # --- Recording work ----------------------------------------------------

    def test_work_on_a_request_of_one_customer_with_another_customers_licence(self):
        self.assert_refused(lambda: self.record(licence=self.zeta_licence))

    def test_work_on_a_request_carrying_another_customers_contact(self):
        self.smuggle_into_request(contact=self.zeta_contact)
        self.assert_refused(self.record)

    def test_work_on_a_request_carrying_another_customers_licence(self):
        self.smuggle_into_request(licence=self.zeta_licence)
        self.assert_refused(self.record)

    def test_work_on_a_request_charged_to_another_customers_incident_pack(self):
        self.smuggle_into_request(incident_entitlement=self.zeta_pack)
        self.assert_refused(self.record)

    def test_work_with_the_customers_own_licence_is_recorded(self):
        work = self.record(licence=self.acme_licence)
        assert work.licence == self.acme_licence
        self.acme_voucher.refresh_from_db()
        assert self.acme_voucher.balance_minutes == 540

    # --- Editing and re-rating work ------------------------------------------

    def test_editing_work_onto_another_customers_licence(self):
        work = self.record()
        self.assert_refused(
            lambda: do_edit_work(acting_user=None, work=work, licence=self.zeta_licence)
        )
        work.refresh_from_db()
        assert work.licence is None

    def test_editing_work_whose_licence_was_switched_to_another_customers(self):
        work = self.record(licence=self.acme_licence)
        WorkEntry.objects.filter(pk=work.pk).update(licence=self.zeta_licence)
        self.assert_refused(
            lambda: do_edit_work(acting_user=None, work=work, ended_at=at(MARCH_4, 10))
        )

    def test_rerating_work_whose_licence_was_switched_to_another_customers(self):
        work = self.record(licence=self.acme_licence)
        WorkEntry.objects.filter(pk=work.pk).update(licence=self.zeta_licence)
        self.assert_refused(lambda: do_rerate_work(acting_user=None, work=work))

    def test_editing_work_onto_the_customers_own_licence_rerates_it(self):
        work = self.record()
        do_edit_work(acting_user=None, work=work, licence=self.acme_licence)
        work.refresh_from_db()
        assert work.licence == self.acme_licence
        assert work.ratings.filter(current=True).count() == 1

    # --- Opening requests ----------------------------------------------------

    def open(self, **fields):
        return do_open_request(
            acting_user=None,
            customer=self.cast.acme,
            subject="Broken report",
            body="It crashes.",
            category="consultation",
            channel="phone",
            now=SET_UP_AT,
            **fields,
        )

    def test_opening_a_request_with_another_customers_contact(self):
        self.assert_refused(lambda: self.open(contact=self.zeta_contact))

    def test_opening_a_request_with_another_customers_licence(self):
        self.assert_refused(lambda: self.open(licence=self.zeta_licence))

    def test_opening_a_request_with_another_customers_licence_and_its_product(self):
        self.assert_refused(
            lambda: self.open(licence=self.zeta_licence, product=self.cast.accounting)
        )

    # --- Selling ---------------------------------------------------------------

    def test_selling_a_contract_on_another_customers_licence(self):
        self.assert_refused(
            lambda: do_sell_contract(
                acting_user=None,
                customer=self.cast.acme,
                starts=date(2026, 2, 1),
                ends=date(2027, 1, 31),
                minutes_per_month=120,
                licence=self.zeta_licence,
                now=SET_UP_AT,
            )
        )

    def test_selling_a_contract_on_the_customers_own_licence_covers_its_product(self):
        contract = do_sell_contract(
            acting_user=None,
            customer=self.cast.acme,
            starts=date(2026, 2, 1),
            ends=date(2027, 1, 31),
            minutes_per_month=120,
            licence=self.acme_licence,
            now=SET_UP_AT,
        )
        assert contract.licence == self.acme_licence

    # --- Activations -------------------------------------------------------------

    def test_activating_another_customers_licence(self):
        self.assert_refused(
            lambda: do_activate_licence(
                acting_user=None,
                licence=self.zeta_licence,
                workstation="acme-pc-1",
                customer=self.cast.acme,
                now=SET_UP_AT,
            )
        )

    def test_deactivating_or_moving_another_customers_licence(self):
        do_activate_licence(
            acting_user=None, licence=self.zeta_licence, workstation="zeta-pc-1", now=SET_UP_AT
        )
        self.assert_refused(
            lambda: do_deactivate_licence(
                acting_user=None,
                licence=self.zeta_licence,
                workstation="zeta-pc-1",
                customer=self.cast.acme,
                now=SET_UP_AT,
            )
        )
        self.assert_refused(
            lambda: do_move_licence(
                acting_user=None,
                licence=self.zeta_licence,
                from_workstation="zeta-pc-1",
                to_workstation="acme-pc-1",
                customer=self.cast.acme,
                now=SET_UP_AT,
            )
        )
        assert Activation.objects.get(deactivated_at__isnull=True).workstation == "zeta-pc-1"

    def test_the_licence_owner_activates_it(self):
        activation = do_activate_licence(
            acting_user=None,
            licence=self.acme_licence,
            workstation="acme-pc-1",
            customer=self.cast.acme,
            now=SET_UP_AT,
        )
        assert activation.licence == self.acme_licence
