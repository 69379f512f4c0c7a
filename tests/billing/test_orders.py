from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import TestCase

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_cancel_order, do_invoice_order, do_place_order
from supportledger.billing.actions.reminders import do_send_renewal_reminders
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import OrderStatus, SentReminder
from supportledger.catalog.actions import do_create_product, do_set_product_price
from supportledger.core.errors import ActionRefused
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement, Kind
from tests.billing.scenario import build_billing_story
from tests.cast import SET_UP_AT
from tests.outbox import delivering


def on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


class SupportPeriodRenewals(TestCase):
    """Seed S3: a six-month support period, renewed at 25 % within a month of
    its end and at 45 % later, priced from the product's price that day."""

    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, _request = build_billing_story()
        cls.studio = do_create_product(
            acting_user=None, code="STU", name="Studio", support_period_months=6, now=SET_UP_AT
        )
        do_set_product_price(
            acting_user=None,
            product=cls.studio,
            effective_from=date(2025, 1, 1),
            amount=Decimal("7990"),
            currency="EUR",
            now=SET_UP_AT,
        )
        do_set_product_price(
            acting_user=None,
            product=cls.studio,
            effective_from=date(2026, 7, 1),
            amount=Decimal("8990"),
            currency="EUR",
            now=SET_UP_AT,
        )
        cls.licence = do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.studio,
            sold_on=date(2026, 1, 1),
            now=SET_UP_AT,
        )
        cls.support = Entitlement.objects.get(licence=cls.licence, kind=Kind.SUPPORT_PERIOD)

    def test_the_support_period_runs_six_months(self):
        assert self.support.ends == date(2026, 6, 30)

    def test_a_renewal_in_the_grace_month_costs_a_quarter_and_extends_from_the_old_end(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 7, 10)),
        )
        # The price on the renewal date (8990 from 1 July), 25 %, whole euros.
        assert order.amount == Decimal("2248.00")
        assert order.terms["starts"] == "2026-07-01"
        assert order.terms["ends"] == "2027-06-30"
        assert order.status == OrderStatus.PLACED

    def test_a_late_renewal_costs_the_standard_rate_from_the_renewal_day(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 9, 15)),
        )
        assert order.amount == Decimal("4046.00")  # 45 % of 8990, half up
        assert order.terms["starts"] == "2026-09-15"
        assert order.terms["ends"] == "2027-09-14"

    def test_paying_the_renewal_invoice_extends_the_support_period(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 7, 10)),
        )
        invoice = do_invoice_order(acting_user=None, order=order, now=on(date(2026, 7, 10)))
        assert [line.order for line in invoice.lines.all()] == [order]
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 7, 12)))
        order.refresh_from_db()
        assert order.status == OrderStatus.FULFILLED
        assert order.granted.kind == Kind.SUPPORT_PERIOD
        assert order.granted.licence == self.licence
        latest = Entitlement.objects.filter(licence=self.licence, kind=Kind.SUPPORT_PERIOD)
        assert max(e.ends for e in latest) == date(2027, 6, 30)

    def test_a_standard_renewal_paid_later_runs_twelve_months_from_the_day_it_is_paid(self):
        # Seed S3: support is extended by a year "from the activation of the renewal".
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 9, 15)),
        )
        invoice = do_invoice_order(acting_user=None, order=order, now=on(date(2026, 9, 15)))
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 10, 2)))
        order.refresh_from_db()
        assert order.amount == Decimal("4046.00")  # priced on the order date
        assert (order.granted.starts, order.granted.ends) == (
            date(2026, 10, 2),
            date(2027, 10, 1),
        )

    def test_a_grace_renewal_paid_later_still_extends_from_the_old_end(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 7, 10)),
        )
        invoice = do_invoice_order(acting_user=None, order=order, now=on(date(2026, 7, 10)))
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 8, 20)))
        order.refresh_from_db()
        assert (order.granted.starts, order.granted.ends) == (
            date(2026, 7, 1),
            date(2027, 6, 30),
        )

    def test_an_order_is_billed_once_whether_invoiced_at_once_or_by_the_run(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 7, 10)),
        )
        do_invoice_order(acting_user=None, order=order, now=on(date(2026, 7, 10)))
        result = do_run_billing(
            acting_user=None,
            period=Period.month("2026-07"),
            customer=self.cast.acme,
            now=on(date(2026, 8, 1)),
        )
        assert all(line.order_id is None for i in result.invoices for line in i.lines.all())
        with pytest.raises(ActionRefused) as refused:
            do_invoice_order(acting_user=None, order=order, now=on(date(2026, 7, 10)))
        assert refused.value.code == "invalid" or refused.value.code == "invoiced"

    def test_an_order_for_another_customers_entitlement_is_refused_as_not_found(self):
        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None,
                customer=self.cast.zeta,
                kind="renewal",
                entitlement=self.support,
                now=on(date(2026, 7, 10)),
            )
        assert refused.value.code == "not_found"
        with pytest.raises(ActionRefused):
            do_place_order(
                acting_user=None,
                customer=self.cast.zeta,
                kind="renewal",
                licence=self.licence,
                entitlement=None,
                now=on(date(2026, 7, 10)),
            )

    def test_reminders_go_out_before_expiry_and_in_grace_with_that_days_price_once(self):
        with delivering():
            sent = do_send_renewal_reminders(acting_user=None, now=on(date(2026, 5, 31)))
        assert sent == 1  # 30 days before 30 June
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["petya@acme.example"]
        assert "Studio" in message.subject
        assert "30.06.2026" in message.subject  # Bulgarian date format
        assert "1998,00" in message.body.replace("\u00a0", " ").replace(" ", "")
        assert do_send_renewal_reminders(acting_user=None, now=on(date(2026, 5, 31))) == 0
        with delivering():
            do_send_renewal_reminders(acting_user=None, now=on(date(2026, 7, 1)))
        grace = mail.outbox[-1]
        assert "изтече" in grace.subject
        # 25 % of the price on 1 July (8990), whole euros.
        assert "2248,00" in grace.body.replace("\u00a0", "").replace(" ", "")
        assert SentReminder.objects.count() == 2

    def test_the_last_reminder_goes_a_week_before_the_grace_ends(self):
        # Support ended 30 June; the grace (one month) runs until 30 July.
        days = [date(2026, 7, d) for d in range(2, 32)] + [date(2026, 8, d) for d in (1, 2)]
        sent_on = []
        for day in days:
            with delivering():
                if do_send_renewal_reminders(acting_user=None, now=on(day)):
                    sent_on.append(day)
        assert sent_on == [date(2026, 7, 23)]
        last = mail.outbox[-1]
        assert last.to == ["petya@acme.example"]
        assert "Studio" in last.subject
        body = last.body.replace("\u00a0", "").replace(" ", "")
        assert "30.07.2026" in body  # the grace's last day, Bulgarian format
        assert "2248,00" in body  # still the grace price: 25 % of 8990
        reminder = SentReminder.objects.get()
        assert reminder.stage == "grace"
        assert reminder.key.endswith(":last")
        # Sent once: the same day again sends nothing.
        assert do_send_renewal_reminders(acting_user=None, now=on(date(2026, 7, 23))) == 0

    def test_no_last_reminder_once_the_support_is_renewed(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="renewal",
            entitlement=self.support,
            now=on(date(2026, 7, 10)),
        )
        invoice = do_invoice_order(acting_user=None, order=order, now=on(date(2026, 7, 10)))
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 7, 12)))
        assert do_send_renewal_reminders(acting_user=None, now=on(date(2026, 7, 23))) == 0


