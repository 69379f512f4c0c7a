"""``supportledger bill --period 2026-03 [--customer ID] [--now ISO] [--draft]
[--batch-size N]``

Runs the billing run for a month and prints one line per invoice issued
(with ``--draft``: per draft written, unnumbered, for staff to check and
issue). Safe to rerun: what is already billed, on an issued invoice or a
draft, is not billed again.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.core.errors import ActionRefused
from supportledger.customers.models import Customer


class Command(BaseCommand):
    help = "Invoice everything due in a month (contract fees, work, orders); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month, e.g. 2026-03.")
        parser.add_argument("--customer", type=int, help="Only this customer id.")
        parser.add_argument("--now", help="Issue instant, ISO 8601 with offset (default: now).")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Leave the invoices as drafts: not numbered, not issued.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200,
            help="Customers billed per transaction (default 200).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.month(options["period"])
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from exc
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO 8601 instant: {options['now']}") from exc
            if now.tzinfo is None:
                raise CommandError("--now: give a UTC offset, e.g. 2026-04-01T06:00:00+00:00")
        customer = None
        if options["customer"] is not None:
            customer = Customer.objects.filter(pk=options["customer"]).first()
            if customer is None:
                raise CommandError(f"--customer: no customer with id {options['customer']}")

        def report(invoice: Any) -> None:
            name = invoice.number or f"draft id={invoice.pk}"
            sys.stdout.write(
                f"{name} customer={invoice.customer_id} "
                f"total={invoice.total_amount} {invoice.currency}\n"
            )
            sys.stdout.flush()

        try:
            result = do_run_billing(
                acting_user=None,
                period=period,
                customer=customer,
                now=now,
                on_invoice=report,
                issue=not options["draft"],
                batch_size=max(1, options["batch_size"]),
            )
        except ActionRefused as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        for customer_id, missing in sorted(result.refused.items()):
            sys.stdout.write(f"not invoiced: customer={customer_id} lacks {', '.join(missing)}\n")
        what = "drafts" if options["draft"] else "invoices"
        sys.stdout.write(f"done: {len(result.invoices)} {what} for {period.label}\n")
