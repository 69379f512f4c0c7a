"""The import files: which kinds, which columns, how each cell is read.

A vendor brings one CSV file per kind (``customers.csv``, ``vouchers.csv``,
...) in a directory, or one XLSX workbook with one sheet per kind named the
same (``customers``, ``vouchers``, ...). The first row names the columns;
columns may come in any order, unknown columns are refused (a typo would
otherwise lose data silently), optional columns may be left out. Dates are
``YYYY-MM-DD`` (or date cells in XLSX), decimals use a dot, booleans are
yes/no, product lists are codes separated by spaces.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "Column", "ImportProblem", "Row", "read_tables", "template_rows"]


@dataclass(frozen=True)
class ImportProblem:
    """One bad cell or row: where (file, line, column) and why."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"{self.file}, line {self.line}{column}: {self.reason}"


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text(value: Any) -> str:
    return _text(value)


def whole(value: Any) -> int:
    raw = _text(value)
    try:
        number = int(raw)
    except ValueError:
        raise CellError(f"{raw!r} is not a whole number") from None
    if number < 0:
        raise CellError(f"{number} is negative")
    return number


def decimal(value: Any) -> Decimal:
    raw = _text(value)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"{raw!r} is not a number (use a dot for decimals)") from None
    if not number.is_finite() or number < 0:
        raise CellError(f"{raw!r} is not a non-negative amount")
    return number


def day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = _text(value)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CellError(f"{raw!r} is not a date written YYYY-MM-DD") from None


def yes_no(value: Any) -> bool:
    raw = _text(value).lower()
    if raw in {"yes", "y", "true", "1"}:
        return True
    if raw in {"no", "n", "false", "0", ""}:
        return False
    raise CellError(f"{raw!r} is not yes or no")


def currency(value: Any) -> str:
    raw = _text(value).upper()
    if not re.fullmatch(r"[A-Z]{3}", raw):
        raise CellError(f"{raw!r} is not a three-letter currency code (ISO 4217)")
    return raw


def country(value: Any) -> str:
    raw = _text(value).upper()
    if not re.fullmatch(r"[A-Z]{2}", raw):
        raise CellError(f"{raw!r} is not a two-letter country code (ISO 3166)")
    return raw


def language(value: Any) -> str:
    from django.conf import settings

    raw = _text(value).lower()
    known = [code for code, _name in settings.LANGUAGES]
    if raw not in known:
        raise CellError(f"{raw!r} is not one of the languages {', '.join(known)}")
    return raw


def customer_type(value: Any) -> str:
    raw = _text(value).lower()
    if raw not in {"business", "consumer"}:
        raise CellError(f"{raw!r} is not business or consumer")
    return raw


def codes(value: Any) -> list[str]:
    return [code for code in _text(value).replace(",", " ").split() if code]


@dataclass(frozen=True)
class Column:
    name: str
    read: Callable[[Any], Any]
    required: bool = True
    example: str = ""


# The kinds in the order they are brought in (later kinds refer to earlier ones).
KINDS: dict[str, list[Column]] = {
    "products": [
        Column("code", text, example="ACC"),
        Column("name", text, example="Accounting"),
        Column("licence_model", text, required=False, example="perpetual"),
        Column("support_period_months", whole, required=False, example="12"),
        Column("warranty_months", whole, required=False, example="12"),
    ],
    "prices": [
        Column("product", text, example="ACC"),
        Column("effective_from", day, example="2025-01-01"),
        Column("amount", decimal, example="1200.00"),
        Column("currency", currency, example="EUR"),
    ],
    "customers": [
        Column("ref", text, example="C-1001"),
        Column("organisation", text, example="Acme Ltd"),
        # business (a taxable person, the default) or consumer
        Column("customer_type", customer_type, required=False, example="business"),
        # Street and postcode are optional here, but the billing run invoices
        # nobody without them (docs/invoices.md).
        Column("street", text, required=False, example="1 Vitosha Blvd"),
        Column("postcode", text, required=False, example="1000"),
        Column("city", text, example="Sofia"),
        Column("country", country, example="BG"),
        Column("language", language, example="bg"),
        Column("currency", currency, example="EUR"),
        # Checked with their check digits for the customer's country.
        Column("registration_number", text, required=False, example="200079195"),
        Column("vat_id", text, required=False, example="BG200079195"),
    ],
    "contacts": [
        Column("customer", text, example="C-1001"),
        Column("name", text, example="Petya Ivanova"),
        Column("email", text, example="petya@acme.example"),
        Column("language", language, required=False, example="bg"),
    ],
    "licences": [
        Column("ref", text, example="L-5001"),
        Column("customer", text, example="C-1001"),
        Column("product", text, example="ACC"),
        Column("sold_on", day, example="2024-03-15"),
        Column("seats", whole, required=False, example="2"),
        Column("expires", day, required=False, example=""),
    ],
    "support_periods": [
        Column("licence", text, example="L-5001"),
        Column("ends", day, example="2026-09-14"),
    ],
    "vouchers": [
        Column("ref", text, example="V-77"),
        Column("customer", text, example="C-1001"),
        Column("minutes_remaining", whole, example="510"),
        Column("starts", day, example="2025-06-01"),
        Column("ends", day, example="2026-05-31"),
        Column("products", codes, required=False, example="ACC"),
        Column("history", text, required=False, example="10 h bought 2025-06-01; 90 min used"),
    ],
    "contracts": [
        Column("ref", text, example="K-12"),
        Column("customer", text, example="C-1001"),
        Column("starts", day, example="2026-01-01"),
        Column("ends", day, example="2026-12-31"),
        Column("minutes_per_month", whole, required=False, example="120"),
        Column("sla", yes_no, required=False, example="no"),
        Column("rollover", yes_no, required=False, example="no"),
        Column("updates", yes_no, required=False, example="yes"),
        Column("fee", decimal, required=False, example="150.00"),
        Column("currency", currency, required=False, example="EUR"),
        Column("billing_period", text, required=False, example="month"),
        Column("products", codes, required=False, example="ACC"),
    ],
    "incident_packs": [
        Column("ref", text, example="I-3"),
        Column("customer", text, example="C-1001"),
        Column("incidents_remaining", whole, example="3"),
        Column("starts", day, example="2026-01-01"),
        Column("ends", day, example="2026-12-31"),
        Column("requires", text, required=False, example=""),
        Column("history", text, required=False, example="pack of 4, 1 used"),
    ],
}


