"""The vendor policy and the service price list, kept in memory per process.

Both are read by nearly every page and change rarely. Each process keeps the
policy row, the price lists and the rules' ``Policy`` built from them, with
the token of ``core_policyversion`` read *before* them. Database triggers
renew the token in the same transaction as every insert, update and delete
of either table, whoever writes (an action, the admin, SQL by hand, another
process), so one cheap read tells whether what is held is still current:

- inside an HTTP request the token is read once, the first time the request
  asks, and the request keeps what it saw (one consistent view per request);
- outside a request (commands, jobs, tests) it is read on every call;
- a different token, or none (a wiped database), loads the rows again; a
  write in this process (``post_save`` / ``post_delete``) makes its own
  request read the token again, so a request sees its own edit.

A policy edit in the admin is therefore seen by the next request in every
process. Reading the token before the rows means a change committed in
between is loaded with the older token and simply reloaded next time, never
missed. The objects handed out are shared by the whole process: read them,
never change them (load the row through the ORM to edit it).

The price lists belong to the catalogue, above core: the catalogue tells
this module how to read them (``hold_price_lists``) when the apps load, so
core never imports it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.db import connection

from supportledger.core.convert import policy_from_row
from supportledger.core.models import VendorPolicy
from supportledger.rules.types import Policy


class PriceList(Protocol):
    """What this module reads of a price list row (``catalog.ServicePrice``)."""

    pk: Any
    effective_from: date
    RATE_FIELDS: tuple[str, ...]


@dataclass
class Snapshot:
    """The policy row and the price lists (newest ``effective_from``
    first) as of ``token``; ``rules`` memoises the rules' ``Policy`` per
    price list id."""

    token: str | None
    policy: VendorPolicy | None
    prices: tuple[PriceList, ...]
    rules: dict[int, Policy] = field(default_factory=dict)

    def price_on(self, day: date) -> PriceList | None:
        """The price list in force on ``day``: the latest ``effective_from``
        not after it; None before the first."""
        for prices in self.prices:
            if prices.effective_from <= day:
                return prices
        return None

    def rules_policy(self, prices: PriceList) -> Policy:
        """The rules' Policy of the held row with ``prices`` (one of the
        held price lists), built once."""
        built = self.rules.get(prices.pk)
        if built is None:
            assert self.policy is not None
            rates = {name: getattr(prices, name) for name in prices.RATE_FIELDS}
            built = self.rules[prices.pk] = policy_from_row(self.policy, rates)
        return built


class _RequestState(threading.local):
    in_request = False
    seen: Snapshot | None = None


_held: Snapshot | None = None  # the process's copy; replaced whole (only its memo grows)
_request = _RequestState()


_price_lists: Callable[[], Iterable[PriceList]] = tuple


def hold_price_lists(read: Callable[[], Iterable[PriceList]]) -> None:
    """How to read the price lists, newest ``effective_from`` first; set by
    the catalogue when the apps load."""
    global _price_lists
    _price_lists = read
    forget()


_VERSION_SQL = "SELECT token FROM core_policyversion WHERE id = 1"


def _read_token() -> str | None:
    # Plain SQL: this runs on every request, and compiling an ORM query
    # costs more than the read itself.
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def _load(token: str | None) -> Snapshot:
    return Snapshot(
        token=token,
        policy=VendorPolicy.objects.filter(pk=1).first(),
        prices=tuple(_price_lists()),
    )


def current() -> Snapshot:
    """What the policy and the price lists are now (see the module's text
    for when the token is read)."""
    global _held
    if _request.in_request and _request.seen is not None:
        return _request.seen
    token = _read_token()
    held = _held
    if held is None or token is None or held.token != token:
        held = _load(token)
        # Without a token (its row wiped) nothing tells a change: read through.
        _held = held if token is not None else None
    if _request.in_request:
        _request.seen = held
    return held


def get_policy() -> VendorPolicy | None:
    """The vendor's policy row (shared: do not change it), None before set-up."""
    return current().policy


def get_service_price_on(day: date) -> PriceList | None:
    """The service price list in force on ``day`` (shared: do not change it)."""
    return current().price_on(day)


def request_started(**kwargs: Any) -> None:
    _request.in_request = True
    _request.seen = None


def request_finished(**kwargs: Any) -> None:
    _request.in_request = False
    _request.seen = None


def written(**kwargs: Any) -> None:
    """``post_save`` / ``post_delete`` of the policy or a price list in this
    process: the running request reads the token again at its next ask."""
    _request.seen = None


def forget() -> None:
    """Drop what this process holds (the next ask loads again)."""
    global _held
    _held = None
    _request.seen = None
