"""``flush``: Django's, letting the SQLite ledger trigger pass the wipe (see
``supportledger.entitlements.wipe``); PostgreSQL's ``TRUNCATE`` needs nothing."""

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from supportledger.entitlements.wipe import allow_ledger_wipe


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        connection.ensure_connection()
        with allow_ledger_wipe(connection):
            super().handle(**options)
