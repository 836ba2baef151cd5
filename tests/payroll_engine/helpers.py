"""Shared builders for the UK payroll rule pack tests."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from plugins.jurisdictions.base import PayrollEmployee, PayrollPeriod, PensionScheme, YearToDate, get_jurisdiction

D = Decimal


def rules(tax_year: str = "2026-27"):
    """The UK rules of ``tax_year``, looked up as the app does."""
    return get_jurisdiction("uk").payroll_rules(tax_year)


def employee(**changes) -> PayrollEmployee:
    """A 35-year-old on 1257L, category A, no loans, no pension; ``changes`` override fields."""
    base = PayrollEmployee(
        tax_code="1257L",
        week1_month1=False,
        ni_category="A",
        student_loan_plans=(),
        postgraduate_loan=False,
        date_of_birth=date(1991, 3, 14),
        pension=None,
        pension_opted_out=False,
    )
    return replace(base, **changes)


def scheme(employee_percent="5", employer_percent="3", arrangement="net_pay") -> PensionScheme:
    return PensionScheme(D(employee_percent), D(employer_percent), arrangement)


def period(number: int, frequency: str = "monthly", tax_year: str = "2026-27") -> PayrollPeriod:
    """Tax period ``number`` with a pay date inside it."""
    year_rules = rules(tax_year)
    if frequency == "monthly":
        start = year_rules.starts
        month = (start.month - 1 + number - 1) % 12 + 1
        year = start.year + (start.month - 1 + number - 1) // 12
        pay_date = date(year, month, 25 if month != 4 or number != 13 else 5)
    else:
        weeks = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}[frequency]
        pay_date = year_rules.starts.fromordinal(year_rules.starts.toordinal() + (number - 1) * 7 * weeks)
    assert year_rules.period_for(pay_date, frequency) == number
    return PayrollPeriod(tax_year, frequency, number, pay_date)


def calculate(
    pay, *, emp=None, number=1, frequency="monthly", to_date=None, pensionable=None, tax_year="2026-27", **kwargs
):
    """One period's result for ``pay`` (a string or Decimal)."""
    pay = D(str(pay))
    return rules(tax_year).calculate(
        emp or employee(),
        period(number, frequency, tax_year),
        pay,
        pay if pensionable is None else D(str(pensionable)),
        to_date or YearToDate.zero(),
        **kwargs,
    )
