"""The one door through the SQLite ledger delete trigger: ``flush``.

On PostgreSQL ``flush`` empties every table with ``TRUNCATE``, which row
triggers do not see, so an operator (or a test) can wipe a whole database
while any ``DELETE`` of a ledger row is refused. SQLite has no ``TRUNCATE``:
its ``flush`` deletes row by row. The SQLite delete trigger therefore asks
``ledger_wipe_allowed()``, an SQL function this process registers on each of
its connections; it answers 1 only while ``allow_ledger_wipe`` is active on
that very connection, which only the ``flush`` command does. Every other
delete, and every delete from another program (where the function does not
exist, so the statement fails), is refused as before; updates stay refused
without exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FUNCTION = "ledger_wipe_allowed"
_FLAG = "supportledger_ledger_wipe_allowed"


def register_wipe_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give each new SQLite connection the
    SQL function the delete trigger asks."""
    if connection.vendor != "sqlite":
        return
    setattr(connection, _FLAG, False)
    connection.connection.create_function(
        FUNCTION, 0, lambda: 1 if getattr(connection, _FLAG, False) else 0
    )


@contextmanager
def allow_ledger_wipe(connection: Any) -> Iterator[None]:
    """Let ledger rows be deleted on ``connection`` (SQLite) for the duration:
    for wiping a whole database only."""
    setattr(connection, _FLAG, True)
    try:
        yield
    finally:
        setattr(connection, _FLAG, False)
