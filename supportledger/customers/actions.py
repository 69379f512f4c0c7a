"""Writes of customers, contacts and staff."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product
from supportledger.core import clock
from supportledger.core.actions import refuse_invalid, write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.customers import totp
from supportledger.customers.mail import queue_contact_verification
from supportledger.customers.models import (
    Contact,
    Customer,
    CustomerType,
    SecondFactor,
    StaffMember,
    StaffRole,
)
from supportledger.rules.tax_ids import (
    TaxIdError,
    normalise_registration_number,
    normalise_vat_id,
)

if TYPE_CHECKING:
    from supportledger.billing.models import Invoice


BILLING_FIELDS = (
    "organisation",
    "street",
    "postcode",
    "city",
    "country",
    "customer_type",
    "registration_number",
    "vat_id",
)
"""What a customer is invoiced as; edited by staff (console, admin, API)
and by the customer's own contacts (portal account page)."""


def check_billing_data(customer: Customer) -> None:
    """Normalise and check ``customer``'s VAT id and registration number with
    python-stdnum for its country (``rules.tax_ids``); refuse naming the
    field and the reason. A consumer has no VAT id."""
    customer.country = customer.country.strip().upper()
    try:
        customer.vat_id = normalise_vat_id(customer.vat_id, customer.country)
    except TaxIdError as exc:
        raise ActionRefused("invalid", "vat_id: " + tax_id_reason(exc)) from exc
    try:
        customer.registration_number = normalise_registration_number(
            customer.registration_number, customer.country
        )
    except TaxIdError as exc:
        raise ActionRefused("invalid", "registration_number: " + tax_id_reason(exc)) from exc
    if customer.customer_type not in CustomerType.values:
        raise ActionRefused(
            "invalid",
            "customer_type: "
            + _("must be one of: %(values)s.") % {"values": ", ".join(CustomerType.values)},
        )


def tax_id_reason(exc: TaxIdError) -> str:
    """The reason a number was refused, in the active language."""
    reasons = {
        "checksum": _("the check digits do not match; check the number."),
        "length": _("the number has the wrong length for this country."),
        "country": _("the number belongs to another country than the customer's."),
        "format": _("the number is not written the way this country writes it."),
    }
    return reasons.get(exc.code, _("the number is not valid."))


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
    street: str = "",
    postcode: str = "",
    registration_number: str = "",
    customer_type: str = CustomerType.BUSINESS,
    now: datetime | None = None,
) -> Customer:
    at = now or clock.now()
    customer = Customer(
        organisation=organisation,
        street=street.strip(),
        postcode=postcode.strip(),
        city=city,
        country=country.upper(),
        language=language,
        currency=currency.upper(),
        vat_id=vat_id,
        registration_number=registration_number,
        customer_type=customer_type,
        created_at=at,
    )
    check_billing_data(customer)
    refuse_invalid(customer)
    customer.save()
    write_audit(acting_user=acting_user, action=AuditAction.CREATE_CUSTOMER, obj=customer, at=at)
    return customer


def _other_customers_with_address(email: str, customer: Customer, exclude: int | None) -> list[int]:
    """Customers other than ``customer`` that have a contact with ``email``
    (compared case-insensitively)."""
    rows = Contact.objects.filter(email__iexact=email.strip()).exclude(customer=customer)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return sorted(set(rows.values_list("customer_id", flat=True)))


def _check_address_is_free(
    email: str, customer: Customer, *, by_customer: bool, exclude: int | None = None
) -> list[int]:
    """Refuse, when a customer asks, an address that is already a contact of
    another customer: mail from it would be routed to the wrong company, or
    the rightful contact's mail quarantined as ambiguous. Staff may share an
    address between customers; the audit row names the others."""
    others = _other_customers_with_address(email, customer, exclude)
    if others and by_customer:
        raise ActionRefused(
            "email_taken",
            "email: this address belongs to a contact of another customer; "
            "ask the vendor's staff if it really is yours.",
        )
    return others


@transaction.atomic
def do_update_customer_billing_data(
    *, acting_user: Any, customer: Customer, now: datetime | None = None, **changes: str
) -> Customer:
    """Change what ``customer`` is invoiced as (``BILLING_FIELDS`` only).
    Issued invoices keep what they were issued with (frozen ``bill_to``)."""
    at = now or clock.now()
    unknown = sorted(set(changes) - set(BILLING_FIELDS))
    if unknown:
        raise ActionRefused("invalid", f"{unknown[0]}: " + _("cannot be changed here."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = {name: getattr(customer, name) for name in changes}
    for name, value in changes.items():
        setattr(customer, name, value.strip() if isinstance(value, str) else value)
    check_billing_data(customer)
    refuse_invalid(customer)
    customer.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.UPDATE_CUSTOMER_BILLING_DATA,
        obj=customer,
        at=at,
        detail={
            "changed": {
                name: [before[name], getattr(customer, name)]
                for name in changes
                if before[name] != getattr(customer, name)
            }
        },
    )
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
    by_customer: bool = False,
    verified: bool = False,
    now: datetime | None = None,
) -> Contact:
    """Add a contact to ``customer``. Its address is unproven until the
    contact follows the verification link mailed to it (queued in the
    outbox here); till then mail from it is quarantined. ``verified`` is for
    addresses proven otherwise (a contact created from its own mail, a data
    import). ``by_customer``: the customer asks (portal, a customer's API
    token), and an address of another customer's contact is refused."""
    at = now or clock.now()
    contact = Contact(
        customer=customer,
        name=name,
        email=email.strip(),
        language=language or customer.language,
        user=user,
        email_verified_at=at if verified else None,
    )
    refuse_invalid(contact)
    others = _check_address_is_free(contact.email, customer, by_customer=by_customer)
    contact.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.ADD_CONTACT,
        obj=contact,
        at=at,
        detail={"verified": verified, "shared_with_customers": others} if others else None,
    )
    if not verified:
        queue_contact_verification(contact, at=at)
    return contact


