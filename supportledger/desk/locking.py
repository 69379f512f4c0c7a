"""Lock a request and the entitlements its work is rated on, in one statement.

Recording (and re-rating) a piece of work must hold the request row and the
customer's entitlements valid on the work's day, in that order (request,
then entitlements by id: the order every writer of these rows takes them),
and needs, fresh under those locks, everything the checks and the rating
read: the customer's hold, the customers of the rows the request points at,
whether the agent is authorised for the product, whether the work id is
recorded already, each entitlement's products and its allowance use.

On PostgreSQL that is one ``SELECT ... FOR UPDATE OF r, e`` joining the
request to its customer's entitlements (the request is the first relation,
so it is locked with the first row; the rows come, and are locked, by
entitlement id). A customer holding nothing valid that day yields no joined
row: then a second, smaller statement locks the request alone. SQLite runs
the same statement without ``FOR UPDATE``: its IMMEDIATE transactions
already serialise writers. The statements are compiled once per vendor and
number of extra entitlements and reused; on PostgreSQL they are also prepared
once per connection (``entitlements.held.fetch_prepared``), so the server does not
plan the eleven-table join again on every recording (planning took about 1.6
ms, running it 0.2 ms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.db import connection

from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.desk.models import Request, WorkEntry
from supportledger.entitlements.held import (
    FIELDS,
    HeldEntitlement,
    fetch_prepared,
    held_from_values,
    held_joins,
    model_from_columns,
    month_param,
    select_list,
)
from supportledger.entitlements.models import REFERENCE_PREFIX, Entitlement, Kind, Licence

REQUEST_COLUMNS = (
    "id",
    "customer_id",
    "opened_via",
    "incident_entitlement_id",
    "contact_id",
    "licence_id",
)
"""The request columns loaded (the others are deferred on ``Locked.request``)."""


@dataclass
class Locked:
    """What ``lock_for_rating`` read under its locks. ``held`` and ``used``
    are the entitlements (by id) and their allowance use of the day's month
    and the month before; ``row(pk)`` gives one as a model instance to post
    on (the same instance each time, so balances moved by one posting are
    seen by the next)."""

    request: Request
    on_hold: bool
    owners: dict[str, int | None]
    incident_reference: str | None
    authorised: bool
    existing_work_id: int | None
    held: dict[int, HeldEntitlement]
    used: dict[tuple[int, date], int]
    _rows: dict[int, Entitlement] = field(default_factory=dict)

    def row(self, pk: int) -> Entitlement:
        row = self._rows.get(pk)
        if row is None:
            row = self._rows[pk] = self.held[pk].as_model()
        return row


def _table(model: Any) -> str:
    return str(model._meta.db_table)


@cache
def _statement(vendor: str, extra: int, with_entitlements: bool) -> str:
    links = _table(StaffMember.products.through)
    request_columns = ", ".join(f"r.{name}" for name in REQUEST_COLUMNS)
    # Table and column names only: every value is a parameter.
    head = (
        f"SELECT {request_columns}, c.on_hold, ct.customer_id, rl.customer_id,"  # noqa: S608
        f" ie.customer_id, ie.kind, (SELECT w.id FROM {_table(WorkEntry)} w"
        f" WHERE w.work_id = %s), EXISTS (SELECT 1 FROM {links} sp"
        " WHERE sp.staffmember_id = %s AND sp.product_id = %s)"
    )
    joins = (
        f" FROM {_table(Request)} r"
        f" JOIN {_table(Customer)} c ON c.id = r.customer_id"
        f" LEFT JOIN {_table(Contact)} ct ON ct.id = r.contact_id"
        f" LEFT JOIN {_table(Licence)} rl ON rl.id = r.licence_id"
        f" LEFT JOIN {_table(Entitlement)} ie ON ie.id = r.incident_entitlement_id"
    )
    lock = vendor != "sqlite"
    if not with_entitlements:
        return head + joins + " WHERE r.id = %s" + (" FOR UPDATE OF r" if lock else "")
    also = f" OR e.id IN ({', '.join(['%s'] * extra)})" if extra else ""
    return (
        head + ", " + select_list("e") + joins + f" JOIN {_table(Entitlement)} e ON"
        " ((e.customer_id = r.customer_id AND e.starts <= %s AND e.ends >= %s)"
        + also
        + ")"
        + held_joins("e")
        + " WHERE r.id = %s ORDER BY e.id"
        + (" FOR UPDATE OF r, e" if lock else "")
    )


def lock_for_rating(
    request_id: int,
    *,
    day: date,
    month: date,
    last_month: date,
    extra: frozenset[int] | set[int] = frozenset(),
    work_id: str = "",
    agent_id: int | None = None,
    product_id: int | None = None,
) -> Locked:
    """Lock request ``request_id`` and its customer's entitlements valid on
    ``day`` (plus the ``extra`` ids, whoever holds them; the caller refuses
    another customer's), and read what recording work checks: one statement
    (two when nothing is valid that day). ``month`` / ``last_month`` name
    the allowance months read; ``work_id``, ``agent_id`` and ``product_id``
    ask whether that work id exists and that agent is authorised for that
    product."""
    ids = sorted(extra)
    head_params: list[Any] = [work_id, agent_id, product_id]
    params = [
        *head_params,
        month_param(day),
        month_param(day),
        *ids,
        month_param(month),
        month_param(last_month),
        request_id,
    ]
    fetched = fetch_prepared(_statement(connection.vendor, len(ids), True), params)
    if not fetched:
        fetched = fetch_prepared(
            _statement(connection.vendor, 0, False), [*head_params, request_id]
        )
    if not fetched:
        raise Request.DoesNotExist(f"No request {request_id}.")
    first = fetched[0]
    head = len(REQUEST_COLUMNS)
    request = model_from_columns(Request, dict(zip(REQUEST_COLUMNS, first[:head], strict=True)))
    on_hold, contact_owner, licence_owner, pack_owner, pack_kind, existing, authorised = first[
        head : head + 7
    ]
    held: dict[int, HeldEntitlement] = {}
    used: dict[tuple[int, date], int] = {}
    if len(first) > head + 7:
        for values in fetched:
            row, used_this, used_last = held_from_values(values[head + 7 : head + 7 + FIELDS])
            held[row.pk] = row
            used[row.pk, month] = used_this
            used[row.pk, last_month] = used_last
    pack = request.incident_entitlement_id
    return Locked(
        request=request,
        on_hold=bool(on_hold),
        owners={
            "contact": contact_owner,
            "request licence": licence_owner,
            "incident pack": pack_owner,
        },
        incident_reference=(
            f"{REFERENCE_PREFIX[Kind(pack_kind)]}-{pack}" if pack is not None else None
        ),
        authorised=bool(authorised),
        existing_work_id=existing,
        held=held,
        used=used,
    )
