"""``supportledger seller [--legal-name …] [--vat-id …] … [--next-number N]``

Shows the seller's identity and billing settings, with what is still missing
before invoices can be issued; with options, changes them first (checked
like the console page: VAT id, registration number, IBAN and BIC with
python-stdnum). ``--next-number`` continues an existing series (from another
program) at that number. Exit 1 with the field and the reason on bad input.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportledger.billing.actions.invoices import do_continue_number_series
from supportledger.billing.models import InvoiceKind
from supportledger.billing.queries import get_billing_settings, missing_seller_fields
from supportledger.billing.seller import FIELDS, TEXT_FIELDS, do_update_seller
from supportledger.core.errors import ActionRefused

FLAGS = {"hold_when_overdue", "number_with_year"}
NUMBERS = {"number_width", "payment_terms_days", "hold_after_days"}


class Command(BaseCommand):
    help = "Show or change the seller's identity and billing settings."

    def add_arguments(self, parser: CommandParser) -> None:
        for name in TEXT_FIELDS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)
        for name in NUMBERS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int)
        for name in FLAGS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, choices=["yes", "no"])
        parser.add_argument(
            "--invoice-languages", dest="invoice_languages", help="Comma-separated, e.g. bg,en."
        )
        parser.add_argument(
            "--vat-rates",
            dest="vat_rates",
            help='JSON list: [{"country": "BG", "rate": "20", "from": "2026-01-01", '
            '"source": "…"}]',
        )
        parser.add_argument(
            "--next-number", type=int, help="Next invoice number of the current series."
        )
        parser.add_argument(
            "--next-credit-note-number",
            type=int,
            help="Next credit note number (its own series, or the shared one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        changes: dict[str, Any] = {}
        for name in FIELDS:
            value = options.get(name)
            if value is None:
                continue
            if name in FLAGS:
                value = value == "yes"
            elif name == "invoice_languages":
                value = [code.strip() for code in value.split(",") if code.strip()]
            elif name == "vat_rates":
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise CommandError(f"--vat-rates: not JSON: {exc}") from exc
            changes[name] = value
        try:
            if changes:
                do_update_seller(acting_user=None, **changes)
            if options["next_number"] is not None:
                do_continue_number_series(acting_user=None, next_number=options["next_number"])
            if options["next_credit_note_number"] is not None:
                do_continue_number_series(
                    acting_user=None,
                    next_number=options["next_credit_note_number"],
                    kind=InvoiceKind.CREDIT_NOTE,
                )
        except ActionRefused as exc:
            raise CommandError(exc.message) from exc
        row = get_billing_settings()
        for name in FIELDS:
            self.stdout.write(f"{name}: {json.dumps(getattr(row, name), ensure_ascii=False)}")
        missing = missing_seller_fields(row)
        if missing:
            self.stdout.write("missing before invoices can be issued: " + ", ".join(missing))
        else:
            self.stdout.write("complete: invoices can be issued")
