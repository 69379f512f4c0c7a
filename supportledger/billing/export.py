"""Invoices and their lines for accounting: CSV and XLSX (one row per line)
and JSON (one object per invoice with its lines).

Amounts are written as plain decimal strings (``1234.50``; numbers in XLSX),
dates as ISO 8601, so an accounting program reads them without guessing a
locale. Text a customer or staff typed (names, descriptions) can start with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, which a spreadsheet
would run as a formula: such a cell is written with a leading ``'`` (OWASP
"CSV injection"), in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

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
    "supplied_from",
    "supplied_on",
    "line_vat_category",
    "line_vat_rate",
    "customer_registration_number",
    "customer_type",
    "vat_note",
)
NUMERIC_COLUMNS = frozenset(
    {
        "invoice_net",
        "vat_rate",
        "invoice_vat",
        "invoice_total",
        "quantity",
        "line_amount",
        "line_vat_rate",
    }
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet reads it as text: a string starting with a
    formula character gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
        "vat_legal_basis": invoice.vat_legal_basis,
        "vat_breakdown": invoice.vat_breakdown,
        "period_start": invoice.period_start.isoformat() if invoice.period_start else None,
        "period_end": invoice.period_end.isoformat() if invoice.period_end else None,
        "billing_period": invoice.billing_period,
        "reason": invoice.reason,
        "seller": invoice.vendor,
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
                "supplied_from": line.supplied_from.isoformat() if line.supplied_from else None,
                "supplied_on": line.supplied_on.isoformat() if line.supplied_on else None,
                "vat_category": line.vat_category,
                "vat_rate": str(line.vat_rate),
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


def export_rows(invoices: Iterable[Invoice]) -> Iterator[list[Any]]:
    """One row per invoice line, in ``CSV_COLUMNS`` order, raw values."""
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
            yield [
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
                line["supplied_from"] or "",
                line["supplied_on"] or "",
                line["vat_category"],
                line["vat_rate"],
                record["customer"].get("registration_number", ""),
                record["customer"].get("customer_type", ""),
                record["vat_note"],
            ]


def export_csv(invoices: Iterable[Invoice]) -> str:
    """UTF-8 CSV, comma-separated, one header row, formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in export_rows(invoices):
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def export_xlsx(invoices: Iterable[Invoice]) -> bytes:
    """An XLSX workbook (openpyxl), sheet ``invoices``: the CSV's columns,
    amounts and rates as numbers, text cells formula-safe and typed as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("invoices")
    sheet.append(list(CSV_COLUMNS))
    for row in export_rows(invoices):
        cells = []
        for name, value in zip(CSV_COLUMNS, row, strict=True):
            if name in NUMERIC_COLUMNS and value not in ("", None):
                cells.append(Decimal(str(value)))
            else:
                cells.append(safe_cell(value))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
