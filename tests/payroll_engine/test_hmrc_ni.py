"""HMRC's 2025-26 National Insurance developer test data, through the rule pack, to the penny.

Source: HMRC, "Software developers: payroll test data 2025 to 2026", NI archive ("NIC test data v1.1"
and "NICs test data Freeports and Investment Zone v1.1"), Crown copyright, Open Government Licence v3.0,
as transcribed into JSON in the public repository payetools/Payetools (MIT licence), data only; the rows
are in tests/data/hmrc/ni-2025-26.csv (see its README). HMRC's 2026-27 NI archive could not be found in
any stored copy, so this year's NI is checked with 2025-26's data (the two years differ only in the LEL,
125 -> 129 a week, which test_named_cases covers for 2026-27).

Each row is one period's earnings (NI is worked per earnings period, never cumulatively): employee and
employer NI and the earnings split at LEL, LEL to PT and PT to UEL must match exactly, for every category
letter HMRC tests: the main ones and the freeport and investment zone letters (D, E, F, I, K, L, N, S).
"""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plugins.jurisdictions.base import PayrollPeriod, YearToDate

from .helpers import employee, rules

DATA = Path(__file__).resolve().parents[1] / "data" / "hmrc" / "ni-2025-26.csv"
SUPPORTED = {"A", "B", "C", "H", "J", "M", "V", "Z", "F", "I", "L", "S", "N", "E", "D", "K"}
PAY_DATE = {
    "weekly": date(2025, 4, 11),
    "fortnightly": date(2025, 4, 18),
    "four_weekly": date(2025, 5, 2),
    "monthly": date(2025, 4, 25),
}

with DATA.open(newline="", encoding="utf-8") as handle:
    ROWS = list(csv.DictReader(handle))


def test_the_data_file_holds_hmrc_s_rows():
    assert len(ROWS) == 896
    assert {row["category"] for row in ROWS} == SUPPORTED
    assert {row["frequency"] for row in ROWS} == set(PAY_DATE)


@pytest.mark.parametrize("category", sorted(SUPPORTED))
def test_every_row_of_the_category_matches_hmrc(category):
    year = rules("2025-26")
    misses = []
    rows = [row for row in ROWS if row["category"] == category]
    assert len(rows) == 56
    for row in rows:
        pay = Decimal(row["gross_pay"])
        result = year.calculate(
            employee(ni_category=category, tax_code="NT"),
            PayrollPeriod("2025-26", row["frequency"], 1, PAY_DATE[row["frequency"]]),
            pay,
            pay,
            YearToDate.zero(),
        )
        got = (
            result.employee_ni,
            result.employer_ni,
            result.ni_earnings["at_lel"],
            result.ni_earnings["lel_to_pt"],
            result.ni_earnings["pt_to_uel"],
        )
        want = tuple(
            Decimal(row[key])
            for key in ("employee_ni", "employer_ni", "earnings_at_lel", "earnings_lel_to_pt", "earnings_pt_to_uel")
        )
        if got != want:
            misses.append((row["test"], row["frequency"], str(pay), [str(g) for g in got], [str(w) for w in want]))
    assert misses == []
