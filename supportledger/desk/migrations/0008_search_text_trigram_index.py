"""On PostgreSQL, the queue's search (every folded word somewhere in
``search_text``, a ``LIKE '%word%'``) reads a trigram index instead of
every request. SQLite has no such index and scans, as before."""

from django.db import migrations

INDEX = "desk_request_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON desk_request USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("desk", "0007_queue_search_filters_canned")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
