"""Every row of HMRC's PAYE developer test data for 2026-27 and 2025-26, through the rule pack, within one penny.

Sources: HMRC, "Software developers: payroll test data 2026 to 2027", Tax-test-data-examples-2026-27-v1-1.zip
(rest of UK v1.0, Scottish v1.1, Welsh v1.0 workbooks), and the 2025 to 2026 PAYE test data (rest of UK,
Scottish, Welsh v1.0); Crown copyright, Open Government Licence v3.0. The rows are in
tests/data/hmrc/paye-2026-27.csv and paye-2025-26.csv (see the README there for where each copy came from).
HMRC accepts results that differ by no more than one penny.
"""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from plugins.jurisdictions.base import YearToDate

from .helpers import calculate, employee

DATA = Path(__file__).resolve().parents[1] / "data" / "hmrc"
PENNY = Decimal("0.01")


def _sheets(tax_year: str) -> dict[tuple[str, str], list[dict[str, str]]]:
    sheets: dict[tuple[str, str], list[dict[str, str]]] = {}
    with (DATA / f"paye-{tax_year}.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sheets.setdefault((row["workbook"], row["sheet"]), []).append(row)
    return sheets


SHEETS = _sheets("2026-27")
SHEETS_2025 = _sheets("2025-26")
CASES = [("2026-27", *key) for key in SHEETS] + [("2025-26", *key) for key in SHEETS_2025]


def test_the_data_file_holds_every_sheet_hmrc_publishes():
    # rest of UK: Gen_cumul, Gen_W1M1, BR, K_cumul, K_W1M1, Large_code, each monthly and weekly;
    # Scotland: Gen_cumul, Gen_W1M1, K_cumul; Wales: Gen_cumul, Gen_W1M1 (monthly and weekly).
    books = {}
    for book, sheet in SHEETS:
        books.setdefault(book.split(" tax")[0].split("27 ")[-1].strip(), set()).add(sheet)
    assert {name: len(sheets) for name, sheets in books.items()} == {"rest of UK": 12, "Scottish": 6, "Welsh": 4}
    assert sum(len(rows) for rows in SHEETS.values()) == 168
    assert sum(len(rows) for rows in SHEETS_2025.values()) == 168


@pytest.mark.parametrize(("tax_year", "book", "sheet"), CASES, ids=[f"{b.split(' tax')[0]}-{s}" for _y, b, s in CASES])
def test_every_row_matches_hmrc_within_a_penny(tax_year, book, sheet):
    tax_before = Decimal("0.00")
    misses = []
    for row in (SHEETS if tax_year == "2026-27" else SHEETS_2025)[(book, sheet)]:
        week1 = row["week1_month1"] == "yes"
        number = int(row["period"])
        pay = Decimal(row["gross_pay"])
        pay_to_date = Decimal(row["gross_pay_to_date"])
        if number == 1 or week1:  # a row for period 1 (or on week 1 / month 1) starts afresh
            tax_before = Decimal("0.00")
        to_date = YearToDate(gross_pay=pay_to_date - pay, taxable_pay=pay_to_date - pay, tax=tax_before)
        # category X: HMRC's rows test income tax alone
        result = calculate(
            pay,
            emp=employee(tax_code=row["tax_code"], week1_month1=week1, ni_category="X"),
            number=number,
            frequency=row["frequency"],
            to_date=to_date,
            tax_year=tax_year,
        )
        if abs(result.income_tax - Decimal(row["tax_due"])) > PENNY:
            misses.append((row["row"], row["tax_code"], str(pay), str(result.income_tax), row["tax_due"]))
        if not week1:
            assert abs(result.to_date.tax - Decimal(row["tax_due_to_date"])) <= PENNY, row
        tax_before = Decimal(row["tax_due_to_date"])
    assert misses == []
