"""The staff pages speak the reader's language down to their labels: request
statuses, invoice and order statuses, order kinds, entitlement kinds, the
statuses of visits, remote sessions and claims, and the reason of a hold. For
each of bg, hu, el, ru and pl the main pages are rendered and none of the
English labels may be left in their visible text."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

from django.test import TestCase

from supportledger.billing.actions.invoices import do_mark_invoice_paid
from supportledger.billing.actions.orders import do_invoice_order, do_place_order
from supportledger.billing.actions.reminders import do_hold_overdue_customers
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import BillingSettings
from supportledger.catalog.actions import (
    do_create_offer,
    do_create_product,
    do_set_offer_price,
    do_set_product_price,
)
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.status import do_change_request_status
from supportledger.entitlements.actions.sales import (
    do_sell_contract,
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.service.actions.claims import do_file_claim, do_reject_claim
from supportledger.service.actions.confirmation import do_confirm_work
from supportledger.service.actions.remote import do_end_remote_session, do_start_remote_session
from supportledger.service.actions.visits import do_book_appointment
from tests.billing.scenario import record, set_up_billing_settings
from tests.cast import SET_UP_AT, add_staff, at
from tests.service.scene import build_scene, consent

LANGUAGES = ("bg", "hu", "el", "ru", "pl")
MARCH_4 = date(2026, 3, 4)

# English labels that must not be left on a page read in another language.
REQUEST_STATUSES = ("new", "open", "waiting for customer", "scheduled", "resolved")
INVOICE_STATUSES = ("draft", "issued", "paid", "cancelled")
ORDER_KINDS = (
    "voucher (prepaid hours)",
    "incident pack",
    "support renewal",
    "maintenance contract",
)
ORDER_STATUSES = ("placed", "fulfilled")
ENTITLEMENT_KINDS = (
    "warranty",
    "support period",
    "support_period",
    "contract",
    "prepaid hours",
    "prepaid_hours",
    "incident_pack",
)
APPOINTMENT_STATUSES = ("booked",)
SESSION_STATUSES = ("waiting for the consultant", "connected", "ended")
CLAIM_STATUSES = ("filed", "rejected")
HOLD = ("Overdue invoice", "due 20")


def visible_text(html):
    """What a reader sees: no tags, scripts, styles, attribute values."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]*>", " ", html)
    return unescape(html)


def english_left(text, labels):
    return [
        label
        for label in labels
        if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text, re.IGNORECASE)
    ]


