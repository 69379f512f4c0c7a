"""Cursor pagination by ascending id, and the list filters every list shares.

The cursor is opaque to clients (base64 of the last id seen); ordering by id
keeps pages stable while rows are added.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

from supportledger.api.errors import ApiError
from supportledger.api.schemas import InDate

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageParams(Schema):
    """Paging and a date range, for vendor-wide lists (products, prices, releases)."""

    cursor: str | None = Field(None, description="From a previous page's next_cursor.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    since: InDate | None = Field(None, description="From this date, inclusive (UTC).")
    until: InDate | None = Field(None, description="To this date, inclusive (UTC).")


class ListParams(PageParams):
    """Paging, a date range and a customer, for lists of customers' objects."""

    customer: int | None = Field(None, ge=1, description="Only this customer's objects.")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        mark, _, value = raw.partition(":")
        if mark != "after" or not value.isdigit():
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400, "invalid_cursor", "cursor: not a cursor this API gave out.", "cursor"
        ) from None


def filter_list(
    queryset: QuerySet[Any],
    params: PageParams,
    *,
    customer_field: str | None,
    date_field: str | None,
) -> QuerySet[Any]:
    """Apply ``customer`` and the ``since``/``until`` date range (inclusive, UTC days)."""
    if params.since and params.until and params.since > params.until:
        raise ApiError(400, "invalid_date_range", "since: must not be after until.", "since")
    customer = getattr(params, "customer", None)
    if customer is not None:
        if customer_field is None:
            raise ApiError(
                400,
                "filter_not_supported",
                "customer: this list cannot be filtered by customer.",
                "customer",
            )
        queryset = queryset.filter(**{customer_field: customer})
    if date_field is not None:
        is_datetime = _is_datetime_field(queryset, date_field)
        if params.since:
            start = _day_start(params.since) if is_datetime else params.since
            queryset = queryset.filter(**{f"{date_field}__gte": start})
        if params.until:
            if is_datetime:
                queryset = queryset.filter(
                    **{f"{date_field}__lt": _day_start(params.until + timedelta(days=1))}
                )
            else:
                queryset = queryset.filter(**{f"{date_field}__lte": params.until})
    elif params.since or params.until:
        raise ApiError(
            400, "filter_not_supported", "since: this list cannot be filtered by date.", "since"
        )
    return queryset


def page_of(queryset: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    """One page: up to ``limit`` rows after the cursor, ordered by id."""
    queryset = queryset.order_by("pk")
    if params.cursor:
        queryset = queryset.filter(pk__gt=decode_cursor(params.cursor))
    rows = list(queryset[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].pk) if more else None}


def _is_datetime_field(queryset: QuerySet[Any], path: str) -> bool:
    model = queryset.model
    field = None
    for name in path.split("__"):
        field = model._meta.get_field(name)
        model = field.related_model or model
    return field is not None and field.get_internal_type() == "DateTimeField"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
