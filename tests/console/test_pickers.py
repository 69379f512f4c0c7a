"""Pickers: staff find a customer, contact, product, licence, agent, request
or consent by typing part of its name, never its id. The list under a field
costs the same queries however many rows there are; a contact is looked for
in the chosen customer only; without JavaScript the typed text is resolved
on submit, and a text that matches several rows is a form error naming them
that keeps what was typed."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportledger.customers.actions import (
    do_add_contact,
    do_add_staff_member,
    do_create_customer,
)
from supportledger.customers.models import StaffRole
from supportledger.desk.models import Request
from supportledger.entitlements.actions.sales import do_sell_licence
from supportledger.entitlements.models import Entitlement
from supportledger.service.models import Consent
from tests.cast import SET_UP_AT, open_request
from tests.service.scene import PRICE_LIST, build_scene, consent


def _grow(cast, n, start):
    """``n`` more customers, each with a contact, a request and a licence."""
    for i in range(start, start + n):
        customer = do_create_customer(
            acting_user=None,
            organisation=f"Acumen {i} Ltd",
            city="Varna",
            country="BG",
            language="bg",
            currency="EUR",
            now=SET_UP_AT,
        )
        do_add_contact(
            acting_user=None,
            customer=customer,
            name=f"Acumen person {i}",
            email=f"p{i}@acumen.example",
            now=SET_UP_AT,
        )
        open_request(customer, subject=f"Acumen printing {i}")
        do_sell_licence(
            acting_user=None, customer=customer, product=cast.accounting, sold_on=date(2026, 1, 1)
        )


class ThePickers(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.cast = cls.scene.cast
        cls.consent = consent(cls.scene.petya, cls.scene.request)
        do_sell_licence(
            acting_user=None,
            customer=cls.cast.acme,
            product=cls.cast.accounting,
            sold_on=date(2026, 1, 1),
        )

    def setUp(self):
        self.client.force_login(self.cast.maria.user)

    def pick(self, kind, field=None, **params):
        field = field or kind
        response = self.client.get(
            reverse("console:pick", args=[kind]), {"field": field, **params}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        return response.content.decode()

    def test_typing_part_of_a_name_lists_the_matching_customers_with_a_button_each(self):
        html = self.pick("customer", customer_text="acm")
        assert f"Acme Ltd, Sofia [#{self.cast.acme.pk}]" in html
        assert "Zeta" not in html
        assert f"choose={self.cast.acme.pk}" in html
        assert "<button" in html

    def test_choosing_a_row_gives_the_field_back_with_its_id_and_label(self):
        html = self.pick("customer", choose=self.cast.acme.pk)
        assert f'name="customer" value="{self.cast.acme.pk}"' in html
        assert f'value="Acme Ltd, Sofia [#{self.cast.acme.pk}]"' in html

    def test_a_contact_is_looked_for_in_the_chosen_customer_only(self):
        assert "Choose the customer first" in self.pick("contact", contact_text="a")
        html = self.pick("contact", contact_text="a", customer=self.cast.zeta.pk)
        assert "Zoltan" in html or "zoltan" in html.lower()
        assert "Petya" not in html
        # a consent form names the request, not the customer
        html = self.pick("contact", contact_text="pet", request=self.scene.request.pk)
        assert "Petya" in html

    def test_each_kind_finds_its_rows_by_what_people_type(self):
        assert "Accounting [ACC]" in self.pick("product", product_text="accou")
        assert "[maria]" in self.pick("agent", agent_text="mar")
        request = self.scene.request
        assert f"[{request.reference}]" in self.pick("request", request_text=request.reference)
        html = self.pick("licence", licence_text="acc", customer=self.cast.acme.pk)
        assert "[LIC-" in html
        html = self.pick("consent", consent_text="petya", request=request.pk)
        assert f"[#{self.consent.pk}]" in html

    def test_the_lists_cost_the_same_queries_with_three_times_the_data(self):
        searches = {
            "customer": {"customer_text": "acu"},
            "contact": {"contact_text": "acu", "customer": self.cast.acme.pk},
            "product": {"product_text": "a"},
            "licence": {"licence_text": "acc", "customer": self.cast.acme.pk},
            "agent": {"agent_text": "a"},
            "request": {"request_text": "acumen"},
            "consent": {"consent_text": "p", "request": self.scene.request.pk},
        }

        def counts():
            found = {}
            for kind, params in searches.items():
                self.pick(kind, **params)  # warm: the session, the staff row
                with CaptureQueriesContext(connection) as queries:
                    self.pick(kind, **params)
                found[kind] = len(queries)
            with CaptureQueriesContext(connection) as queries:
                assert self.client.get(reverse("console:new_request")).status_code == 200
            found["new request form"] = len(queries)
            return found

        _grow(self.cast, 4, 0)
        small = counts()
        _grow(self.cast, 12, 4)
        assert counts() == small
        # and the lists stay short: ten rows and a hint that more match
        html = self.pick("customer", customer_text="acumen")
        assert html.count("<button") == 10
        assert "More match" in html

    def test_the_new_request_form_lists_no_contacts_and_opens_a_request_without_javascript(self):
        page = self.client.get(reverse("console:new_request")).content.decode()
        assert "Petya" not in page
        assert "Zoltan" not in page
        assert 'name="customer_text"' in page
        response = self.client.post(
            reverse("console:new_request"),
            {
                "customer_text": "acme",
                "contact_text": "petya",
                "product_text": "ACC",
                "channel": "phone",
                "category": "consultation",
                "priority": "normal",
                "subject": "Cannot print",
            },
        )
        assert response.status_code == 302
        opened = Request.objects.get(subject="Cannot print")
        assert opened.customer == self.cast.acme
        assert opened.contact == self.scene.petya
        assert opened.product == self.cast.accounting

    def test_a_text_matching_several_customers_names_them_and_keeps_what_was_typed(self):
        _grow(self.cast, 2, 0)
        response = self.client.post(
            reverse("console:new_request"),
            {
                "customer_text": "acumen",
                "channel": "phone",
                "category": "consultation",
                "priority": "normal",
                "subject": "Cannot print",
            },
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Several match" in html
        assert "Acumen 0 Ltd" in html
        assert "Acumen 1 Ltd" in html
        assert 'value="acumen"' in html
        assert 'value="Cannot print"' in html
        assert not Request.objects.filter(subject="Cannot print").exists()

    def test_a_contact_of_another_customer_is_refused_on_the_form(self):
        response = self.client.post(
            reverse("console:new_request"),
            {
                "customer": self.cast.acme.pk,
                "contact": self.scene.zoltan.pk,
                "channel": "phone",
                "category": "consultation",
                "priority": "normal",
                "subject": "Cannot print",
            },
        )
        assert response.status_code == 200
        assert "contact" in response.context["form"].errors
        assert not Request.objects.filter(subject="Cannot print").exists()

    def test_the_queue_filters_by_a_customer_typed_by_name(self):
        open_request(self.cast.zeta, subject="Zeta's own question")
        html = self.client.get(reverse("console:queue"), {"customer_text": "zeta"}).content
        assert "Zeta&#x27;s own question" in html.decode()
        assert f">{self.scene.request.reference}<" not in html.decode()

    def test_a_visit_is_booked_with_request_consent_and_agent_typed_by_name(self):
        response = self.client.post(
            reverse("service:book_appointment"),
            {
                "request_text": self.scene.request.reference,
                "consent_text": "petya",
                "agent_text": "maria",
                "day": "2000-01-05",
                "starts": "09:00",
                "ends": "10:00",
                "city": "Sofia",
            },
        )
        # Resolved by name: what refuses it now is the day, not a picker.
        form = response.context["form"]
        assert not {"request", "consent", "agent"} & set(form.errors)
        assert form["city"].value() == "Sofia"

    def test_consent_on_the_phone_picks_the_contact_and_the_price_list(self):
        page = self.client.get(reverse("service:sessions")).content.decode()
        assert f'<option value="{PRICE_LIST}" selected>' in page
        response = self.client.post(
            reverse("service:record_consent"),
            {
                "request_text": self.scene.request.reference,
                "contact_text": "petya",
                "terms_version": "2026-01",
                "price_list_version": PRICE_LIST,
            },
        )
        assert response.status_code == 302
        assert Consent.objects.filter(request=self.scene.request).count() == 2

    def test_pickers_are_for_staff_only(self):
        self.client.logout()
        response = self.client.get(reverse("console:pick", args=["customer"]), {"q": "a"})
        assert response.status_code == 302
        assert "Acme" not in response.content.decode()


class TheConsolePages(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()

    def test_htmx_is_served_from_the_site_under_a_strict_policy_without_inline_script(self):
        self.client.force_login(self.scene.cast.maria.user)
        response = self.client.get(reverse("console:new_request"))
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe" not in policy
        html = response.content.decode()
        assert "/static/django_htmx/htmx-2.min.js" in html
        assert '"includeIndicatorStyles": false' in html  # htmx adds no inline style
        assert "<script>" not in html
        assert " on" + "click=" not in html


class TheOtherFormsThatAskedForACustomer(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role=StaffRole.MANAGER,
            now=SET_UP_AT,
        )

    def setUp(self):
        self.client.force_login(self.boss.user)

    def test_the_invoice_list_filters_by_a_customer_picked_by_name(self):
        page = self.client.get(reverse("billing:invoices")).content.decode()
        assert "Customer id" not in page
        assert 'name="customer_text"' in page
        response = self.client.get(reverse("billing:invoices"), {"customer_text": "nobody"})
        assert response.status_code == 200
        assert "No customer matches" in response.content.decode()

    def test_an_offer_is_sold_to_a_customer_typed_by_name(self):
        response = self.client.post(
            reverse("console:offer_sell", args=["voucher"]),
            {"customer_text": "zeta", "size": 600},
        )
        assert response.status_code == 302
        assert Entitlement.objects.get(offer__code="voucher").customer == self.scene.cast.zeta


class ADependentPicker(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()

    def test_choosing_a_customer_tells_its_contact_field_to_empty_itself(self):
        self.client.force_login(self.scene.cast.maria.user)
        url = reverse("console:pick", args=["customer"])
        chosen = self.client.get(url, {"field": "customer", "choose": self.scene.cast.zeta.pk})
        assert "customer-chosen" in chosen.headers["HX-Trigger"]
        form = self.client.get(reverse("console:new_request")).content.decode()
        assert 'hx-trigger="customer-chosen from:body"' in form
        assert 'hx-include="find input[type=hidden]"' in form  # it sends what it holds
        contact = self.scene.cast.acme.contacts.first()
        emptied = self.client.get(
            reverse("console:pick", args=["contact"]),
            {"field": "contact", "reset": "1", "contact": contact.pk},
        ).content.decode()
        assert 'name="contact" value=""' in emptied
        assert 'name="contact_text"' in emptied

    def test_a_dependent_picker_holding_nothing_keeps_what_is_being_typed(self):
        self.client.force_login(self.scene.cast.maria.user)
        untouched = self.client.get(
            reverse("console:pick", args=["contact"]), {"field": "contact", "reset": "1"}
        )
        # htmx swaps nothing on a 204: the text typed meanwhile stays.
        assert untouched.status_code == 204
        assert untouched.content == b""