@transaction.atomic
def do_change_contact_email(
    *,
    acting_user: Any,
    contact: Contact,
    email: str,
    by_customer: bool = False,
    now: datetime | None = None,
) -> Contact:
    """Give ``contact`` a new address: unproven again, and a verification
    link is queued to the new address. Refused like ``do_add_contact``."""
    at = now or clock.now()
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    before = contact.email
    contact.email = email.strip()
    refuse_invalid(contact)
    if before.lower() == contact.email.lower():
        return contact
    others = _check_address_is_free(
        contact.email, contact.customer, by_customer=by_customer, exclude=contact.pk
    )
    contact.email_verified_at = None
    contact.save(update_fields=["email", "email_verified_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CHANGE_CONTACT_EMAIL,
        obj=contact,
        at=at,
        detail={"from": before, "to": contact.email, "shared_with_customers": others},
    )

    queue_contact_verification(contact, at=at)
    return contact


@transaction.atomic
def do_confirm_contact_email(*, token: str, now: datetime | None = None) -> Contact:
    """The contact followed the link: its address is proven. Refused for a
    forged or expired link, or one sent to an address the contact no longer
    has."""
    from supportledger.customers.verification import read_verification_token

    at = now or clock.now()
    found = read_verification_token(token)
    contact = Contact.objects.select_for_update().filter(pk=found[0]).first() if found else None
    if found is None or contact is None or contact.email.strip().lower() != found[1]:
        raise ActionRefused("invalid_link", "The link is not valid (any more).")
    if contact.email_verified_at is None:
        contact.email_verified_at = at
        contact.save(update_fields=["email_verified_at"])
        write_audit(
            acting_user=None,
            action=AuditAction.CONFIRM_CONTACT_EMAIL,
            obj=contact,
            at=at,
            detail={"email": contact.email},
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


@transaction.atomic
def do_start_second_factor(
    *, acting_user: User | None, user: Any, now: datetime | None = None
) -> SecondFactor:
    """A new, unconfirmed key (replacing an unconfirmed one)."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is not None and factor.confirmed_at is not None:
        raise ActionRefused("already_on", _("The second factor is already on."))
    if factor is None:
        factor = SecondFactor(user=user)
    factor.secret = totp.new_secret()
    factor.last_step = 0
    factor.save()
    write_audit(
        acting_user=acting_user,
        action=AuditAction.START_SECOND_FACTOR,
        obj=factor,
        at=now or clock.now(),
    )
    return factor


@transaction.atomic
def do_confirm_second_factor(
    *, acting_user: User | None, user: Any, code: str, now: datetime | None = None
) -> SecondFactor:
    at = now or clock.now()
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or factor.confirmed_at is not None:
        raise ActionRefused("not_started", _("Start setting up the second factor first."))
    step = totp.matching_step(factor.secret, code, at.timestamp(), after_step=factor.last_step)
    if step is None:
        raise ActionRefused("wrong_code", _("The code does not match; check the app's clock."))
    factor.confirmed_at = at
    factor.last_step = step
    factor.save(update_fields=["confirmed_at", "last_step"])
    write_audit(
        acting_user=acting_user, action=AuditAction.CONFIRM_SECOND_FACTOR, obj=factor, at=at
    )
    return factor


@transaction.atomic
def do_use_one_time_code(*, user: Any, code: str, now: datetime | None = None) -> bool:
    """Check a login's one-time code; an accepted code cannot be used again."""
    at = now or clock.now()
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or factor.confirmed_at is None:
        return False
    step = totp.matching_step(factor.secret, code, at.timestamp(), after_step=factor.last_step)
    if step is None:
        return False
    factor.last_step = step
    factor.save(update_fields=["last_step"])
    return True


@transaction.atomic
def do_turn_off_second_factor(
    *, acting_user: User | None, user: Any, now: datetime | None = None
) -> None:
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is None:
        return
    write_audit(
        acting_user=acting_user,
        action=AuditAction.TURN_OFF_SECOND_FACTOR,
        obj=factor,
        at=now or clock.now(),
    )
    factor.delete()


@transaction.atomic
def do_reset_second_factor(
    *, acting_user: User | None, user: Any, now: datetime | None = None
) -> bool:
    """Remove ``user``'s second factor so a new key is enrolled (a phone
    lost or replaced). The caller has checked who may: the user after their
    password and current code, or an administrator. Audited as
    ``reset_second_factor`` naming whose factor and by whom. True when there
    was a factor to remove."""
    at = now or clock.now()
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None:
        return False
    write_audit(
        acting_user=acting_user,
        action=AuditAction.RESET_SECOND_FACTOR,
        obj=factor,
        at=at,
        detail={
            "user": user.pk,
            "username": user.get_username(),
            "by_self": getattr(acting_user, "pk", None) == user.pk,
            "was_confirmed": factor.confirmed_at is not None,
        },
    )
    factor.delete()
    return True
