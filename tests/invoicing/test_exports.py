"""CSV and XLSX exports of the invoice list, with spreadsheet formula injection neutralised."""

import csv
import io

import pytest
from openpyxl import load_workbook

from consortium.exports import neutralise
from tests.invoicing.conftest import COUNCIL, add_customer, draft, issue

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_get_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Manchester City Council", "O'Neill & Sons", "", "1-2 Mill Lane"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def _hostile_invoices(client, uk):
    for index, name in enumerate(HOSTILE):
        customer = add_customer(client, uk, {**COUNCIL, "name": name, "vat_number": None})
        invoice = draft(client, uk, customer["id"], buyer_reference=f"=cmd|' /C calc'!A{index}")
        issue(client, uk, invoice["id"])


def test_csv_export_neutralises_every_text_cell(client, uk):
    _hostile_invoices(client, uk)
    response = client.get(f"{uk['api']}/invoices/export?format=csv", headers=uk["auth"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Kind", "Status"]
    assert len(rows) == 1 + len(HOSTILE)
    for row in rows[1:]:
        assert row[5].startswith("'") and row[13].startswith("'=cmd")
        assert row[9] == "120.00"  # amounts stay plain numbers


def test_xlsx_export_stores_no_formula_and_keeps_numbers(client, uk):
    _hostile_invoices(client, uk)
    response = client.get(f"{uk['api']}/invoices/export?format=xlsx", headers=uk["auth"])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == len(HOSTILE)
    for row in values:
        assert row[5].startswith("'") and row[13].startswith("'")
        assert float(row[9]) == 120.0
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)


def test_csv_follows_the_readers_spreadsheet_convention(client, uk):
    """consortium.exports: `;` and a decimal comma for an Italian reader (Italian Excel and LibreOffice split on
    `;`, the comma being their decimal sign), `,` and a point for an English one; the page link says which."""
    _hostile_invoices(client, uk)
    english = client.get(f"{uk['api']}/invoices/export?format=csv", headers=uk["auth"]).data.decode("utf-8-sig")
    italian = client.get(f"{uk['api']}/invoices/export?format=csv",
                         headers={**uk["auth"], "Accept-Language": "it"}).data.decode("utf-8-sig")
    english_rows = list(csv.reader(io.StringIO(english)))
    italian_rows = list(csv.reader(io.StringIO(italian), delimiter=";"))
    assert english_rows[1][9] == "120.00" and italian_rows[1][9] == "120,00"
    assert english.splitlines()[0].count(",") == 13 and ";" not in english.splitlines()[0]
    assert italian.splitlines()[0].count(";") == 13
    assert italian_rows[1][5].startswith("'")  # text still neutralised
    assert italian_rows[1][3].count("-") == 2  # dates stay ISO, which both read as dates


def test_csv_cells_are_plain_numbers_iso_dates_and_inert_text():
    from datetime import date
    from decimal import Decimal

    from consortium.exports import cell, to_csv

    assert cell(Decimal("-1472.80"), ",") == "-1472,80"  # a negative amount stays a number, not neutralised text
    assert cell(Decimal("1E+1")) == "10"
    assert cell(date(2026, 12, 1)) == "2026-12-01" and cell(None) == "" and cell(7) == "7"
    assert cell("-2+3") == "'-2+3"
    assert to_csv(["a", "b"], [[Decimal("1.5"), "x;y"]], language="it") == "\ufeffa;b\r\n1,5;\"x;y\"\r\n".encode()
    assert to_csv(["a", "b"], [[Decimal("1.5"), "x,y"]], language="en") == "\ufeffa,b\r\n1.5,\"x,y\"\r\n".encode()
