"""NI numbers, tax codes, tax periods and employee checks of the UK rule pack."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from plugins.jurisdictions.base import InvalidIdentifier, PayrollPeriod, YearToDate

from .helpers import D, calculate, employee, rules, scheme

# --- NI numbers: HMRC National Insurance Manual NIM39110 -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "compact"), [("AB123456C", "AB123456C"), ("ab 12 34 56 c", "AB123456C"), ("JG 10 33 59 D", "JG103359D")]
)
def test_valid_ni_numbers_are_compacted(typed, compact):
    assert rules().validate_ni_number(typed) == compact


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("QQ123456C", "never issued: D, F, I, Q, U and V"),  # HMRC's own example, Q is never used
        ("DA123456A", "never issued: D, F, I, Q, U and V"),
        ("AO123456A", "nor O as the second letter"),
        ("GB123456A", "prefix GB is never issued"),
        ("BG123456A", "prefix BG is never issued"),
        ("NK123456A", "prefix NK is never issued"),
        ("KN123456A", "prefix KN is never issued"),
        ("TN123456A", "prefix TN is never issued"),
        ("NT123456A", "prefix NT is never issued"),
        ("ZZ123456A", "prefix ZZ is never issued"),
        ("CR123456A", "prefix CR is never issued"),  # an administrative reference, not an NI number
        ("AB123456E", "final letter A, B, C or D"),
        ("AB12345C", "2 letters, 6 digits"),
        ("", "NI number is empty"),
    ],
)
def test_invalid_ni_numbers_name_the_field_and_the_problem(typed, problem):
    with pytest.raises(InvalidIdentifier) as raised:
        rules().validate_ni_number(typed)
    assert raised.value.field == "ni_number"
    assert problem in raised.value.message


# --- tax codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code", "week1"),
    [
        ("1257L", "1257L", False),
        ("s1257l", "S1257L", False),
        ("C1257L", "C1257L", False),
        ("1257L M1", "1257L", True),
        ("1257LX", "1257L", True),
        ("K475", "K475", False),
        ("SK585 W1", "SK585", True),
        ("BR", "BR", False),
        ("CBR", "CBR", False),
        ("SD3", "SD3", False),
        ("D1", "D1", False),
        ("NT", "NT", False),
        ("0T", "0T", False),
        ("1383M", "1383M", False),
        ("1131N", "1131N", False),
        ("999999T", "999999T", False),
    ],
)
def test_tax_codes_are_normalised(typed, code, week1):
    assert rules().normalise_tax_code(typed) == (code, week1)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1257", "is not a UK tax code"),
        ("K0", "K codes run from K1 to K9999"),
        ("K10000", "K codes run from K1 to K9999"),
        ("0L", "has no allowance; the code for none is 0T"),
        ("D2", "does not exist this tax year; the codes of its kind are BR, D0, D1"),
        ("SD4", "the codes of its kind are SBR, SD0, SD1, SD2, SD3"),
        ("SNT", "NT has no S prefix"),
        ("1257L W2", "is not a UK tax code"),
        ("X1257L", "is not a UK tax code"),
        ("1257L 1", "is not a UK tax code"),
    ],
)
def test_invalid_tax_codes_are_refused_naming_the_field(typed, problem):
    with pytest.raises(InvalidIdentifier) as raised:
        rules().normalise_tax_code(typed)
    assert raised.value.field == "tax_code"
    assert problem in raised.value.message


# --- tax periods counted from 6 April -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pay_date", "frequency", "period"),
    [
        (date(2026, 4, 6), "monthly", 1),
        (date(2026, 5, 5), "monthly", 1),
        (date(2026, 5, 6), "monthly", 2),
        (date(2026, 12, 31), "monthly", 9),
        (date(2027, 4, 5), "monthly", 12),
        (date(2026, 4, 12), "weekly", 1),
        (date(2026, 4, 13), "weekly", 2),
        (date(2027, 4, 4), "weekly", 52),
        (date(2027, 4, 5), "weekly", 53),
        (date(2026, 4, 19), "fortnightly", 1),
        (date(2026, 4, 20), "fortnightly", 2),
        (date(2027, 4, 5), "fortnightly", 27),
        (date(2026, 5, 3), "four_weekly", 1),
        (date(2026, 5, 4), "four_weekly", 2),
        (date(2027, 4, 5), "four_weekly", 14),
    ],
)
def test_period_from_pay_date(pay_date, frequency, period):
    assert rules().period_for(pay_date, frequency) == period


def test_period_outside_the_year_or_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="pay_date: 2026-04-05 is not in tax year 2026-27"):
        rules().period_for(date(2026, 4, 5), "monthly")
    with pytest.raises(ValueError, match="frequency: 'daily' is not one of weekly, fortnightly, four_weekly, monthly"):
        rules().period_for(date(2026, 6, 1), "daily")


# --- employee checks and refused input --------------------------------------------------------------


def test_a_valid_employee_has_no_problems():
    assert rules().check_employee(employee(pension=scheme(), student_loan_plans=("2",), postgraduate_loan=True)) == {}


def test_check_employee_names_every_bad_field():
    problems = rules().check_employee(
        employee(
            tax_code="1257", ni_category="Q", student_loan_plans=("3",), pension=scheme("4", "2", "salary_sacrifice")
        )
    )
    assert set(problems) == {"tax_code", "ni_category", "student_loan_plans", "pension"}
    assert (
        "NI category Q is not one of A, B, C, D, E, F, H, I, J, K, L, M, N, S, V, X, Z in 2026-27"
        in problems["ni_category"][0]
    )
    assert any("at least 3%" in message for message in problems["pension"])
    assert any("at least 8%" in message for message in problems["pension"])
    assert any("salary_sacrifice is not one of" in message for message in problems["pension"])


def test_ni_category_labels_for_choice_lists():
    labels = rules().ni_categories()
    assert labels["H"] == "Apprentice under 25" and labels["C"] == "Over State Pension age"


def test_calculate_refuses_bad_input_naming_the_field():
    r = rules()
    good_period = PayrollPeriod("2026-27", "monthly", 3, date(2026, 6, 25))
    with pytest.raises(ValueError, match="^tax_code: "):
        r.calculate(employee(tax_code="ZZ"), good_period, D("100"), D("100"), YearToDate.zero())
    with pytest.raises(ValueError, match="^gross_pay: must be a Decimal of 0 or more"):
        r.calculate(employee(), good_period, D("-1"), D("0"), YearToDate.zero())
    with pytest.raises(ValueError, match="^gross_pay: must be a Decimal"):
        r.calculate(employee(), good_period, 100.0, D("0"), YearToDate.zero())
    with pytest.raises(ValueError, match="^pensionable_pay: cannot be more than gross_pay"):
        r.calculate(employee(), good_period, D("100"), D("101"), YearToDate.zero())
    with pytest.raises(ValueError, match="^period: monthly tax periods run from 1 to 12, not 13"):
        r.calculate(employee(), replace(good_period, period=13), D("100"), D("100"), YearToDate.zero())
    with pytest.raises(ValueError, match="^period: tax year '2025-26' is not '2026-27'"):
        r.calculate(employee(), replace(good_period, tax_year="2025-26"), D("100"), D("100"), YearToDate.zero())


def test_zero_pay_gives_zero_everything():
    result = calculate("0.00", emp=employee(pension=scheme(), student_loan_plans=("1",)))
    assert (
        result.income_tax,
        result.employee_ni,
        result.employer_ni,
        result.student_loan,
        result.pension_employee,
        result.net_pay,
    ) == (Decimal("0.00"),) * 5 + (Decimal("0.00"),)
    assert result.auto_enrolment == "entitled_worker"
