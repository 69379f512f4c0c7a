"""The migration that makes a hold name its invoice reads the English
sentence billing used to store, once, and writes it back when reversed."""

from datetime import UTC, date, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from supportledger.billing.actions.reminders import do_hold_overdue_customers
from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.customers.models import Customer
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import at

BEFORE = [("customers", "0001_initial")]


def _migrate(targets=None):
    """Migrate to ``targets``; by default to the latest state of every app
    (going back to BEFORE also unapplies the customers migrations beside the
    hold's, which the rest of the suite needs)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


class HoldMigration(TransactionTestCase):
    def tearDown(self):
        _migrate()  # leave the schema as every other test expects it

    def test_an_overdue_hold_stored_as_a_sentence_names_its_invoice_after_the_migration(self):
        cast, _contract, request = build_billing_story()
        record(cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        invoice = do_run_billing(
            acting_user=None, period=Period.month("2026-03"), now=BILLED_AT
        ).invoices[0]
        do_hold_overdue_customers(acting_user=None, now=datetime(2026, 4, 16, 9, tzinfo=UTC))

        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT on_hold, on_hold_reason FROM customers_customer WHERE id = %s",
                [cast.acme.pk],
            )
            on_hold, reason = cursor.fetchone()
        assert on_hold
        assert reason == f"Overdue invoice {invoice.number}, due {invoice.due_on.isoformat()}"

        _migrate()
        acme = Customer.objects.get(pk=cast.acme.pk)
        assert acme.on_hold
        assert acme.on_hold_invoice == invoice
        assert acme.on_hold_reason == ""
        assert invoice.due_on < date(2026, 4, 16)
