"""The database itself refuses to change or remove a ledger entry.

BEFORE UPDATE and BEFORE DELETE triggers raise on SQLite and PostgreSQL, so
neither the ORM nor raw SQL nor a second program can rewrite history. (A
PostgreSQL TRUNCATE, which needs table ownership, is left to the operator.)
"""

from django.db import migrations

MESSAGE = "ledger entries are append-only: post a reversal instead"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER ledgerentry_refuse_update BEFORE UPDATE ON entitlements_ledgerentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER ledgerentry_refuse_delete BEFORE DELETE ON entitlements_ledgerentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledgerentry_refuse_update",
    "DROP TRIGGER IF EXISTS ledgerentry_refuse_delete",
]
POSTGRES_FORWARD = [
    f"""CREATE FUNCTION ledgerentry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER ledgerentry_refuse_change BEFORE UPDATE OR DELETE
    ON entitlements_ledgerentry FOR EACH ROW EXECUTE FUNCTION ledgerentry_refuse_change()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledgerentry_refuse_change ON entitlements_ledgerentry",
    "DROP FUNCTION IF EXISTS ledgerentry_refuse_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"no append-only triggers for database {schema_editor.connection.vendor!r}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
