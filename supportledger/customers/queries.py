"""Named reads of customers and their contacts (staff side)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from supportledger.customers.models import Contact, Customer


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
