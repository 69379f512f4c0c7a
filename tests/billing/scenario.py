"""A small billing story on top of the shared cast: Acme (Sofia, Bulgarian)
with a monthly subscription contract and billable work in March 2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from supportledger.billing.models import BillingSettings
from supportledger.customers.actions import do_add_contact
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import do_sell_contract
from tests.cast import SET_UP_AT, at, build_cast, open_request

MARCH_4 = date(2026, 3, 4)
BILLED_AT = at(date(2026, 4, 1), 6)


def set_up_billing_settings() -> BillingSettings:
    settings, _ = BillingSettings.objects.update_or_create(
        pk=1,
        defaults={
            "legal_name": "Sofia Soft Ltd",
            "address": "1 Vitosha Blvd",
            "postcode": "1000",
            "city": "Sofia",
            "country": "BG",
            "registration_number": "175074752",
            "vat_id": "BG175074752",
            "bank_account": "BG80BNBG96611020345678",
            "bank_bic": "BNBGBGSF",
            "payment_terms_days": 14,
        },
    )
    return settings


def build_billing_story():
    cast = build_cast()
    set_up_billing_settings()
    do_add_contact(
        verified=True,
        acting_user=None,
        customer=cast.acme,
        name="Petya",
        email="petya@acme.example",
        now=SET_UP_AT,
    )
    contract = do_sell_contract(
        acting_user=None,
        customer=cast.acme,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        minutes_per_month=60,
        fee=Decimal("100.00"),
        currency="EUR",
        billing_period="month",
        now=SET_UP_AT,
    )
    request = open_request(cast.acme)
    return cast, contract, request


def record(cast, request, work_id, start, end, mode="remote", **extra):
    return do_record_work(
        acting_user=None,
        work_id=work_id,
        request=request,
        agent=cast.maria,
        started_at=start,
        ended_at=end,
        mode=mode,
        category="configuration",
        product=cast.accounting,
        **extra,
    )
