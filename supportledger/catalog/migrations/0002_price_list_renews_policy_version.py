"""The service price list renews the policy version token (core 0003).

Every insert, update and delete of ``catalog_serviceprice`` sets a new random
token in ``core_policyversion`` in the same transaction, so a process that
cached the price list sees the change with the same cheap read as a policy
change.
"""

from django.db import migrations

SQLITE_TOKEN = "lower(hex(randomblob(16)))"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER catalog_serviceprice_version_{event.lower()} AFTER {event}
    ON catalog_serviceprice BEGIN
    INSERT OR REPLACE INTO core_policyversion (id, token) VALUES (1, {SQLITE_TOKEN}); END"""
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS catalog_serviceprice_version_{event}"
    for event in ("insert", "update", "delete")
]
POSTGRES_FORWARD = [
    """CREATE TRIGGER catalog_serviceprice_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON catalog_serviceprice FOR EACH STATEMENT EXECUTE FUNCTION core_policyversion_renew()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_serviceprice_version ON catalog_serviceprice",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"no policy version triggers for database {schema_editor.connection.vendor!r}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("core", "0003_policy_version")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
