"""Import of a vendor's existing data from CSV files and XLSX workbooks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from supportledger.catalog.models import Product
from supportledger.customers.models import Contact, Customer
from supportledger.entitlements.models import Entitlement, Kind, LedgerEntry, Licence
from supportledger.imports.actions import do_import_vendor_data
from supportledger.imports.sheets import read_tables
from supportledger.ops.setup import do_set_up_vendor
from tests.cast import SET_UP_AT

pytestmark = pytest.mark.django_db

GOOD = {
    "products": [["code", "name"], ["ACC", "Accounting"], ["PAY", "Payroll"]],
    "prices": [
        ["product", "effective_from", "amount", "currency"],
        ["ACC", "2025-01-01", "1200.00", "EUR"],
    ],
    "customers": [
        [
            "ref",
            "organisation",
            "customer_type",
            "street",
            "postcode",
            "city",
            "country",
            "language",
            "currency",
            "registration_number",
            "vat_id",
        ],
        [
            "C-1",
            "Acme Ltd",
            "business",
            "1 Vitosha Blvd",
            "1000",
            "Sofia",
            "BG",
            "bg",
            "EUR",
            "200079195",
            "BG200079195",
        ],
        ["C-2", "Zeta OOD", "", "12 Glavna St", "4000", "Plovdiv", "BG", "en", "EUR", "", ""],
        ["C-3", "Ivan Petrov", "consumer", "3 Primorski Blvd", "9000", "Varna", "BG", "bg", "EUR"],
    ],
    "contacts": [
        ["customer", "name", "email"],
        ["C-1", "Petya", "petya@acme.example"],
        ["C-2", "Georgi", "georgi@zeta.example"],
    ],
    "licences": [
        ["ref", "customer", "product", "sold_on", "seats"],
        ["L-1", "C-1", "ACC", "2025-03-15", "2"],
    ],
    "vouchers": [
        ["ref", "customer", "minutes_remaining", "starts", "ends", "products", "history"],
        ["V-1", "C-1", "510", "2025-06-01", "2026-12-31", "ACC", "10 h bought; 90 min used"],
    ],
    "contracts": [
        ["ref", "customer", "starts", "ends", "minutes_per_month", "fee", "currency"],
        ["K-1", "C-2", "2026-01-01", "2026-12-31", "120", "150.00", "EUR"],
    ],
    "incident_packs": [
        ["ref", "customer", "incidents_remaining", "starts", "ends"],
        ["I-1", "C-2", "3", "2026-01-01", "2026-12-31"],
    ],
}


@pytest.fixture(autouse=True)
def vendor():
    do_set_up_vendor(acting_user=None, preset_name="prepaid_hours_bg", now=SET_UP_AT)


def write_csvs(directory: Path, tables: dict[str, list[list[str]]]) -> Path:
    directory.mkdir(exist_ok=True)
    for kind, rows in tables.items():
        with (directory / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return directory


def import_from(source: Path, dry_run: bool = False):
    tables, problems = read_tables(source)
    return do_import_vendor_data(
        acting_user=None, tables=tables, problems=problems, dry_run=dry_run
    )


def counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        Licence.objects.count(),
        Entitlement.objects.count(),
        LedgerEntry.objects.count(),
    )


def test_a_vendors_files_come_in_with_opening_balances_and_a_second_run_changes_nothing(
    tmp_path,
):
    source = write_csvs(tmp_path / "files", GOOD)
    report = import_from(source)

    assert report.problems == []
    assert report.created["customers"] == 3
    assert report.created["vouchers"] == 1
    acme = Customer.objects.get(organisation="Acme Ltd")
    assert (
        acme.customer_type,
        acme.street,
        acme.postcode,
        acme.registration_number,
        acme.vat_id,
    ) == ("business", "1 Vitosha Blvd", "1000", "200079195", "BG200079195")
    assert Customer.objects.get(organisation="Zeta OOD").customer_type == "business"
    ivan = Customer.objects.get(organisation="Ivan Petrov")
    assert (ivan.customer_type, ivan.street, ivan.vat_id) == ("consumer", "3 Primorski Blvd", "")
    voucher = Entitlement.objects.get(customer=acme, kind=Kind.PREPAID_HOURS)
    assert voucher.balance_minutes == 510
    grant = LedgerEntry.objects.get(entitlement=voucher)
    assert grant.minutes_delta == 510
    assert "Opening balance: 510 minutes carried over" in grant.note
    assert "10 h bought; 90 min used" in grant.note
    assert list(voucher.products.values_list("code", flat=True)) == ["ACC"]
    licence = Licence.objects.get(customer=acme)
    assert (licence.sold_on.isoformat(), licence.seats) == ("2025-03-15", 2)
    zeta = Customer.objects.get(organisation="Zeta OOD")
    pack = Entitlement.objects.get(customer=zeta, kind=Kind.INCIDENT_PACK)
    assert pack.balance_incidents == 3
    contract = Entitlement.objects.get(customer=zeta, kind=Kind.CONTRACT)
    assert contract.minutes_per_month == 120
    before = counts()

    again = import_from(source)

    assert again.problems == []
    assert sum(again.created.values()) == 0
    assert again.unchanged["customers"] == 3
    assert counts() == before


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path):
    report = import_from(write_csvs(tmp_path / "files", GOOD), dry_run=True)
    assert report.problems == []
    assert report.created["customers"] == 3
    assert Customer.objects.count() == 0


def test_every_bad_row_is_reported_with_line_column_and_reason_and_nothing_is_written(tmp_path):
    bad = {
        "products": [["code", "name", "licence_model"], ["ACC", "Accounting", "forever"]],
        "customers": [
            [
                "ref",
                "organisation",
                "city",
                "country",
                "language",
                "currency",
                "colour",
                "customer_type",
                "vat_id",
            ],
            ["C-1", "Acme Ltd", "Sofia", "BG", "bg", "EUR", "red", "", ""],
            ["C-2", "", "Plovdiv", "BG", "bg", "EUR", "", "", ""],
            ["C-3", "Gamma", "Varna", "BG", "bg", "EURO", "", "", ""],
            ["C-4", "Delta", "Ruse", "BG", "bg", "EUR", "", "", "BG123456789"],
            ["C-5", "Epsilon", "Burgas", "BG", "bg", "EUR", "", "company", ""],
        ],
        "licences": [
            ["ref", "customer", "product", "sold_on", "seats"],
            ["L-1", "C-1", "ACC", "15.03.2025", "2"],
            ["L-2", "C-9", "ACC", "2025-03-15", "1"],
            ["L-3", "C-1", "ACC", "2025-03-15", "-1"],
        ],
        "vouchers": [
            ["ref", "customer", "minutes_remaining", "starts", "ends"],
            ["V-1", "C-1", "ten", "2025-06-01", "2026-05-31"],
            ["V-2", "C-1", "600", "2026-06-01", "2025-05-31"],
        ],
        "contracts": [["ref", "customer", "starts"], ["K-1", "C-1", "2026-01-01"]],
    }
    report = import_from(write_csvs(tmp_path / "files", bad))

    found = {(p.file, p.line, p.column): p.reason for p in report.problems}
    assert found == {
        ("products.csv", 2, "licence_model"): "one of perpetual, monthly, yearly",
        ("customers.csv", 1, "colour"): "unknown column",
        ("customers.csv", 3, "organisation"): "required, but empty",
        ("customers.csv", 4, "currency"): "'EURO' is not a three-letter currency code (ISO 4217)",
        ("customers.csv", 5, "vat_id"): "the check digits do not match; check the number.",
        ("customers.csv", 6, "customer_type"): "'company' is not business or consumer",
        ("licences.csv", 2, "sold_on"): "'15.03.2025' is not a date written YYYY-MM-DD",
        ("licences.csv", 3, "customer"): "no customer with ref 'C-9' (customers file)",
        ("licences.csv", 4, "seats"): "-1 is negative",
        ("vouchers.csv", 2, "minutes_remaining"): "'ten' is not a whole number",
        ("vouchers.csv", 3, "ends"): "ends before it starts",
        ("contracts.csv", 1, "ends"): "column missing",
    }
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_one_bad_row_keeps_the_whole_import_out(tmp_path):
    tables = {kind: [list(row) for row in rows] for kind, rows in GOOD.items()}
    tables["contacts"].append(["C-2", "Nobody", "not-an-address"])
    report = import_from(write_csvs(tmp_path / "files", tables))
    assert [(p.file, p.line) for p in report.problems] == [("contacts.csv", 4)]
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_a_workbook_imports_like_the_csv_files(tmp_path):
    book = Workbook()
    book.remove(book.active)
    for kind, rows in GOOD.items():
        sheet = book.create_sheet(kind)
        for row in rows:
            sheet.append(row)
    book.save(tmp_path / "vendor.xlsx")
    report = import_from(tmp_path / "vendor.xlsx")
    assert report.problems == []
    assert Entitlement.objects.get(kind=Kind.PREPAID_HOURS).balance_minutes == 510


def test_the_templates_import_as_they_are(tmp_path, capsys):
    call_command("import", templates=tmp_path / "templates")
    call_command("import", str(tmp_path / "templates" / "supportledger-import.xlsx"))
    assert "Imported." in capsys.readouterr().out
    assert Customer.objects.get().organisation == "Acme Ltd"
    latest = Entitlement.objects.filter(kind=Kind.SUPPORT_PERIOD).order_by("-ends").first()
    assert latest.ends.isoformat() == "2026-09-14"


def test_the_command_prints_every_problem_and_exits_1(tmp_path):
    source = write_csvs(tmp_path / "files", {"customers": [["ref", "organisation"], ["C-1", ""]]})
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", str(source), dry_run=True, stderr=err)
    assert refused.value.returncode == 1
    assert "customers.csv, line 1, column city: column missing" in err.getvalue()
    assert "customers.csv, line 2, column organisation: required, but empty" in err.getvalue()


def test_the_templates_in_the_docs_are_the_ones_the_command_writes(tmp_path):
    call_command("import", templates=tmp_path / "templates")
    docs = Path(__file__).resolve().parents[2] / "docs" / "import-templates"
    for written in sorted((tmp_path / "templates").glob("*.csv")):
        assert (docs / written.name).read_text() == written.read_text(), written.name
