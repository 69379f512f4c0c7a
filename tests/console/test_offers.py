"""The console's offers pages: every staff member reads them; a manager
changes an offer (a new version for new sales only), prices it and sells it;
a bad field is refused on the form, naming it, and writes nothing."""

from datetime import date
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from supportledger.catalog.models import Offer, OfferPrice
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from supportledger.entitlements.models import Entitlement
from tests.cast import SET_UP_AT, at, build_cast


class TheOffersPages(TestCase):
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

    def setUp(self):
        clock = mock.patch("supportledger.core.clock.now", return_value=at(date(2026, 3, 4), 9))
        clock.start()
        self.addCleanup(clock.stop)

    def test_an_agent_reads_the_offers_the_preset_seeded_with_their_prices(self):
        self.client.force_login(self.cast.maria.user)
        page = self.client.get(reverse("console:offers")).content.decode()
        assert "Monthly subscription with included hours" in page
        assert "320.00" in page
        assert "190.00" in page
        detail = self.client.get(reverse("console:offer", args=["voucher"]))
        assert detail.status_code == 200
        assert 'id="terms"' not in detail.content.decode()  # no edit form for an agent

    def test_an_agent_cannot_change_an_offer(self):
        self.client.force_login(self.cast.maria.user)
        response = self.client.post(
            reverse("console:offer_price", args=["voucher"]),
            {"size": 300, "currency": "EUR", "amount": "1.00", "effective_from": "2026-03-04"},
        )
        assert response.status_code == 403
        assert not OfferPrice.objects.filter(amount=Decimal("1.00")).exists()

    def _terms(self, **changes):
        offer = Offer.objects.get(code="subscription", current=True)
        data = {
            "kind": "contract",
            "name_en": offer.names["en"],
            "name_bg": offer.names["bg"],
            "sizes": "",
            "term_months": 12,
            "minutes_per_month": 600,
            "sla": "on",
            "response_business_minutes": 240,
            "billing": "month",
            "renewable": "on",
            "sold": "on",
        }
        data.update(changes)
        return data

    def test_a_manager_changes_the_terms_for_new_sales_only(self):
        self.client.force_login(self.boss.user)
        sell = reverse("console:offer_sell", args=["subscription"])
        first = self.client.post(sell, {"customer": self.cast.acme.pk})
        assert first.status_code == 302
        old = Entitlement.objects.get(customer=self.cast.acme, offer__code="subscription")
        response = self.client.post(
            reverse("console:offer", args=["subscription"]), self._terms(minutes_per_month=900)
        )
        assert response.status_code == 302
        assert Offer.objects.filter(code="subscription").count() == 2
        self.client.post(sell, {"customer": self.cast.zeta.pk})
        new = Entitlement.objects.get(customer=self.cast.zeta, offer__code="subscription")
        old.refresh_from_db()
        assert (old.minutes_per_month, old.terms["version"]) == (600, 1)
        assert (new.minutes_per_month, new.terms["version"]) == (900, 2)
        assert new.fee == Decimal("320.00")  # the price belongs to the offer, not the version
        history = self.client.get(reverse("console:offer", args=["subscription"])).content
        assert b"900" in history
        assert b"600" in history

    def test_a_bad_field_is_refused_on_the_form_and_writes_nothing(self):
        self.client.force_login(self.boss.user)
        response = self.client.post(
            reverse("console:offer", args=["subscription"]),
            self._terms(rollover="on", minutes_per_month=0),
        )
        assert response.status_code == 400
        assert "needs included minutes a month" in response.content.decode()
        assert Offer.objects.filter(code="subscription").count() == 1

    def test_selling_a_size_not_offered_is_refused_naming_the_size(self):
        self.client.force_login(self.boss.user)
        response = self.client.post(
            reverse("console:offer_sell", args=["voucher"]),
            {"customer": self.cast.acme.pk, "size": 420},
        )
        assert response.status_code == 400
        assert "300, 600, 1200" in response.content.decode()
        assert not Entitlement.objects.filter(offer__code="voucher").exists()

    def test_a_manager_sets_a_new_price_from_a_date(self):
        self.client.force_login(self.boss.user)
        response = self.client.post(
            reverse("console:offer_price", args=["voucher"]),
            {"size": 600, "currency": "EUR", "amount": "390.00", "effective_from": "2026-04-01"},
        )
        assert response.status_code == 302
        prices = OfferPrice.objects.filter(offer_code="voucher", size=600).order_by(
            "effective_from"
        )
        assert [p.amount for p in prices] == [Decimal("360.00"), Decimal("390.00")]


class TheConsentTermsPage(TestCase):
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

    def test_init_seeds_the_presets_terms_and_a_manager_writes_a_new_version(self):
        from supportledger.service.models import ConsentTerms

        assert sorted(ConsentTerms.objects.values_list("language", "version")) == [
            ("bg", 1),
            ("en", 1),
        ]
        self.client.force_login(self.boss.user)
        page = self.client.get(reverse("console:consent_terms")).content.decode()
        assert "AnyDesk" in page
        response = self.client.post(
            reverse("console:consent_terms"), {"language": "bg", "text": "Нови условия."}
        )
        assert response.status_code == 302
        assert ConsentTerms.objects.get(language="bg", version=2).text == "Нови условия."
        assert ConsentTerms.objects.filter(language="bg", version=1).exists()

    def test_an_agent_reads_but_cannot_write_terms(self):
        self.client.force_login(self.cast.maria.user)
        assert self.client.get(reverse("console:consent_terms")).status_code == 200
        response = self.client.post(
            reverse("console:consent_terms"), {"language": "bg", "text": "x"}
        )
        assert response.status_code == 403
