"""The seller's identity: edited by an administrator in the console or with
``supportledger seller``, set to the country's defaults by ``init --preset``,
and required complete before the billing run issues anything."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.models import BillingSettings, Invoice
from supportledger.billing.queries import get_billing_settings, missing_seller_fields
from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_staff_member
from supportledger.customers.models import StaffRole
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at

MARCH = Period.month("2026-03")
SELLER = {
    "legal_name": "Sofia Soft Ltd",
    "address": "1 Vitosha Blvd",
    "postcode": "1000",
    "city": "Sofia",
    "country": "BG",
    "registration_number": "204612908",
    "vat_id": "BG 204612908",
    "bank_account": "BG80 BNBG 9661 1020 3456 78",
    "bank_bic": "BNBGBGSF",
    "payment_terms_days": "14",
    "hold_after_days": "0",
    "number_prefix": "INV",
    "number_with_year": "on",
    "number_width": "6",
    "number_reset": "yearly",
    "invoice_languages": ["bg", "en"],
    "vat_rates": "",
}


class TheSellerPage(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        BillingSettings.objects.filter(pk=1).update(legal_name="", vat_id="", bank_account="")
        cls.admin = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("ada"),
            role=StaffRole.ADMINISTRATOR,
        )

    def test_the_billing_run_refuses_and_lists_what_the_seller_lacks(self):
        with pytest.raises(ActionRefused) as refused:
            do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT)
        assert refused.value.code == "seller_incomplete"
        assert "legal_name, vat_id, bank_account" in refused.value.message
        assert Invoice.objects.count() == 0

    def test_an_administrator_completes_the_identity_and_the_run_then_bills(self):
        self.client.force_login(self.admin.user)
        page = self.client.get(reverse("console:seller"))
        assert page.status_code == 200
        assert "legal_name, vat_id, bank_account" in page.content.decode()
        response = self.client.post(reverse("console:seller"), SELLER)
        assert response.status_code == 302
        row = get_billing_settings()
        assert (row.vat_id, row.bank_account) == ("BG204612908", "BG80BNBG96611020345678")
        assert row.invoice_languages == ["bg", "en"]
        assert missing_seller_fields() == []
        assert AuditEntry.objects.filter(action="update_seller").exists()
        [invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices
        assert invoice.vendor["vat_id"] == "BG204612908"
        assert invoice.vendor["registration_number"] == "204612908"

    def test_a_wrong_vat_id_is_refused_naming_the_field_and_nothing_is_saved(self):
        self.client.force_login(self.admin.user)
        response = self.client.post(reverse("console:seller"), {**SELLER, "vat_id": "BG204612909"})
        assert response.status_code == 400
        assert 'id="vat_id-error"' in response.content.decode()
        assert "check digits" in response.content.decode()
        assert get_billing_settings().legal_name == ""

    def test_a_wrong_iban_is_refused(self):
        self.client.force_login(self.admin.user)
        response = self.client.post(
            reverse("console:seller"), {**SELLER, "bank_account": "BG81BNBG96611020345678"}
        )
        assert response.status_code == 400
        assert 'id="bank_account-error"' in response.content.decode()

    def test_only_an_administrator_may_open_the_page(self):
        self.client.force_login(self.cast.maria.user)
        assert self.client.get(reverse("console:seller")).status_code == 403
        assert self.client.post(reverse("console:seller"), SELLER).status_code == 403
        assert get_billing_settings().legal_name == ""

    def test_the_seller_command_sets_the_identity_and_says_when_it_is_complete(self):
        out = StringIO()
        call_command("seller", stdout=out)
        assert "missing before invoices can be issued: legal_name, vat_id, bank_account" in (
            out.getvalue()
        )
        out = StringIO()
        call_command(
            "seller",
            legal_name="Sofia Soft Ltd",
            vat_id="204612908",
            bank_account="BG80BNBG96611020345678",
            stdout=out,
        )
        assert "complete: invoices can be issued" in out.getvalue()
        assert get_billing_settings().vat_id == "BG204612908"

    def test_the_seller_command_refuses_a_wrong_number_with_the_field(self):
        with pytest.raises(CommandError, match=r"^registration_number: "):
            call_command("seller", registration_number="204612909", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preset", "country", "languages", "prefix", "number"),
    [
        ("prepaid_hours_bg", "BG", ["bg", "en"], "", "0000000001"),
        ("warranty_year_hu", "HU", ["hu", "en"], "SZ", "SZ-2026-000001"),
        ("annual_maintenance_gr", "GR", ["el", "en"], "TPY", "TPY-2026-000001"),
        ("support_period_ru", "RU", ["ru", "en"], "", "2026-000001"),
        ("remote_sla_pl", "PL", ["pl", "en"], "FV", "FV-2026-000001"),
    ],
)
def test_init_sets_the_preset_countrys_defaults_and_says_what_is_missing(
    preset, country, languages, prefix, number
):
    out = StringIO()
    call_command("init", preset=preset, stdout=out)
    row = get_billing_settings()
    assert (row.country, row.invoice_languages, row.number_prefix) == (
        country,
        languages,
        prefix,
    )
    assert "legal_name" in out.getvalue()
    from supportledger.billing.actions.invoices import number_text

    assert number_text(row, row.number_prefix, 2026, 1) == number
