"""Two customers of a vendor selling support periods (preset support_period_ru),
built through the real actions, for the portal tests.

Today is 15 September 2026. Alfa (A) bought Accounting on 10 January 2026:
six months of support, so releases up to 9 July 2026 are theirs; 1.1 (March)
is downloadable, 2.0 (20 August) is locked. Beta (B) holds the same and more,
and every one of B's objects is what A's contact must never reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from supportledger.billing.actions.orders import do_invoice_order, do_place_order
from supportledger.billing.models import Invoice
from supportledger.catalog.actions import do_create_product, do_set_product_price
from supportledger.catalog.models import Product, Release
from supportledger.core.models import VendorPolicy
from supportledger.customers.actions import do_add_contact, do_add_staff_member, do_create_customer
from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_record_work
from supportledger.desk.models import Request, WorkEntry
from supportledger.entitlements.actions.releases import do_publish_release
from supportledger.entitlements.actions.sales import (
    do_sell_incident_pack,
    do_sell_licence,
    do_sell_voucher,
)
from supportledger.entitlements.models import Entitlement, Licence
from supportledger.ops.setup import do_set_up_vendor
from supportledger.portal.actions import do_give_contact_portal_login, do_propose_idea
from supportledger.portal.models import Idea
from supportledger.rules.presets import FEATURES
from tests.billing.scenario import set_up_billing_settings

NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
SET_UP_AT = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
PASSWORD = "Correct-horse-42-battery"


@dataclass
class Side:
    customer: Customer
    contact: Contact
    user: Any
    licence: Licence
    voucher: Entitlement
    pack: Entitlement
    request: Request
    idea: Idea
    old_release: Release
    new_release: Release
    work: list[WorkEntry]


@dataclass
class World:
    product: Product
    agent: StaffMember
    a: Side
    b: Side
    b_only_product: Product  # Payroll: only Beta holds a licence
    b_licence_of_b_only_product: Licence
    b_invoice: Invoice


def _side(
    name: str, email: str, language: str, product: Product, agent: StaffMember, releases: tuple
) -> Side:
    customer = do_create_customer(
        acting_user=None,
        organisation=name,
        street="Tverskaya 1",
        postcode="125009",
        city="Moscow",
        country="RU",
        language=language,
        currency="RUB",
        now=SET_UP_AT,
    )
    contact = do_add_contact(
        verified=True,
        acting_user=None,
        customer=customer,
        name=f"{name} contact",
        email=email,
        now=SET_UP_AT,
    )
    user = do_give_contact_portal_login(
        acting_user=None, contact=contact, password=PASSWORD, now=SET_UP_AT
    )
    licence = do_sell_licence(
        acting_user=None,
        customer=customer,
        product=product,
        sold_on=date(2026, 1, 10),
        seats=3,
        now=SET_UP_AT,
    )
    voucher = do_sell_voucher(
        acting_user=None,
        customer=customer,
        minutes=1200,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    pack = do_sell_incident_pack(
        acting_user=None,
        customer=customer,
        incidents=4,
        starts=date(2026, 1, 1),
        ends=date(2026, 12, 31),
        now=SET_UP_AT,
    )
    request = do_open_request(
        acting_user=None,
        customer=customer,
        subject=f"{name}: the year-end report is wrong",
        category="installation",
        channel="email",
        body="The totals do not add up.",
        attachments=[("report.pdf", "application/pdf", b"%PDF-1.4 year-end report")],
        contact=contact,
        product=product,
        now=SET_UP_AT,
    )
    work = []
    for month, hours in ((5, 2), (6, 3), (7, 1), (9, 1)):
        start = datetime(2026, month, 5 if month < 9 else 14, 7, 0, tzinfo=UTC)
        work.append(
            do_record_work(
                acting_user=None,
                work_id=f"{name}-{month}",
                request=request,
                agent=agent,
                started_at=start,
                ended_at=start.replace(hour=7 + hours),
                mode="remote",
                category="installation",
                product=product,
                now=start.replace(hour=18),
            )
        )
    idea = do_propose_idea(
        acting_user=user,
        contact=contact,
        title=f"{name} wants a dark theme",
        body="Easier on the eyes at night.",
        product=product,
        now=SET_UP_AT,
    )
    return Side(customer, contact, user, licence, voucher, pack, request, idea, *releases, work)


def build_world() -> World:
    do_set_up_vendor(acting_user=None, preset_name="support_period_ru", now=SET_UP_AT)
    # This vendor started from the Russian preset and switched on remote
    # sessions and complaints, so the portal shows every page.
    VendorPolicy.objects.filter(pk=1).update(features=list(FEATURES))
    product = do_create_product(
        acting_user=None, code="ACC", name="Accounting", support_period_months=6, now=SET_UP_AT
    )
    do_set_product_price(
        acting_user=None,
        product=product,
        effective_from=date(2026, 1, 1),
        amount=Decimal("7990"),
        currency="RUB",
        now=SET_UP_AT,
    )
    old = do_publish_release(
        acting_user=None,
        product=product,
        version="1.1",
        released_on=date(2026, 3, 1),
        kind="feature",
        file=ContentFile(b"accounting 1.1 installer", name="accounting-1.1.zip"),
        now=SET_UP_AT,
    )
    new = do_publish_release(
        acting_user=None,
        product=product,
        version="2.0",
        released_on=date(2026, 8, 20),
        kind="feature",
        file=ContentFile(b"accounting 2.0 installer", name="accounting-2.0.zip"),
        now=SET_UP_AT,
    )
    agent = do_add_staff_member(
        acting_user=None,
        user=get_user_model().objects.create_user("olga"),
        products=[product],
        now=SET_UP_AT,
    )
    a = _side("Alfa", "anna@alfa.example", "bg", product, agent, (old, new))
    b = _side("Beta", "boris@beta.example", "el", product, agent, (old, new))
    payroll = do_create_product(
        acting_user=None, code="PAY", name="Payroll", support_period_months=12, now=SET_UP_AT
    )
    payroll_licence = do_sell_licence(
        acting_user=None,
        customer=b.customer,
        product=payroll,
        sold_on=date(2026, 2, 1),
        now=SET_UP_AT,
    )
    order = do_place_order(
        acting_user=None,
        customer=b.customer,
        kind="renewal",
        licence=b.licence,
        entitlement=b.licence.entitlements.get(kind="support_period"),
        now=NOW,
    )
    set_up_billing_settings()
    invoice = do_invoice_order(acting_user=None, order=order, now=NOW)
    return World(product, agent, a, b, payroll, payroll_licence, invoice)
