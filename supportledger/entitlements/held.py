"""A customer's entitlements read in one SQL statement, as plain values.

The entitlement summary, the request page's holdings, the cost preview and
the recording of work all need the same things of each entitlement: its
columns, the product codes it applies to (its licence's product, else the
products listed) and its contract's allowance use in two calendar months.
Through the ORM that is three queries and a model instance per row
(``select_related`` + ``prefetch_related`` + a second read of the usage);
here it is one statement, compiled once per database vendor and reused, and
a small frozen dataclass per row. ``HeldEntitlement.as_model`` gives the
model instance (with exactly these columns loaded) where a row is written.

The entitlement summary alone reads less (``read_summary_values``: the
columns its lines show, nothing to decode). On PostgreSQL both statements are
prepared once per connection (``fetch_prepared``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from supportledger.catalog.models import Product
from supportledger.entitlements.models import (
    REFERENCE_PREFIX,
    AllowanceUsage,
    Entitlement,
    Kind,
    Licence,
)

COLUMNS: tuple[str, ...] = (
    "id",
    "customer_id",
    "kind",
    "starts",
    "ends",
    "licence_id",
    "covers",
    "modes",
    "request_id",
    "requires",
    "sla",
    "minutes_per_month",
    "rollover",
    "updates",
    "response_business_minutes",
    "minutes_granted",
    "incidents_granted",
    "balance_minutes",
    "balance_incidents",
    "terms",
)
"""The entitlement columns read, in the order of the statement's first fields."""

M = TypeVar("M", bound=Model)

SEPARATOR = "\x1f"
"""Between the product codes aggregated into one field (never in a code)."""


@dataclass(frozen=True, slots=True)
class HeldEntitlement:
    """One entitlement as read by ``read_held``: its columns (``pk`` is the
    id) and ``product_codes``, the products it applies to (None = all)."""

    pk: int
    customer_id: int
    kind: str
    starts: date
    ends: date
    licence_id: int | None
    covers: list[str] | None
    modes: list[str] | None
    request_id: int | None
    requires: str
    sla: bool
    minutes_per_month: int
    rollover: bool
    updates: bool
    response_business_minutes: int | None
    minutes_granted: int
    incidents_granted: int
    balance_minutes: int
    balance_incidents: int
    terms: dict[str, Any]
    product_codes: frozenset[str] | None

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX[Kind(self.kind)]}-{self.pk}"

    def as_model(self) -> Entitlement:
        """The model instance with these columns loaded (others deferred),
        to post ledger entries on while the row is locked."""
        return model_from_columns(
            Entitlement,
            {name: getattr(self, "pk" if name == "id" else name) for name in COLUMNS},
        )


def model_from_columns(model: type[M], values: dict[str, Any]) -> M:
    """An instance of ``model`` as loaded from the database with ``values``
    (by column attribute name; the other fields deferred). ``from_db``
    takes the values in the model's field order, whatever order they were
    read in."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def select_list(alias: str = "e") -> str:
    """The fields ``held_from_values`` reads, for an entitlement aliased
    ``alias``: its columns, its licence's product code, its listed products'
    codes (one field), its allowance use of two months (two ``%s``: this
    month, last month; joined by ``held_joins``)."""
    columns = ", ".join(f"{alias}.{name}" for name in COLUMNS)
    return (
        f"{columns}, held_lp.code, {_listed_codes(alias)}, "
        "held_ut.used_minutes, held_ul.used_minutes"
    )


def _listed_codes(alias: str) -> str:
    """A scalar subquery: the codes of the products listed for the
    entitlement aliased ``alias``, joined by ``SEPARATOR`` (NULL: none)."""
    aggregate = "group_concat" if connection.vendor == "sqlite" else "string_agg"
    links = Entitlement.products.through._meta.db_table
    return (
        f"(SELECT {aggregate}(held_p.code, '{SEPARATOR}') FROM {links} held_ep"  # noqa: S608 - names only
        f" JOIN {Product._meta.db_table} held_p ON held_p.id = held_ep.product_id"
        f" WHERE held_ep.entitlement_id = {alias}.id)"
    )


def held_joins(alias: str = "e") -> str:
    """The outer joins ``select_list`` needs; two ``%s``: this month, last month."""
    usage = AllowanceUsage._meta.db_table
    return (
        f" LEFT JOIN {Licence._meta.db_table} held_l ON held_l.id = {alias}.licence_id"
        f" LEFT JOIN {Product._meta.db_table} held_lp ON held_lp.id = held_l.product_id"
        f" LEFT JOIN {usage} held_ut ON held_ut.entitlement_id = {alias}.id"
        " AND held_ut.month = %s"
        f" LEFT JOIN {usage} held_ul ON held_ul.entitlement_id = {alias}.id"
        " AND held_ul.month = %s"
    )


FIELDS = len(COLUMNS) + 4
"""How many fields ``select_list`` yields."""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def as_date(value: Any) -> date:
    """A date column's value as a date (a raw SQLite row may hold its text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def held_from_values(values: tuple[Any, ...] | list[Any]) -> tuple[HeldEntitlement, int, int]:
    """The entitlement of one result row's ``select_list`` fields, with its
    allowance use of this month and last month (0 when none)."""
    (
        pk,
        customer_id,
        kind,
        starts,
        ends,
        licence_id,
        covers,
        modes,
        request_id,
        requires,
        sla,
        minutes_per_month,
        rollover,
        updates,
        response_business_minutes,
        minutes_granted,
        incidents_granted,
        balance_minutes,
        balance_incidents,
        terms,
        licence_product,
        listed,
        used_this,
        used_last,
    ) = values
    if licence_id is not None:
        codes: frozenset[str] | None = frozenset((licence_product,))
    elif listed:
        codes = frozenset(listed.split(SEPARATOR))
    else:
        codes = None
    held = HeldEntitlement(
        pk=pk,
        customer_id=customer_id,
        kind=kind,
        starts=as_date(starts),
        ends=as_date(ends),
        licence_id=licence_id,
        covers=_json(covers),
        modes=_json(modes),
        request_id=request_id,
        requires=requires,
        sla=bool(sla),
        minutes_per_month=minutes_per_month,
        rollover=bool(rollover),
        updates=bool(updates),
        response_business_minutes=response_business_minutes,
        minutes_granted=minutes_granted,
        incidents_granted=incidents_granted,
        balance_minutes=balance_minutes,
        balance_incidents=balance_incidents,
        terms=_json(terms) or {},
        product_codes=codes,
    )
    return held, used_this or 0, used_last or 0


