"""National documents are made when an invoice is issued, kept when no
connector is configured, and sent through the configured connector to a
stand-in tax service that checks what it receives; a service that is down
is retried with back-off and each document accepted exactly once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from supportledger.billing.actions.invoices import do_credit_invoice
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.einvoice.actions import do_submit_due_national_documents
from supportledger.billing.einvoice.queries import get_electronic_document
from supportledger.billing.models import BillingSettings, NationalDocument
from supportledger.customers.actions import do_create_customer
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.billing.tax_service import TaxService
from tests.cast import SET_UP_AT, at, build_cast

MARCH = Period.month("2026-03")
BILLED_AT = at(date(2026, 4, 1), 6)


@pytest.fixture
def service():
    running = TaxService().start()
    yield running
    running.stop()


def _bill(country, preset, vat_id, currency, fee):
    build_cast(preset)
    BillingSettings.objects.update_or_create(
        pk=1,
        defaults={
            "legal_name": f"Vendor {country}",
            "address": "Main street 1",
            "postcode": "1000",
            "city": "Capital",
            "registration_number": "0000123456",
            "bank_account": "GR1601101250000000012300695"
            if country == "GR"
            else "HU42117730161111101800000000",
            "country": country,
            "vat_id": vat_id,
            "vat_rates": {"GR": "24", "HU": "27"},
        },
    )
    customer = do_create_customer(
        acting_user=None,
        organisation="Buyer",
        street="1 Main Street",
        postcode="1000",
        city="Town",
        country=country,
        language="en",
        currency=currency,
        vat_id="EL090000045" if country == "GR" else "10773381-2-44",
        now=SET_UP_AT,
    )
    do_sell_contract(
        acting_user=None,
        customer=customer,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        fee=Decimal(fee),
        currency=currency,
        billing_period="month",
        now=SET_UP_AT,
    )
    return do_run_billing(acting_user=None, period=MARCH, customer=customer, now=BILLED_AT)


def _mydata(service):
    return {"GR": {"url": service.url, "user_id": service.user_id, "subscription_key": service.key}}


@pytest.mark.django_db
def test_without_a_connector_the_document_is_kept_for_download():
    invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500.00").invoices[0]
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "kept"
    assert document.format == "myDATA"
    assert "<invoiceType>2.1</invoiceType>" in document.xml
    download = get_electronic_document(invoice, "national")
    assert download.content == document.xml.encode()
    assert download.filename == f"{invoice.number}-gr.xml"
    assert do_submit_due_national_documents(now=BILLED_AT) == 0


@pytest.mark.django_db
def test_a_greek_invoice_is_accepted_by_mydata_with_its_mark(service):
    with override_settings(EINVOICE_CONNECTORS=_mydata(service)):
        invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500.00").invoices[0]
        assert NationalDocument.objects.get(invoice=invoice).status == "pending"
        assert do_submit_due_national_documents(now=BILLED_AT) == 1
    document = NationalDocument.objects.get(invoice=invoice)
    assert (document.status, document.reference) == ("accepted", "400001000001")
    assert service.refusals == []
    assert len(service.accepted) == 1


@pytest.mark.django_db
def test_a_credit_note_of_a_transmitted_invoice_is_correlated_by_its_mark(service):
    with override_settings(EINVOICE_CONNECTORS=_mydata(service)):
        invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500.00").invoices[0]
        do_submit_due_national_documents(now=BILLED_AT)
        note = do_credit_invoice(acting_user=None, invoice=invoice, reason="Error", now=BILLED_AT)
        do_submit_due_national_documents(now=BILLED_AT)
    document = NationalDocument.objects.get(invoice=note)
    assert document.status == "accepted"
    assert b"<invoiceType>5.1</invoiceType>" in service.accepted[1]
    assert b"<correlatedInvoices>400001000001</correlatedInvoices>" in service.accepted[1]


@pytest.mark.django_db
def test_wrong_credentials_are_a_rejection_with_the_services_reasons(service):
    wrong = {"GR": {"url": service.url, "user_id": "someone", "subscription_key": service.key}}
    with override_settings(EINVOICE_CONNECTORS=wrong):
        invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500.00").invoices[0]
        do_submit_due_national_documents(now=BILLED_AT)
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "rejected"
    assert "101 wrong user" in document.last_error


@pytest.mark.django_db
def test_a_service_that_is_down_is_retried_with_back_off_and_accepts_once(service):
    service.down = True
    with override_settings(EINVOICE_CONNECTORS=_mydata(service)):
        invoice = _bill("GR", "annual_maintenance_gr", "EL094014201", "EUR", "500.00").invoices[0]
        assert do_submit_due_national_documents(now=BILLED_AT) == 0
        document = NationalDocument.objects.get(invoice=invoice)
        assert (document.status, document.attempts) == ("pending", 1)
        assert document.next_attempt_at == BILLED_AT + timedelta(minutes=1)
        assert "503" in document.last_error
        # Not due yet: nothing is sent.
        assert do_submit_due_national_documents(now=BILLED_AT + timedelta(seconds=30)) == 0
        assert do_submit_due_national_documents(now=BILLED_AT + timedelta(minutes=1)) == 0
        document.refresh_from_db()
        assert document.next_attempt_at == BILLED_AT + timedelta(minutes=3)  # 1 + 2
        service.down = False
        later = BILLED_AT + timedelta(minutes=3)
        assert do_submit_due_national_documents(now=later) == 1
        assert do_submit_due_national_documents(now=later + timedelta(hours=1)) == 0
    assert NationalDocument.objects.get(invoice=invoice).status == "accepted"
    assert len(service.accepted) == 1


@pytest.mark.django_db
def test_a_hungarian_invoice_is_reported_to_nav_with_a_valid_signature(service):
    nav = {
        "HU": {
            "url": service.url,
            "login": "vendoruser",
            "password": "secret",
            "signature_key": service.nav_signature_key,
            "tax_number": "12345676",
            "exchange_key": service.nav_exchange_key,
        }
    }
    with override_settings(EINVOICE_CONNECTORS=nav):
        invoice = _bill("HU", "warranty_year_hu", "12345676-2-41", "HUF", "150000").invoices[0]
        assert do_submit_due_national_documents(now=BILLED_AT) == 1
    document = NationalDocument.objects.get(invoice=invoice)
    assert (document.status, document.reference) == ("accepted", "TX000001")
    assert service.refusals == []


@pytest.mark.django_db
def test_a_wrong_nav_signature_key_is_refused_by_the_service(service):
    nav = {
        "HU": {
            "url": service.url,
            "login": "vendoruser",
            "password": "secret",
            "signature_key": "another-key",
            "tax_number": "12345676",
            "exchange_key": service.nav_exchange_key,
        }
    }
    with override_settings(EINVOICE_CONNECTORS=nav):
        invoice = _bill("HU", "warranty_year_hu", "12345676-2-41", "HUF", "150000").invoices[0]
        do_submit_due_national_documents(now=BILLED_AT)
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "rejected"
    assert "INVALID_REQUEST_SIGNATURE" in document.last_error


def _ksef(service, token=None):
    return {
        "PL": {
            "url": service.url + "/ksef",
            "nip": service.ksef_nip,
            "token": token or service.ksef_token,
        }
    }


def _bill_pl():
    build_cast("remote_sla_pl")
    BillingSettings.objects.update_or_create(
        pk=1,
        defaults={
            "legal_name": "Vendor PL",
            "address": "ul. Marszałkowska 1",
            "postcode": "00-624",
            "city": "Warszawa",
            "registration_number": "0000123456",
            "bank_account": "PL61109010140000071219812874",
            "country": "PL",
            "vat_id": "PL5260250274",
            "vat_rates": {"PL": "23"},
        },
    )
    customer = do_create_customer(
        acting_user=None,
        organisation="Buyer",
        street="ul. Floriańska 1",
        postcode="31-019",
        city="Kraków",
        country="PL",
        language="pl",
        currency="PLN",
        vat_id="PL7740001454",
        now=SET_UP_AT,
    )
    do_sell_contract(
        acting_user=None,
        customer=customer,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        fee=Decimal("800.00"),
        currency="PLN",
        billing_period="month",
        now=SET_UP_AT,
    )
    return do_run_billing(acting_user=None, period=MARCH, customer=customer, now=BILLED_AT)


@pytest.mark.django_db
def test_a_polish_invoice_goes_to_ksef_through_an_encrypted_session(service):
    with override_settings(EINVOICE_CONNECTORS=_ksef(service)):
        invoice = _bill_pl().invoices[0]
        assert do_submit_due_national_documents(now=BILLED_AT) == 1
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "accepted"
    assert document.reference == "5260250274-20260401-000000000001-AB"
    # The stand-in decrypted exactly the document that was kept.
    assert service.accepted == [document.xml.encode()]


@pytest.mark.django_db
def test_ksef_verifying_later_is_asked_again_without_sending_twice(service):
    service.ksef_undecided_polls = 1
    with override_settings(EINVOICE_CONNECTORS=_ksef(service)):
        invoice = _bill_pl().invoices[0]
        assert do_submit_due_national_documents(now=BILLED_AT) == 0
        document = NationalDocument.objects.get(invoice=invoice)
        assert (document.status, document.reference) == ("pending", "SES-1/INV-1")
        assert do_submit_due_national_documents(now=BILLED_AT + timedelta(minutes=1)) == 1
    document.refresh_from_db()
    assert document.status == "accepted"
    assert len(service.ksef["invoices"]) == 1


@pytest.mark.django_db
def test_a_wrong_ksef_token_is_not_authenticated_and_nothing_is_sent(service):
    with override_settings(EINVOICE_CONNECTORS=_ksef(service, token="stolen")):
        invoice = _bill_pl().invoices[0]
        assert do_submit_due_national_documents(now=BILLED_AT) == 0
    document = NationalDocument.objects.get(invoice=invoice)
    assert document.status == "pending"
    assert "authentication refused" in document.last_error
    assert "invoices" not in service.ksef
