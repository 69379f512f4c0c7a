"""The plan the database chooses for a queryset, for tests that check a read
goes through an index."""

from django.db import connection
from django.db.models import QuerySet


def query_plan(queryset: QuerySet, *, seqscan_dear: bool = False) -> str:
    """``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on PostgreSQL, as text.

    ``seqscan_dear``: on PostgreSQL, ask which index it would use once
    reading the table whole costs more (a test's small table is read whole
    whatever its indexes); inside the test's transaction, so it ends with it."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        if seqscan_dear:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
