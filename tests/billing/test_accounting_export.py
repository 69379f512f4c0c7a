"""The accounting export: CSV and XLSX safe from formula injection, JSON,
selected by issue date or by date of supply."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from supportledger.billing.actions.run import do_run_billing
from supportledger.billing.convert import Period
from supportledger.billing.export import export_csv, export_xlsx, safe_cell
from supportledger.billing.queries import list_invoices_for_period
from supportledger.customers.models import Customer
from tests.billing.scenario import BILLED_AT, MARCH_4, build_billing_story, record
from tests.cast import add_staff, at

MARCH = Period.month("2026-03")
APRIL = Period.month("2026-04")


def test_cells_starting_like_a_formula_are_written_as_text():
    for dangerous in ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Acme") == "Acme"
    assert safe_cell(12) == 12


class TheAccountingExport(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, request = build_billing_story()
        Customer.objects.filter(pk=cls.cast.acme.pk).update(
            organisation='=HYPERLINK("http://evil.example","Acme")'
        )
        record(cls.cast, request, "W1", at(MARCH_4, 8), at(MARCH_4, 9, 5))
        # March is billed on 1 April: supplied in March, issued in April.
        [cls.invoice] = do_run_billing(acting_user=None, period=MARCH, now=BILLED_AT).invoices

    def test_the_csv_prefixes_a_formula_in_a_customers_name(self):
        rows = list(csv.DictReader(io.StringIO(export_csv([self.invoice]))))
        assert rows[0]["customer"] == '\'=HYPERLINK("http://evil.example","Acme")'
        assert rows[0]["supplied_on"]
        assert rows[0]["line_vat_category"] == "S"

    def test_the_xlsx_has_the_same_rows_with_amounts_as_numbers_and_text_safe(self):
        book = load_workbook(io.BytesIO(export_xlsx([self.invoice])))
        sheet = book["invoices"]
        header = [cell.value for cell in sheet[1]]
        first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
        assert first["customer"].startswith("'=")
        assert Decimal(str(first["invoice_total"])) == self.invoice.total_amount
        assert first["number"] == self.invoice.number

    def test_a_period_is_selected_by_issue_date_or_by_date_of_supply(self):
        by_issue_march = list(list_invoices_for_period(MARCH.start, MARCH.end))
        by_supply_march = list(list_invoices_for_period(MARCH.start, MARCH.end, by="supply"))
        by_issue_april = list(list_invoices_for_period(APRIL.start, APRIL.end))
        assert by_issue_march == []
        assert by_supply_march == [self.invoice]
        assert by_issue_april == [self.invoice]
        assert self.invoice.issued_on == date(2026, 4, 1)

    def test_the_console_exports_xlsx_by_date_of_supply(self):
        self.client.force_login(add_staff(self.cast, "mila", "manager").user)
        response = self.client.get(
            reverse("billing:export"), {"period": "2026-03", "format": "xlsx", "by": "supply"}
        )
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            'attachment; filename="invoices-2026-03-by-supply.xlsx"'
        )
        book = load_workbook(io.BytesIO(response.content))
        assert book["invoices"].max_row == 1 + self.invoice.lines.count()
