"""What a caller may see and do: every lookup of an object goes through here.

A customer token sees only its customer's objects; any other id, in the path
or in the body, is answered 404 exactly as an id that does not exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from supportledger.api.auth import Caller
from supportledger.api.errors import ApiError

M = TypeVar("M", bound=Model)


def scoped(queryset: QuerySet[M], caller: Caller, customer_field: str | None) -> QuerySet[M]:
    """``queryset`` narrowed to the caller's customer (``customer_field`` leads to it).

    ``customer_field`` None marks vendor-wide data (products, prices,
    releases) that every caller may read.
    """
    if caller.customer_id is None or customer_field is None:
        return queryset
    return queryset.filter(**{customer_field: caller.customer_id})


def get_scoped(
    queryset: QuerySet[M],
    caller: Caller,
    customer_field: str | None,
    pk: Any,
    what: str,
    field: str | None = None,
) -> M:
    """The object with id ``pk`` if the caller may see it; else 404 naming ``field``."""
    obj = scoped(queryset, caller, customer_field).filter(pk=pk).first()
    if obj is None:
        raise ApiError(404, "not_found", f"No such {what}: {pk}.", field)
    return obj


def require_staff(caller: Caller) -> None:
    if not caller.is_staff:
        raise ApiError(403, "staff_only", "Only a vendor (staff) token may do this.")
