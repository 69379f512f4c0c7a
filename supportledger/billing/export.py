"""Invoices and their lines for accounting: CSV (one row per line) and JSON.

Amounts are written as plain decimal strings (``1234.50``), dates as ISO
8601, so an accounting program reads them without guessing a locale.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from supportledger.billing.models import Invoice

CSV_COLUMNS = (
    "number",
    "kind",
    "status",
    "issued_on",
    "due_on",
    "customer_id",
    "customer",
    "customer_country",
    "customer_vat_id",
    "currency",
    "invoice_net",
    "vat_rate",
    "invoice_vat",
    "invoice_total",
    "credits",
    "line",
    "line_kind",
    "description",
    "quantity",
    "unit",
    "line_amount",
    "work_id",
    "contract_id",
    "fee_period_start",
    "order_id",
)


def invoice_record(invoice: Invoice) -> dict[str, Any]:
    """One invoice with its lines as plain JSON values."""
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "status": invoice.status,
        "issued_on": invoice.issued_on.isoformat() if invoice.issued_on else None,
        "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "customer": {"id": invoice.customer_id, **invoice.bill_to},
        "currency": invoice.currency,
        "net": str(invoice.net_amount),
        "vat_rate": str(invoice.vat_rate),
        "vat": str(invoice.vat_amount),
        "total": str(invoice.total_amount),
        "vat_note": invoice.vat_note,
        "credits": invoice.credits.number if invoice.credits_id else None,
        "lines": [
            {
                "position": line.position,
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "amount": str(line.amount),
                "work_id": line.work.work_id if line.work_id else None,
                "contract_id": line.entitlement_id,
                "fee_period_start": (
                    line.fee_period_start.isoformat() if line.fee_period_start else None
                ),
                "order_id": line.order_id,
            }
            for line in invoice.lines.all()
        ],
    }


def _prefetched(invoices: Iterable[Invoice]) -> Iterable[Invoice]:
    if hasattr(invoices, "prefetch_related"):
        return invoices.select_related("credits").prefetch_related("lines__work")  # type: ignore[no-any-return]
    return invoices


def export_json(invoices: Iterable[Invoice]) -> str:
    return json.dumps(
        [invoice_record(i) for i in _prefetched(invoices)], ensure_ascii=False, indent=1
    )


def export_csv(invoices: Iterable[Invoice]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for invoice in _prefetched(invoices):
        record = invoice_record(invoice)
        head = [
            record["number"],
            record["kind"],
            record["status"],
            record["issued_on"],
            record["due_on"],
            invoice.customer_id,
            record["customer"].get("name", ""),
            record["customer"].get("country", ""),
            record["customer"].get("vat_id", ""),
            record["currency"],
            record["net"],
            record["vat_rate"],
            record["vat"],
            record["total"],
            record["credits"] or "",
        ]
        for line in record["lines"]:
            writer.writerow(
                [
                    *head,
                    line["position"],
                    line["kind"],
                    line["description"],
                    line["quantity"],
                    line["unit"],
                    line["amount"],
                    line["work_id"] or "",
                    line["contract_id"] or "",
                    line["fee_period_start"] or "",
                    line["order_id"] or "",
                ]
            )
    return out.getvalue()
