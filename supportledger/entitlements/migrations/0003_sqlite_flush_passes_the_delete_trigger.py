"""SQLite: the ledger delete trigger lets ``flush`` through, nothing else.

The trigger of 0002 refused every DELETE, so SQLite's ``flush`` (which has no
TRUNCATE and deletes row by row) failed on any database holding ledger
entries, while PostgreSQL's TRUNCATE-based flush passes its row trigger. The
new trigger raises unless ``ledger_wipe_allowed()`` answers 1, which only the
``flush`` command of this process makes it do (``entitlements.wipe``);
another program has no such function, so its DELETE fails. The update
trigger and PostgreSQL are unchanged.
"""

from django.db import migrations

from supportledger.entitlements.wipe import FUNCTION

MESSAGE = "ledger entries are append-only: post a reversal instead"

FORWARD = [
    "DROP TRIGGER IF EXISTS ledgerentry_refuse_delete",
    f"""CREATE TRIGGER ledgerentry_refuse_delete BEFORE DELETE ON entitlements_ledgerentry
    WHEN NOT {FUNCTION}() BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS ledgerentry_refuse_delete",
    f"""CREATE TRIGGER ledgerentry_refuse_delete BEFORE DELETE ON entitlements_ledgerentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0002_ledger_append_only")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
