"""Builders for the Italian payroll rule pack tests."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from plugins.jurisdictions.it.payroll import (
    ItalianEmployee,
    ItalianEmployer,
    ItalianYearToDate,
    PayItems,
    payroll_pack,
)

D = Decimal


def rules(year: str = "2025"):
    return payroll_pack.rules(year)


def worker(**changes) -> ItalianEmployee:
    """A full-time C1 worker on a permanent contract in Bologna since 2024, no dependants."""
    base = ItalianEmployee(codice_fiscale="RSSMRA85T10A562S", ccnl_level="C1", contract="indeterminato",
                           part_time_percent=D(100), region="emilia-romagna", comune="bologna",
                           start_date=date(2024, 3, 1))
    return replace(base, **changes)


COOP_A = ItalianEmployer(type_b=False, employer_inps_percent=D("28.98"), inail_percent=D("1.00"))
COOP_B = ItalianEmployer(type_b=True, employer_inps_percent=D("28.98"), inail_percent=D("1.00"))


def year(employee, employer=COOP_A, *, year="2025", extra=None, months=range(1, 13), to_date=None):
    """Run ``months`` of the year for ``employee``: CCNL basic pay, the quattordicesima in June, the tredicesima
    in December, ``extra`` {month: PayItems changes}. Returns the results by month."""
    r = rules(year)
    to_date = to_date or ItalianYearToDate()
    results = {}
    for month in months:
        pay = PayItems(basic=r.basic_pay_of(employee, month), seniority=employee.seniority_pay)
        if month == 6:
            pay = replace(pay, quattordicesima=r.quattordicesima(employee, 6))
        if month == 12:
            pay = replace(pay, tredicesima=r.tredicesima(employee, r.months_for_tredicesima(employee)))
        if extra and month in extra:
            pay = replace(pay, **extra[month])
        results[month] = r.calculate_month(employee, employer, month, pay, to_date)
        to_date = results[month].to_date
    return results