@dataclass
class Row:
    """One data row: its line in the file and its cells read by column."""

    file: str
    line: int
    values: dict[str, Any]


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    data = path.read_bytes().decode("utf-8-sig")
    for number, cells in enumerate(csv.reader(io.StringIO(data, newline="")), start=1):
        yield number, list(cells)


def _xlsx_sheets(path: Path) -> dict[str, Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    return {
        sheet.title.strip().lower(): (
            (number, list(cells))
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        for sheet in book.worksheets
    }


def _read_table(
    kind: str, file: str, raw: Iterator[tuple[int, list[Any]]], problems: list[ImportProblem]
) -> list[Row]:
    columns = {column.name: column for column in KINDS[kind]}
    header: list[str] = []
    rows: list[Row] = []
    missing = False
    for number, cells in raw:
        if not header:
            header = [_text(cell).lower() for cell in cells]
            while header and not header[-1]:
                header.pop()
            for name in header:
                if name not in columns:
                    problems.append(ImportProblem(file, number, name, "unknown column"))
            for column in columns.values():
                if column.required and column.name not in header:
                    problems.append(ImportProblem(file, number, column.name, "column missing"))
                    missing = True
            continue
        if all(_text(cell) == "" for cell in cells):
            continue
        values: dict[str, Any] = {}
        for index, name in enumerate(header):
            found = columns.get(name)
            if found is None:
                continue
            column = found
            cell = cells[index] if index < len(cells) else None
            if _text(cell) == "" and not isinstance(cell, date):
                if column.required:
                    problems.append(ImportProblem(file, number, name, "required, but empty"))
                continue
            try:
                values[name] = column.read(cell)
            except CellError as error:
                problems.append(ImportProblem(file, number, name, str(error)))
        rows.append(Row(file, number, values))
    # Without a required column no row can be brought in; the header says why.
    return [] if missing else rows


def read_tables(source: Path) -> tuple[dict[str, list[Row]], list[ImportProblem]]:
    """The rows of every kind present in ``source`` (a directory of CSV files
    or an XLSX workbook), and the problems found reading them."""
    problems: list[ImportProblem] = []
    tables: dict[str, list[Row]] = {}
    if source.is_dir():
        known = {f"{kind}.csv" for kind in KINDS}
        for path in sorted(source.glob("*.csv")):
            if path.name not in known:
                problems.append(ImportProblem(path.name, 0, "", "not an import file kind"))
        for kind in KINDS:
            path = source / f"{kind}.csv"
            if path.exists():
                tables[kind] = _read_table(kind, path.name, _csv_rows(path), problems)
    elif source.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            sheets = _xlsx_sheets(source)
        except Exception as exc:
            raise ValueError(f"{source}: not a readable XLSX workbook ({exc})") from exc
        for name in sheets:
            if name not in KINDS:
                problems.append(ImportProblem(name, 0, "", "not an import sheet kind"))
        for kind in KINDS:
            if kind in sheets:
                tables[kind] = _read_table(kind, kind, sheets[kind], problems)
    else:
        raise ValueError(f"{source}: give a directory of CSV files or an .xlsx workbook")
    return tables, problems


def template_rows(kind: str) -> list[list[str]]:
    """Header and one example row of a kind's file."""
    columns = KINDS[kind]
    return [[column.name for column in columns], [column.example for column in columns]]