class StaffPagesInEveryLanguage(TestCase):
    @classmethod
    def setUpTestData(cls):
        scene = build_scene()
        cast = scene.cast
        cls.cast = cast
        set_up_billing_settings()
        BillingSettings.objects.filter(pk=1).update(hold_when_overdue=True, hold_after_days=0)
        studio = do_create_product(
            acting_user=None, code="STU", name="Studio", support_period_months=6, now=SET_UP_AT
        )
        do_set_product_price(
            acting_user=None,
            product=studio,
            effective_from=date(2025, 1, 1),
            amount=Decimal("1000"),
            currency="EUR",
            now=SET_UP_AT,
        )
        licence = do_sell_licence(
            acting_user=None,
            customer=cast.acme,
            product=studio,
            sold_on=date(2025, 6, 1),
            now=SET_UP_AT,
        )
        # The preset sells no incident packs: this vendor adds one.
        do_create_offer(
            acting_user=None,
            code="pack",
            values={"kind": "incident_pack", "names": {"en": "Phone pack"}, "sizes": [4]},
            now=SET_UP_AT,
        )
        do_set_offer_price(
            acting_user=None,
            code="pack",
            size=4,
            currency="EUR",
            amount=Decimal("180.00"),
            effective_from=date(2025, 1, 1),
            now=SET_UP_AT,
        )
        for kind in ("voucher", "incident_pack", "contract", "renewal"):
            fields = (
                {"quantity": {"voucher": 10, "incident_pack": 4}[kind]}
                if kind in ("voucher", "incident_pack")
                else {}
            )
            if kind == "contract":
                fields["product"] = cast.accounting
            if kind == "renewal":
                fields["entitlement"] = licence.entitlements.get(kind="support_period")
            do_place_order(acting_user=None, customer=cast.acme, kind=kind, now=SET_UP_AT, **fields)
        paid = do_place_order(
            acting_user=None, customer=cast.zeta, kind="voucher", quantity=5, now=SET_UP_AT
        )
        invoice = do_invoice_order(acting_user=None, order=paid, now=SET_UP_AT)
        do_mark_invoice_paid(acting_user=None, invoice=invoice, now=SET_UP_AT)
        do_sell_voucher(
            acting_user=None,
            customer=cast.acme,
            minutes=600,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        do_sell_incident_pack(
            acting_user=None,
            customer=cast.acme,
            incidents=4,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=SET_UP_AT,
        )
        do_sell_contract(
            acting_user=None,
            customer=cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            minutes_per_month=60,
            now=SET_UP_AT,
        )
        # Requests in several statuses, with the product the work is for.
        cls.request = scene.request
        for to in ("open", "waiting", "scheduled", "resolved"):
            extra = do_open_request(
                acting_user=None,
                customer=cast.zeta,
                subject=f"Zeta {len(to)}",
                category="consultation",
                channel="portal",
                now=SET_UP_AT,
            )
            do_change_request_status(acting_user=None, request=extra, to=to, now=SET_UP_AT)
        # The work is on another request of Acme's: the request page under
        # test shows no rating explanation (its wording is the rules').
        worked = do_open_request(
            acting_user=None,
            customer=cast.acme,
            subject="Acme 2",
            category="consultation",
            channel="portal",
            now=SET_UP_AT,
        )
        work = record(cast, worked, "W1", at(MARCH_4, 7), at(MARCH_4, 8))
        # A visit, a remote session of each status, a rejected and a filed claim.
        agreed = consent(scene.petya, scene.request)
        do_book_appointment(
            acting_user=None,
            request=scene.request,
            agent=cast.maria,
            consent=agreed,
            starts_at=at(date(2026, 3, 11), 8),
            ends_at=at(date(2026, 3, 11), 10),
            city="Sofia",
            now=SET_UP_AT,
        )
        for index, end in enumerate((False, True)):
            session, _code = do_start_remote_session(
                acting_user=None,
                consent=consent(scene.petya, scene.request),
                agent=cast.maria,
                now=at(MARCH_4, 9 + index),
            )
            if end:
                do_end_remote_session(acting_user=None, session=session, now=at(MARCH_4, 11))
        do_confirm_work(acting_user=None, work=work, contact=scene.petya, now=at(MARCH_4, 10))
        rejected = do_file_claim(
            acting_user=None,
            work=work,
            contact=scene.petya,
            description="Druckt falsch.",
            now=at(MARCH_4, 12),
        )
        do_reject_claim(
            acting_user=None,
            claim=rejected,
            note="Druckertreiber.",
            visited_on_site=True,
            now=at(MARCH_4 + timedelta(days=1), 9),
        )
        do_file_claim(
            acting_user=None,
            work=work,
            contact=scene.petya,
            description="Noch einmal.",
            now=at(MARCH_4 + timedelta(days=1), 10),
        )
        # The March run issues Acme's invoice; unpaid, it puts Acme on hold.
        do_run_billing(
            acting_user=None, period=Period.month("2026-03"), now=at(date(2026, 4, 1), 6)
        )
        do_run_billing(
            acting_user=None,
            period=Period.month("2026-04"),
            customer=cast.zeta,
            now=at(date(2026, 5, 1), 6),
            issue=False,
        )
        held = do_hold_overdue_customers(acting_user=None, now=at(date(2026, 5, 20), 6))
        assert [c.pk for c in held] == [cast.acme.pk]

    def setUp(self):
        # A manager: the pages walked include billing and claims.
        self.client.force_login(add_staff(self.cast, "nadia", "manager").user)

    def page(self, url, language):
        self.client.cookies["django_language"] = language
        response = self.client.get(url, headers={"accept-language": language})
        assert response.status_code == 200, url
        assert response["Content-Language"] == language
        return visible_text(response.content.decode())

    def assert_translated(self, url, labels):
        for language in LANGUAGES:
            text = self.page(url, language)
            assert english_left(text, labels) == [], f"{url} in {language}"

    def test_the_english_page_shows_the_english_labels_the_others_must_not(self):
        text = self.page("/console/billing/orders/", "en")
        assert english_left(text, ORDER_KINDS) == list(ORDER_KINDS)
        assert english_left(self.page("/console/?status=all", "en"), ("waiting for customer",))

    def test_the_queue(self):
        self.assert_translated("/console/?status=all", (*REQUEST_STATUSES, "On hold"))

    def test_the_request_page(self):
        self.assert_translated(
            f"/console/requests/{self.request.pk}/",
            REQUEST_STATUSES + ENTITLEMENT_KINDS + HOLD + ("On hold",),
        )

    def test_the_customers_invoices(self):
        self.assert_translated(
            f"/console/billing/?customer={self.cast.acme.pk}", INVOICE_STATUSES + HOLD
        )

    def test_the_invoices(self):
        self.assert_translated("/console/billing/", INVOICE_STATUSES)

    def test_an_invoice(self):
        from supportledger.billing.models import Invoice

        for invoice in Invoice.objects.all():
            self.assert_translated(f"/console/billing/invoices/{invoice.pk}/", INVOICE_STATUSES)

    def test_the_orders(self):
        self.assert_translated("/console/billing/orders/", ORDER_KINDS + ORDER_STATUSES)

    def test_the_visits(self):
        self.assert_translated("/console/service/appointments/", APPOINTMENT_STATUSES)

    def test_the_remote_sessions(self):
        self.assert_translated("/console/service/sessions/", SESSION_STATUSES)

    def test_the_claims(self):
        self.assert_translated("/console/service/claims/", CLAIM_STATUSES)

    def test_the_customer_page(self):
        self.assert_translated(
            f"/console/customers/{self.cast.acme.pk}/",
            REQUEST_STATUSES
            + ENTITLEMENT_KINDS
            + HOLD
            + APPOINTMENT_STATUSES
            + SESSION_STATUSES
            + CLAIM_STATUSES
            + INVOICE_STATUSES
            + ORDER_KINDS
            + ORDER_STATUSES
            + ("On hold", "Contacts", "Licences", "What work would cost now", "granted", "used"),
        )
