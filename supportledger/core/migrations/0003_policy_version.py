"""The policy version token and the triggers that renew it.

Every insert, update and delete of the vendor policy sets a new random token
in ``core_policyversion`` (one row, id 1) inside the same transaction, so a
process that cached the policy sees the change with one cheap read, whoever
made it. A random token rather than a counter: a counter goes back with a
rolled-back transaction and could meet a value cached from inside it.
``catalog`` 0002 adds the same triggers to the service price list.
"""

from django.db import migrations, models

SQLITE_TOKEN = "lower(hex(randomblob(16)))"
SQLITE_FORWARD = [
    f"INSERT INTO core_policyversion (id, token) VALUES (1, {SQLITE_TOKEN})",
    *(
        f"""CREATE TRIGGER core_vendorpolicy_version_{event.lower()} AFTER {event}
        ON core_vendorpolicy BEGIN
        INSERT OR REPLACE INTO core_policyversion (id, token) VALUES (1, {SQLITE_TOKEN}); END"""
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS core_vendorpolicy_version_{event}"
    for event in ("insert", "update", "delete")
]
# Statement triggers: TRUNCATE (PostgreSQL's flush) renews the token too.
POSTGRES_FORWARD = [
    """CREATE FUNCTION core_policyversion_renew() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO core_policyversion (id, token)
        VALUES (1, replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END $$""",
    "INSERT INTO core_policyversion (id, token) VALUES (1, replace(gen_random_uuid()::text, '-', ''))",
    """CREATE TRIGGER core_vendorpolicy_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON core_vendorpolicy FOR EACH STATEMENT EXECUTE FUNCTION core_policyversion_renew()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_vendorpolicy_version ON core_vendorpolicy",
    "DROP FUNCTION IF EXISTS core_policyversion_renew()",
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

    dependencies = [
        ('core', '0002_policy_channels_free_text'),
    ]

    operations = [
        migrations.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(help_text='Random hex, new on every write; never compared for order.', max_length=32)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='policyversion_single_row')],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
