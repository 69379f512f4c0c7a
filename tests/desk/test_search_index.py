"""On PostgreSQL the queue's search reads the trigram index on
``search_text`` rather than every request."""

import pytest
from django.db import connection

from supportledger.desk.models import Request
from supportledger.desk.search import search_words
from tests.cast import build_cast, open_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_queue_search_reads_the_trigram_index():
    assert connection.vendor == "postgresql"
    cast = build_cast()
    for n in range(20):
        open_request(cast.acme, subject=f"Invoices print blank {n}")
    [word] = search_words("INVOICES")
    with connection.cursor() as cursor:
        # So few rows would be read whole, or walked in the queue's order
        # through its newest-first index, filtering each; ask what the plan
        # is when both are dear.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Request.objects.filter(search_text__contains=word).explain()
        found = Request.objects.filter(search_text__contains=word).count()
    assert "desk_request_search_trgm" in plan, plan
    assert found == 20
