"""Selling from the customer's page: a manager previews the price and why,
then confirms; the sale goes through the action the API uses (a licence
with its warranty and support period, an offer at its price, a renewal
order, an extension). Agents are refused; a refusal keeps the form as typed;
a price changed since the preview is shown again rather than charged."""

from datetime import date
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from supportledger.billing.models import Order, OrderKind
from supportledger.catalog.actions import do_set_product_price
from supportledger.catalog.models import OfferPrice
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement, Kind, Licence
from tests.cast import SET_UP_AT, at, build_cast

NOW = at(date(2026, 3, 4), 9)


class SellingFromTheCustomerPage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role=StaffRole.MANAGER,
            products=[cls.cast.accounting],
            now=SET_UP_AT,
        )
        product = cls.cast.accounting
        product.support_period_months = 12
        product.warranty_months = 3
        product.save()
        do_set_product_price(
            acting_user=None,
            product=product,
            effective_from=date(2026, 1, 1),
            amount=Decimal("1000.00"),
            currency="EUR",
        )

    def setUp(self):
        clock = mock.patch("supportledger.core.clock.now", return_value=NOW)
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.boss.user)

    def url(self, kind):
        return reverse("customers:sell", args=[self.cast.acme.pk, kind])

    def test_a_manager_previews_a_voucher_then_confirms_it_at_the_previewed_price(self):
        page = self.client.get(reverse("customers:detail", args=[self.cast.acme.pk]))
        assert self.url("voucher") in page.content.decode()
        form = {"offer": "voucher:600", "starts": "2026-03-04"}
        preview = self.client.post(self.url("voucher"), {**form, "step": "preview"})
        assert preview.status_code == 200
        html = preview.content.decode()
        assert "360.00" in html
        assert 'id="sale-explanation"' in html
        assert "Billed once, by the next billing run." in html
        assert not Entitlement.objects.filter(kind=Kind.PREPAID_HOURS).exists()  # nothing yet
        done = self.client.post(
            self.url("voucher"), {**form, "step": "confirm", "amount": "360.00"}
        )
        assert done.status_code == 302
        [voucher] = Entitlement.objects.filter(customer=self.cast.acme, kind=Kind.PREPAID_HOURS)
        assert voucher.balance_minutes == 600
        assert voucher.fee == Decimal("360.00")
        assert voucher.offer.code == "voucher"

    def test_a_price_changed_since_the_preview_is_shown_again_not_charged(self):
        form = {"offer": "voucher:600", "starts": "2026-03-04", "step": "confirm"}
        OfferPrice.objects.filter(offer_code="voucher", size=600).update(amount=Decimal("400.00"))
        response = self.client.post(self.url("voucher"), {**form, "amount": "360.00"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "The price has changed since the preview" in html
        assert "400.00" in html
        assert not Entitlement.objects.filter(kind=Kind.PREPAID_HOURS).exists()

    def test_a_licence_is_sold_with_its_warranty_and_support_period(self):
        form = {"product_text": "accoun", "sold_on": "2026-03-04", "seats": "2"}
        preview = self.client.post(self.url("licence"), {**form, "step": "preview"})
        html = preview.content.decode()
        assert "1,000.00" in html or "1000.00" in html
        assert "Support period granted with it: 12 months" in html
        self.client.post(self.url("licence"), {**form, "step": "confirm", "amount": "1000.00"})
        [licence] = Licence.objects.filter(customer=self.cast.acme)
        assert licence.seats == 2
        kinds = set(Entitlement.objects.filter(licence=licence).values_list("kind", flat=True))
        assert kinds == {Kind.WARRANTY, Kind.SUPPORT_PERIOD}

    def test_a_renewal_is_ordered_at_the_renewal_quote_and_an_extension_is_free(self):
        licence = do_sell_licence(
            acting_user=None,
            customer=self.cast.acme,
            product=self.cast.accounting,
            sold_on=date(2025, 4, 1),
        )
        form = {"licence_text": licence.reference, "step": "preview"}
        preview = self.client.post(self.url("renewal"), form)
        assert preview.status_code == 200
        amount = str(preview.context["preview"].amount)
        assert "support is extended once it is paid" in preview.content.decode()
        self.client.post(self.url("renewal"), {**form, "step": "confirm", "amount": amount})
        [order] = Order.objects.filter(customer=self.cast.acme, kind=OrderKind.RENEWAL)
        assert str(order.amount) == amount
        extend = {"licence_text": licence.reference, "new_ends": "2026-06-30"}
        preview = self.client.post(self.url("extension"), {**extend, "step": "preview"})
        assert "free of charge" in preview.content.decode()
        self.client.post(self.url("extension"), {**extend, "step": "confirm", "amount": "0"})
        latest = Entitlement.objects.filter(licence=licence, kind=Kind.SUPPORT_PERIOD).latest(
            "ends"
        )
        assert latest.ends == date(2026, 6, 30)

    def test_an_extension_that_extends_nothing_is_refused_naming_the_field_and_keeps_the_form(self):
        licence = do_sell_licence(
            acting_user=None,
            customer=self.cast.acme,
            product=self.cast.accounting,
            sold_on=date(2026, 1, 1),
        )
        before = Entitlement.objects.count()
        response = self.client.post(
            self.url("extension"),
            {"licence_text": licence.reference, "new_ends": "2026-02-01", "step": "preview"},
        )
        assert response.status_code == 400
        form = response.context["form"]
        assert "new_ends" in form.errors
        assert form["new_ends"].value() == "2026-02-01"
        assert Entitlement.objects.count() == before

    def test_a_licence_of_another_customer_cannot_be_picked(self):
        other = do_sell_licence(
            acting_user=None,
            customer=self.cast.zeta,
            product=self.cast.accounting,
            sold_on=date(2026, 1, 1),
        )
        response = self.client.post(
            self.url("renewal"),
            {"licence": other.pk, "licence_text": other.reference, "step": "preview"},
        )
        assert response.status_code == 400
        assert "licence" in response.context["form"].errors
        assert not Order.objects.exists()

    def test_an_agent_sees_no_sell_links_and_is_refused(self):
        self.client.force_login(self.cast.maria.user)
        page = self.client.get(reverse("customers:detail", args=[self.cast.acme.pk]))
        assert self.url("voucher") not in page.content.decode()
        response = self.client.post(
            self.url("voucher"),
            {"offer": "voucher:600", "starts": "2026-03-04", "step": "confirm", "amount": "360.00"},
        )
        assert response.status_code == 403
        assert not Entitlement.objects.filter(kind=Kind.PREPAID_HOURS).exists()


class SellingContractsAndPacksFromTheCustomerPage(TestCase):
    """The Greek vendor's offers: an annual maintenance contract that runs
    to the end of the calendar year, and Premium incident packs sold only in
    the offer's sizes and only to a customer holding a contract."""

    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast("annual_maintenance_gr")
        cls.boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role=StaffRole.MANAGER,
            products=[cls.cast.accounting],
            now=SET_UP_AT,
        )

    def setUp(self):
        clock = mock.patch("supportledger.core.clock.now", return_value=at(date(2026, 12, 2), 9))
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.boss.user)

    def url(self, kind):
        return reverse("customers:sell", args=[self.cast.acme.pk, kind])

    def test_a_pack_says_it_pays_only_with_a_contract_and_a_contract_ends_with_the_year(self):
        pack = {"offer": "premium:4", "starts": "2026-12-02"}
        warned = self.client.post(self.url("incident-pack"), {**pack, "step": "preview"})
        assert warned.status_code == 200
        lines = warned.context["preview"].explanation
        assert "It pays only while the customer also holds a valid contract." in lines
        assert any(line.startswith("No contract of the customer is valid on") for line in lines)
        assert not Entitlement.objects.filter(kind=Kind.INCIDENT_PACK).exists()

        contract = {"offer": "maintenance:0", "starts": "2026-12-02"}
        preview = self.client.post(self.url("contract"), {**contract, "step": "preview"})
        assert preview.status_code == 200
        assert preview.context["preview"].amount == Decimal("290.00")
        done = self.client.post(
            self.url("contract"), {**contract, "step": "confirm", "amount": "290.00"}
        )
        assert done.status_code == 302
        [sold] = Entitlement.objects.filter(customer=self.cast.acme, kind=Kind.CONTRACT)
        assert (sold.starts, sold.ends) == (date(2026, 12, 2), date(2026, 12, 31))
        assert sold.offer.code == "maintenance"

        preview = self.client.post(self.url("incident-pack"), {**pack, "step": "preview"})
        assert preview.status_code == 200
        assert preview.context["preview"].amount == Decimal("110.00")
        assert not any(
            line.startswith("No contract") for line in preview.context["preview"].explanation
        )
        self.client.post(self.url("incident-pack"), {**pack, "step": "confirm", "amount": "110.00"})
        [bought] = Entitlement.objects.filter(customer=self.cast.acme, kind=Kind.INCIDENT_PACK)
        assert bought.balance_incidents == 4
        assert bought.fee == Decimal("110.00")

    def test_a_pack_size_the_offer_does_not_sell_is_refused_naming_the_field(self):
        response = self.client.post(
            self.url("incident-pack"),
            {"offer": "premium:7", "starts": "2026-12-02", "step": "preview"},
        )
        assert response.status_code == 400
        assert "offer" in response.context["form"].errors
        assert not Entitlement.objects.filter(kind=Kind.INCIDENT_PACK).exists()