@cache
def _customer_sql(vendor: str) -> str:
    return (
        f"SELECT {select_list()} FROM {Entitlement._meta.db_table} e{held_joins()}"  # noqa: S608
        " WHERE e.customer_id = %s ORDER BY e.ends, e.id"
    )


def month_param(month: date) -> Any:
    """A date as the database driver takes it in a raw statement."""
    return connection.ops.adapt_datefield_value(month)


PREPARE_ONLY_WHEN_ASKED = sys.maxsize
"""psycopg's ``prepare_threshold`` set on a connection Django left at None
(never prepare): statements are prepared only when ``execute`` is told to
(``prepare=True``), never because they ran often."""


@cache
def _preparing_cursor() -> Any:
    """Django's server-binding psycopg cursor, preparing what it executes."""
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc]
        def execute(
            self, query: Any, params: Any = None, *, prepare: Any = None, binary: Any = None
        ) -> Any:
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def fetch_prepared(
    sql: str, params: list[Any] | dict[str, Any], db: BaseDatabaseWrapper = connection
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` through ``db``'s query log (one query).

    On PostgreSQL through a server-binding cursor that prepares the
    statement once per connection (psycopg keeps it, and forgets it at a
    rollback): the server then plans it once, not on every call, where
    planning the joins and subqueries took three to five times as long as
    running them. Elsewhere the ordinary cursor."""
    rows: list[tuple[Any, ...]]
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            return rows
    db.close_if_health_check_failed()  # as Django's own cursor() does
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
    with db.wrap_database_errors:
        cursor = db._prepare_cursor(_preparing_cursor()(raw))  # type: ignore[attr-defined]
    with cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        return rows


def read_held(
    customer_id: int, *, month: date, last_month: date
) -> tuple[list[HeldEntitlement], dict[tuple[int, date], int]]:
    """Everything the customer holds (by ``ends`` then id) and the allowance
    use of ``month`` and ``last_month`` (minutes by (entitlement id, month);
    only the months with use): one statement."""
    fetched = fetch_prepared(
        _customer_sql(connection.vendor),
        [month_param(month), month_param(last_month), customer_id],
    )
    rows = []
    used: dict[tuple[int, date], int] = {}
    for values in fetched:
        held, used_this, used_last = held_from_values(values)
        rows.append(held)
        if used_this:
            used[held.pk, month] = used_this
        if used_last:
            used[held.pk, last_month] = used_last
    return rows, used


SUMMARY_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "starts",
    "ends",
    "minutes_granted",
    "balance_minutes",
    "incidents_granted",
    "balance_incidents",
    "minutes_per_month",
    "rollover",
    "updates",
)
"""The entitlement columns a summary line shows or needs, in the order of
``read_summary_values``' first fields."""


@cache
def _summary_sql(vendor: str) -> str:
    usage = AllowanceUsage._meta.db_table
    columns = ", ".join(f"e.{name}" for name in SUMMARY_COLUMNS)
    return (
        f"SELECT {columns},"  # noqa: S608 - names only; values are parameters
        f" (SELECT held_lp.code FROM {Licence._meta.db_table} held_l"
        f" JOIN {Product._meta.db_table} held_lp ON held_lp.id = held_l.product_id"
        " WHERE held_l.id = e.licence_id),"
        f" {_listed_codes('e')},"
        f" (SELECT held_u.used_minutes FROM {usage} held_u"
        " WHERE held_u.entitlement_id = e.id AND held_u.month = %(month)s),"
        f" (SELECT held_u.used_minutes FROM {usage} held_u"
        " WHERE held_u.entitlement_id = e.id AND held_u.month = %(last_month)s)"
        f" FROM {Entitlement._meta.db_table} e"
        " WHERE e.customer_id = %(customer)s ORDER BY e.ends, e.id"
    )


def read_summary_values(
    customer_id: int, *, month: date, last_month: date
) -> list[tuple[Any, ...]]:
    """What the entitlement summary shows of each entitlement the customer
    holds (by ``ends`` then id), one statement: the ``SUMMARY_COLUMNS``, its
    licence's product code (NULL without a licence), its listed products'
    codes (joined by ``SEPARATOR``; NULL: none), its allowance use of
    ``month`` and of ``last_month`` (NULL: none). The lookups are scalar
    subqueries rather than joins: the same rows (an allowance month is
    unique per entitlement), and PostgreSQL plans them in a third of the time.
    The parameters are named: Django's SQLite cursor turns ``%(name)s`` into
    ``:name`` by string formatting, ``%s`` into ``?`` by a regular expression
    that took as long as running the statement."""
    db = connections[DEFAULT_DB_ALIAS]
    adapt = db.ops.adapt_datefield_value
    return fetch_prepared(
        _summary_sql(db.vendor),
        {"month": adapt(month), "last_month": adapt(last_month), "customer": customer_id},
        db,
    )