class VouchersAndContractsSoldAsTheOffersSay(TestCase):
    """The cast's vendor (preset prepaid_hours_bg) sells vouchers of 5, 10 and
    20 hours at 190, 360 and 680 EUR and a monthly subscription at 320 EUR a
    month with 600 minutes included, SLA: prices seeded by ``init``."""

    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, _request = build_billing_story()

    def test_a_voucher_costs_the_offer_price_of_its_size(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="voucher",
            quantity=10,
            now=on(date(2026, 3, 5)),
        )
        assert order.amount == Decimal("360.00")
        assert order.offer.code == "voucher"
        assert order.explanation

    def test_a_voucher_of_a_size_not_offered_is_refused_naming_the_quantity(self):
        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None,
                customer=self.cast.acme,
                kind="voucher",
                quantity=3,
                now=on(date(2026, 3, 5)),
            )
        assert refused.value.code == "size_not_offered"
        assert refused.value.message.startswith("quantity: ")
        assert "300, 600, 1200" in refused.value.message

    def test_paying_a_voucher_grants_its_minutes_on_the_ledger(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="voucher",
            quantity=10,
            now=on(date(2026, 3, 5)),
        )
        invoice = do_run_billing(
            acting_user=None,
            period=Period.month("2026-03"),
            customer=self.cast.acme,
            now=on(date(2026, 4, 1)),
        ).invoices[0]
        assert invoice.lines.filter(order=order).exists()
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 4, 2)))
        order.refresh_from_db()
        assert order.status == OrderStatus.FULFILLED
        assert order.granted.kind == Kind.PREPAID_HOURS
        assert order.granted.balance_minutes == 600
        assert order.granted.ends == date(2027, 3, 4)  # a year, as the offer says
        assert order.granted.terms["offer"] == "voucher"
        assert order.granted.fee is None  # billed by the order, never as a fee too

    def test_the_vendor_sells_no_incident_packs(self):
        with pytest.raises(ActionRefused) as refused:
            do_place_order(
                acting_user=None,
                customer=self.cast.acme,
                kind="incident_pack",
                quantity=4,
                now=on(date(2026, 3, 5)),
            )
        assert refused.value.code == "not_offered"
        assert refused.value.message.startswith("offer: ")

    def test_a_subscription_renews_back_to_back_with_the_offers_terms_and_fee(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="contract",
            product=self.cast.accounting,
            now=on(date(2026, 3, 5)),
        )
        # Acme's subscription runs to 31 Dec 2026: the new year follows it,
        # and the order bills its first month, January 2027.
        assert order.terms["starts"] == "2027-01-01"
        assert order.terms["ends"] == "2027-12-31"
        assert order.terms["fees_from"] == "2027-02-01"
        assert order.amount == Decimal("320.00")
        invoice = do_invoice_order(acting_user=None, order=order, now=on(date(2026, 3, 5)))
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=on(date(2026, 3, 6)))
        order.refresh_from_db()
        contract = order.granted
        assert contract.kind == Kind.CONTRACT
        assert contract.ends == date(2027, 12, 31)
        assert (contract.sla, contract.minutes_per_month) == (True, 600)
        assert (contract.fee, contract.billing_period) == (Decimal("320.00"), "month")
        # January is the order's; February is the contract's first fee.
        january = do_run_billing(
            acting_user=None,
            period=Period.month("2027-01"),
            customer=self.cast.acme,
            now=on(date(2027, 2, 1)),
        ).invoices
        assert not [
            line
            for invoice in january
            for line in invoice.lines.all()
            if line.entitlement_id == contract.pk
        ]
        february = do_run_billing(
            acting_user=None,
            period=Period.month("2027-02"),
            customer=self.cast.acme,
            now=on(date(2027, 3, 1)),
        ).invoices
        fees = [
            line
            for invoice in february
            for line in invoice.lines.all()
            if line.entitlement_id == contract.pk
        ]
        assert [line.amount for line in fees] == [Decimal("320.00")]

    def test_a_placed_order_can_be_cancelled_but_not_once_invoiced(self):
        order = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="voucher",
            quantity=5,
            now=on(date(2026, 3, 5)),
        )
        cancelled = do_cancel_order(acting_user=None, order=order, now=on(date(2026, 3, 6)))
        assert cancelled.status == OrderStatus.CANCELLED
        other = do_place_order(
            acting_user=None,
            customer=self.cast.acme,
            kind="voucher",
            quantity=5,
            now=on(date(2026, 3, 5)),
        )
        do_invoice_order(acting_user=None, order=other, now=on(date(2026, 3, 5)))
        with pytest.raises(ActionRefused) as refused:
            do_cancel_order(acting_user=None, order=other, now=on(date(2026, 3, 6)))
        assert refused.value.code == "invoiced"
