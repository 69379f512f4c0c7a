"""Work is rated for one product: a licence of another product than the work
(or the request) is refused with ``wrong_product`` naming the licence field,
by the actions, the console and the API, and nothing is written."""

from datetime import date

import pytest
from django.test import TestCase

from supportledger.api.actions import do_create_api_token
from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_edit_work, do_record_work
from supportledger.desk.models import Request, WorkEntry, WorkRating
from supportledger.entitlements.actions.sales import do_sell_licence, do_sell_voucher
from supportledger.entitlements.models import Entitlement, LedgerEntry
from tests.api.conftest import Api
from tests.cast import SET_UP_AT, at, build_cast, open_request

MARCH_4 = date(2026, 3, 4)


def snapshot():
    counts = {
        model.__name__: model.objects.count()
        for model in (Request, WorkEntry, WorkRating, LedgerEntry, AuditEntry)
    }
    balances = list(Entitlement.objects.order_by("id").values_list("balance_minutes", flat=True))
    return counts, balances


class WorkOnALicenceOfAnotherProduct(TestCase):
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
        cls.accounting_licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2026, 1, 10),
            now=SET_UP_AT,
        )
        cls.request = open_request(cls.cast.acme)

    def record(self, work_id="W1", **overrides):
        fields = {
            "acting_user": None,
            "work_id": work_id,
            "request": self.request,
            "agent": self.cast.ivan,  # authorised for both products
            "started_at": at(MARCH_4, 8),
            "ended_at": at(MARCH_4, 9),
            "mode": "remote",
            "category": "consultation",
            "product": self.cast.accounting,
        }
        fields.update(overrides)
        return do_record_work(**fields)

    def assert_wrong_product(self, write):
        before = snapshot()
        with pytest.raises(ActionRefused) as refused:
            write()
        assert refused.value.code == "wrong_product"
        assert refused.value.message.startswith("licence: ")
        assert "ACC" in refused.value.message
        assert "PAY" in refused.value.message
        assert snapshot() == before

    def test_recording_payroll_work_on_an_accounting_licence_is_refused(self):
        self.assert_wrong_product(
            lambda: self.record(product=self.cast.payroll, licence=self.accounting_licence)
        )

    def test_recording_work_on_a_licence_of_its_own_product_is_accepted(self):
        work = self.record(licence=self.accounting_licence)
        assert work.licence == self.accounting_licence
        self.voucher.refresh_from_db()
        assert self.voucher.balance_minutes == 540

    def test_editing_the_work_onto_another_product_than_its_licence_is_refused(self):
        work = self.record(licence=self.accounting_licence)
        self.assert_wrong_product(
            lambda: do_edit_work(acting_user=None, work=work, product=self.cast.payroll)
        )
        work.refresh_from_db()
        assert work.product == self.cast.accounting

    def test_editing_the_work_onto_a_licence_of_another_product_is_refused(self):
        work = self.record(product=self.cast.payroll)
        self.assert_wrong_product(
            lambda: do_edit_work(acting_user=None, work=work, licence=self.accounting_licence)
        )
        work.refresh_from_db()
        assert work.licence is None

    def test_opening_a_request_for_one_product_with_a_licence_of_another(self):
        self.assert_wrong_product(
            lambda: do_open_request(
                acting_user=None,
                customer=self.cast.acme,
                subject="Payroll totals",
                category="consultation",
                channel="phone",
                product=self.cast.payroll,
                licence=self.accounting_licence,
                now=SET_UP_AT,
            )
        )

    def test_the_console_shows_the_refusal_and_records_nothing(self):
        # A request whose product was changed behind the actions' back
        # (admin, SQL) while its licence stayed on accounting.
        Request.objects.filter(pk=self.request.pk).update(
            product=self.cast.payroll, licence=self.accounting_licence
        )
        self.client.force_login(self.cast.ivan.user)
        before = snapshot()
        response = self.client.post(
            f"/console/requests/{self.request.pk}/work/",
            {"started_at": "2026-03-04 10:00", "minutes": 30, "mode": "remote"},
            follow=True,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "licence: the licence is for ACC, the work for PAY." in page
        assert snapshot() == before

    def test_the_api_answers_422_wrong_product_and_records_nothing(self):
        token = do_create_api_token(
            acting_user=None, name="shop", user=self.cast.ivan.user, write=True
        )
        api = Api(token.plaintext)
        before = snapshot()
        response = api.post(
            "/work-entries",
            {
                "work_id": "API-1",
                "request": self.request.pk,
                "agent": self.cast.ivan.pk,
                "started_at": "2026-03-04T08:00:00Z",
                "ended_at": "2026-03-04T09:00:00Z",
                "mode": "remote",
                "category": "consultation",
                "product": self.cast.payroll.pk,
                "licence": self.accounting_licence.pk,
            },
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "wrong_product"
        assert error["message"].startswith("licence: ")
        assert snapshot() == before
