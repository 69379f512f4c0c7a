"""The cast of the app tests: a Sofia vendor (preset prepaid_hours_bg) with
named customers, agents and products, built through the real actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from supportledger.catalog.actions import do_create_product
from supportledger.catalog.models import Product
from supportledger.customers.actions import do_add_staff_member, do_create_customer
from supportledger.customers.models import Customer, StaffMember
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.models import Request
from supportledger.ops.setup import do_set_up_vendor

SET_UP_AT = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


@dataclass
class Cast:
    accounting: Product  # ACC
    payroll: Product  # PAY
    maria: StaffMember  # agent authorised for ACC only
    ivan: StaffMember  # agent authorised for ACC and PAY
    acme: Customer  # Acme Ltd, Sofia
    zeta: Customer  # Zeta OOD, Plovdiv


def build_cast(preset: str = "prepaid_hours_bg") -> Cast:
    do_set_up_vendor(acting_user=None, preset_name=preset, now=SET_UP_AT)
    acc = do_create_product(acting_user=None, code="ACC", name="Accounting", now=SET_UP_AT)
    pay = do_create_product(acting_user=None, code="PAY", name="Payroll", now=SET_UP_AT)
    users = get_user_model().objects
    maria = do_add_staff_member(
        acting_user=None, user=users.create_user("maria"), products=[acc], now=SET_UP_AT
    )
    ivan = do_add_staff_member(
        acting_user=None, user=users.create_user("ivan"), products=[acc, pay], now=SET_UP_AT
    )
    acme = do_create_customer(
        acting_user=None,
        organisation="Acme Ltd",
        street="12 Rakovski St",
        postcode="1000",
        city="Sofia",
        country="BG",
        language="bg",
        currency="EUR",
        now=SET_UP_AT,
    )
    zeta = do_create_customer(
        acting_user=None,
        organisation="Zeta OOD",
        street="3 Glavna St",
        postcode="4000",
        city="Plovdiv",
        country="BG",
        language="bg",
        currency="EUR",
        now=SET_UP_AT,
    )
    return Cast(acc, pay, maria, ivan, acme, zeta)


def open_request(customer: Customer, subject: str = "Help", via: str = "portal") -> Request:
    return do_open_request(
        acting_user=None,
        customer=customer,
        subject=subject,
        category="consultation",
        channel=via,
        now=SET_UP_AT,
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant in UTC; Sofia is UTC+2 in winter."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def money(value: str) -> Decimal:
    return Decimal(value)


def add_staff(cast: Cast, username: str, role: str) -> StaffMember:
    """One more staff member of ``role`` (manager, administrator), authorised for
    both products; the cast's own staff are agents."""
    user = get_user_model().objects.create_user(username, first_name=username.title())
    return do_add_staff_member(
        acting_user=None,
        user=user,
        role=role,
        products=[cast.accounting, cast.payroll],
        now=SET_UP_AT,
    )


def switch_on_features(*features: str) -> None:
    """The vendor offers ``features`` too (``claims``, ``auto_confirm``...),
    as a vendor does in its policy; the Sofia preset has neither."""
    from supportledger.core.models import VendorPolicy

    policy = VendorPolicy.objects.get(pk=1)
    policy.features = sorted(set(policy.features or ()) | set(features))
    policy.save(update_fields=["features"])
