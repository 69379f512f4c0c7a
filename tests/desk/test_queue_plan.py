"""The queue's page reads the newest requests in index order instead of
sorting every active request: the statement that picks the page's ids names
the newest-first index and no sort, once most requests are active (as in a
busy desk) and the database has statistics (ANALYZE, with which SQLite
chose to sort when the page's statement also joined the customers)."""

from datetime import timedelta

import pytest
from django.db import connection

from supportledger.core import clock
from supportledger.desk.queries import QueueFilters, list_queue, list_queue_page
from tests.cast import SET_UP_AT, build_cast
from tests.plans import query_plan

pytestmark = pytest.mark.django_db


def test_the_queue_page_walks_the_newest_first_index_without_sorting():
    cast = build_cast()
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO desk_request (customer_id, category, opened_via, channel, subject,"
            " status, priority, source_message_id, search_text, created_at, updated_at)"
            " VALUES (%s, 'consultation', 'portal', 'portal', %s, %s, 'normal', '', '', %s, %s)",
            [
                (
                    (cast.acme if n % 2 else cast.zeta).pk,
                    f"Request {n}",
                    ("new", "open", "waiting", "resolved", "closed")[n % 5],
                    SET_UP_AT + timedelta(minutes=n),
                    SET_UP_AT + timedelta(minutes=n),
                )
                for n in range(3000)
            ],
        )
        cursor.execute("ANALYZE")
    now = clock.now()
    ids = list_queue(QueueFilters(), me=None, now=now).values_list("id", flat=True)[:26]
    plan = query_plan(ids)
    assert "desk_request_newest" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # SQLite sorting
    assert "Sort Key" not in plan, plan  # PostgreSQL sorting
    page = list_queue_page(QueueFilters(), me=None, now=now, offset=0, limit=26)
    assert [row["id"] for row in page] == list(ids)
    assert all(row["customer__organisation"] for row in page)
