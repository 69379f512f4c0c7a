"""Named reads of customers and their contacts (staff side)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from supportledger.customers.models import Contact, Customer, StaffMember


def search_customers(text: str = "") -> QuerySet[Customer]:
    """Customers whose organisation, city, VAT id or a contact's name or
    e-mail contains ``text`` (case-insensitive), by organisation."""
    rows = Customer.objects.order_by("organisation", "id")
    text = text.strip()
    if text:
        matching_contacts = Contact.objects.filter(
            Q(name__icontains=text) | Q(email__icontains=text)
        ).values("customer_id")
        rows = rows.filter(
            Q(organisation__icontains=text)
            | Q(city__icontains=text)
            | Q(vat_id__icontains=text)
            | Q(pk__in=matching_contacts)
        )
    return rows


def get_customer_for_staff(pk: object) -> Customer:
    """One customer by id, or 404."""
    try:
        return Customer.objects.get(pk=int(pk))  # type: ignore[call-overload]
    except (Customer.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such customer.") from exc


def list_contacts(customer: Customer) -> QuerySet[Contact]:
    """The customer's contacts by name, with their portal login."""
    return Contact.objects.filter(customer=customer).select_related("user").order_by("name", "id")


# --- Pickers: a few rows matching typed text, one query whatever the data ----

PICK_LIMIT = 10
"""Rows a picker shows; one more is read to know whether there are more."""


def pick_customers(text: str) -> list[Customer]:
    """Up to ``PICK_LIMIT`` + 1 customers matching ``text`` as
    :func:`search_customers` does, or the one with id ``#<n>``; one query."""
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        return list(Customer.objects.filter(pk=int(text[1:])))
    return list(search_customers(text)[: PICK_LIMIT + 1])


def pick_contacts(customer_id: int, text: str) -> list[Contact]:
    """Contacts of the customer ``customer_id`` (only) whose name or e-mail
    contains ``text``, or the one with id ``#<n>``, by name; one query."""
    rows = Contact.objects.filter(customer_id=customer_id).order_by("name", "id")
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        return list(rows.filter(pk=int(text[1:])))
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(email__icontains=text))
    return list(rows[: PICK_LIMIT + 1])


def pick_staff(text: str) -> list[StaffMember]:
    """Staff members whose login or name contains ``text``, by login, users
    read with them; one query."""
    rows = StaffMember.objects.select_related("user").order_by("user__username", "id")
    text = text.strip()
    if text:
        rows = rows.filter(
            Q(user__username__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(user__last_name__icontains=text)
        )
    return list(rows[: PICK_LIMIT + 1])
