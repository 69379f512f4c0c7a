"""An invoice line's ``detail`` is stored without SQLite's per-row
``JSON_VALID`` check (``WrittenJSONField``): billing writes it as JSON, and
checking a million rows a month was a third of their insert (see
docs/billing-speed.md). The other JSON columns keep their check, and
PostgreSQL still stores the detail as ``jsonb``."""

import pytest
from django.db import connection

from supportledger.billing.models import Invoice, InvoiceLine

pytestmark = pytest.mark.django_db


def _sqlite_table_sql(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        return cursor.fetchone()[0]


def _postgres_column_type(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = %s",
            [table, column],
        )
        return cursor.fetchone()[0]


def test_a_lines_detail_has_no_json_check_where_other_json_columns_keep_theirs():
    lines, invoices = InvoiceLine._meta.db_table, Invoice._meta.db_table
    if connection.vendor == "sqlite":
        assert 'JSON_VALID("detail")' not in _sqlite_table_sql(lines)
        assert 'JSON_VALID("vat_breakdown")' in _sqlite_table_sql(invoices)
    else:
        assert _postgres_column_type(lines, "detail") == "jsonb"
