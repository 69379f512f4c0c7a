"""Writes of customers, contacts and staff."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Contact, Customer, StaffMember, StaffRole

if TYPE_CHECKING:
    from supportledger.billing.models import Invoice


def _refuse_invalid(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ActionRefused("invalid", "; ".join(exc.messages)) from exc


@transaction.atomic
def do_create_customer(
    *,
    acting_user: User | None,
    organisation: str,
    city: str,
    country: str,
    language: str,
    currency: str,
    vat_id: str = "",
    now: datetime | None = None,
) -> Customer:
    at = now or clock.now()
    customer = Customer(
        organisation=organisation,
        city=city,
        country=country.upper(),
        language=language,
        currency=currency.upper(),
        vat_id=vat_id,
        created_at=at,
    )
    _refuse_invalid(customer)
    customer.save()
    write_audit(acting_user=acting_user, action=AuditAction.CREATE_CUSTOMER, obj=customer, at=at)
    return customer


@transaction.atomic
def do_add_contact(
    *,
    acting_user: User | None,
    customer: Customer,
    name: str,
    email: str,
    language: str | None = None,
    user: Any = None,
    now: datetime | None = None,
) -> Contact:
    contact = Contact(
        customer=customer, name=name, email=email, language=language or customer.language, user=user
    )
    _refuse_invalid(contact)
    contact.save()
    write_audit(
        acting_user=acting_user, action=AuditAction.ADD_CONTACT, obj=contact, at=now or clock.now()
    )
    return contact


@transaction.atomic
def do_put_customer_on_hold(
    *,
    acting_user: User | None,
    customer: Customer,
    reason: str = "",
    invoice: Invoice | None = None,
    now: datetime | None = None,
) -> Customer:
    """No new work is recorded for a customer on hold. Staff give the
    ``reason`` as text; billing names the overdue ``invoice`` instead (each
    reader then sees the reason in their language, and paying it lifts the
    hold)."""
    reason = reason.strip()
    if not reason and invoice is None:
        raise ActionRefused("invalid", "Say why the customer is put on hold.")
    customer.on_hold, customer.on_hold_reason, customer.on_hold_invoice = True, reason, invoice
    customer.save(update_fields=["on_hold", "on_hold_reason", "on_hold_invoice"])
    detail: dict[str, str] = {"reason": reason}
    if invoice is not None:
        detail["invoice"] = invoice.number or ""
    write_audit(
        acting_user=acting_user,
        action=AuditAction.PUT_CUSTOMER_ON_HOLD,
        obj=customer,
        at=now or clock.now(),
        detail=detail,
    )
    return customer


@transaction.atomic
def do_release_customer_hold(
    *, acting_user: User | None, customer: Customer, now: datetime | None = None
) -> Customer:
    customer.on_hold, customer.on_hold_reason, customer.on_hold_invoice = False, "", None
    customer.save(update_fields=["on_hold", "on_hold_reason", "on_hold_invoice"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RELEASE_CUSTOMER_HOLD,
        obj=customer,
        at=now or clock.now(),
    )
    return customer


@transaction.atomic
def do_add_staff_member(
    *,
    acting_user: User | None,
    user: Any,
    role: str = StaffRole.AGENT,
    products: Iterable[Product] = (),
    now: datetime | None = None,
) -> StaffMember:
    """Make ``user`` staff with ``role``, authorised for ``products``."""
    if role not in StaffRole.values:
        raise ActionRefused("invalid", f"Unknown role {role!r}; one of {', '.join(StaffRole)}.")
    member = StaffMember.objects.create(user=user, role=role)
    member.products.set(list(products))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ADD_STAFF_MEMBER,
        obj=member,
        at=now or clock.now(),
        detail={"role": role, "products": sorted(p.code for p in member.products.all())},
    )
    return member


@transaction.atomic
def do_set_staff_role(
    *, acting_user: User | None, member: StaffMember, role: str, now: datetime | None = None
) -> StaffMember:
    """Change a staff member's role (agent, manager, administrator)."""
    if role not in StaffRole.values:
        raise ActionRefused(
            "invalid", f"role: unknown role {role!r}; one of {', '.join(StaffRole)}."
        )
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    before, member.role = member.role, role
    member.save(update_fields=["role"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_STAFF_ROLE,
        obj=member,
        at=now or clock.now(),
        detail={"from": before, "to": role},
    )
    return member
