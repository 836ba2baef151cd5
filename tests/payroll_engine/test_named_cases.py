"""Named payroll cases, each with where its figures come from.

Where no public worked example exists the expected figures are worked by hand in the comment, from
the year's data file (plugins/jurisdictions/uk/payroll/years/2026-27.json) and the method of HMRC's
"Specification for PAYE Tax Table Routines" v24.0 (free pay per code block rounded up to the penny,
taxable pay to date rounded down to the pound, tax rounded down to the penny) and the exact
percentage NI method (SS(C)R 2001 reg. 12(1)). HMRC's own rows are cited by workbook, sheet and row.
"""

from datetime import date

import pytest

from plugins.jurisdictions.base import PreviousEmployment, YearToDate, apply_employment_allowance

from .helpers import D, calculate, employee, rules, scheme

# --- 1257L monthly at several salaries ---------------------------------------------------------


def test_1257l_monthly_hmrc_first_row():
    # HMRC 2026-27 rest of UK, Gen_cumul-mthly row 6: 1,156.25 on 1257L in month 1 -> tax 21.40.
    # Free pay 1257L monthly = ceil(2579/12) + 2 x ceil(5000/12) = 214.92 + 833.34 = 1,048.26.
    result = calculate("1156.25")
    assert result.income_tax == D("21.40")
    assert result.taxable_pay == D("1156.25")


@pytest.mark.parametrize(
    ("monthly_pay", "tax", "employee_ni", "employer_ni"),
    [
        # 24,000 a year: taxable 2,000 - 1,048.26 = 951.74 -> 951 x 20% = 190.20;
        # NI (2,000 - 1,048) x 8% = 76.16; employer (2,000 - 417) x 15% = 237.45.
        ("2000.00", "190.20", "76.16", "237.45"),
        # 36,000 a year: 3,000 - 1,048.26 -> 1,951 x 20% = 390.20; NI 1,952 x 8% = 156.16;
        # employer 2,583 x 15% = 387.45.
        ("3000.00", "390.20", "156.16", "387.45"),
        # 60,000 a year, over the higher-rate threshold: taxable 3,951; basic band to date 37,700/12 = 3,141.6666
        # (3,142 rounded up for the band test) -> 628.3333 + (3,951 - 3,141.6666) x 40% = 952.0666 -> 952.06.
        # NI (4,189 - 1,048) x 8% + (5,000 - 4,189) x 2% = 251.28 + 16.22 = 267.50; employer 4,583 x 15% = 687.45.
        ("5000.00", "952.06", "267.50", "687.45"),
    ],
)
def test_1257l_monthly_salaries(monthly_pay, tax, employee_ni, employer_ni):
    result = calculate(monthly_pay)
    assert (result.income_tax, result.employee_ni, result.employer_ni) == (D(tax), D(employee_ni), D(employer_ni))
    assert result.net_pay == D(monthly_pay) - D(tax) - D(employee_ni)
    assert result.employer_cost == D(monthly_pay) + D(employer_ni)


def test_a_year_of_monthly_pay_on_1257l_taxes_exactly_the_annual_figure():
    # 30,000 a year in 12 equal months: 1257L gives 12 x 1,048.26 = 12,579.12 of free pay (the code's
    # allowance of 12,579, the pence from rounding each month up), so 30,000 - 12,579.12 = 17,420.88 ->
    # 17,420 x 20% = 3,484.00 for the year.
    to_date = YearToDate.zero()
    for month in range(1, 13):
        result = calculate("2500.00", number=month, to_date=to_date)
        to_date = result.to_date
    assert to_date.tax == D("3484.00")
    assert to_date.gross_pay == D("30000.00")
    # NI: 12 x (2,500 - 1,048) x 8% = 12 x 116.16
    assert to_date.employee_ni == D("1393.92")


# --- K code and the regulatory limit -----------------------------------------------------------


def test_k_code_is_limited_to_half_the_pay_and_the_rest_is_collected_later():
    # Derived from PAYE spec v24 §4.5 (HMRC's rows never reach the limit, wave2-facts 1.4).
    # K2000 monthly: additional pay = ceil(5009/12) + 3 x 416.67 = 417.42 + 1,250.01 = 1,667.43.
    # Month 1, pay 1,000: taxable 2,667.43 -> 2,667 x 20% = 533.40; limit 50% x 1,000 = 500.00.
    first = calculate("1000.00", emp=employee(tax_code="K2000"))
    assert first.income_tax == D("500.00")
    assert any("regulatory limit" in note and "33.40" in note for note in first.notes)
    # Month 2: taxable 2,000 + 3,334.86 = 5,334 (band to date 6,283.3333) -> 1,066.80 due to date;
    # 1,066.80 - 500.00 = 566.80, limited again to 500.00: the carried 33.40 is still owed.
    second = calculate("1000.00", emp=employee(tax_code="K2000"), number=2, to_date=first.to_date)
    assert second.income_tax == D("500.00")
    assert second.to_date.tax == D("1000.00")


def test_hmrc_k_code_row_below_the_limit():
    # HMRC 2026-27 rest of UK, K_cumul_mthly row 6: K585, 895.00 in month 1 -> 276.60.
    assert calculate("895.00", emp=employee(tax_code="K585")).income_tax == D("276.60")


# --- week 1 / month 1, BR, D0, Scotland --------------------------------------------------------


def test_month1_basis_ignores_the_year_to_date():
    # 1257L M1 in month 6 with 2,000: taxed as month 1 alone: 951 x 20% = 190.20 whatever went before
    # (PAYE spec v24 §8; compare HMRC Gen_W1M1_mthly, which uses 45L).
    earlier = YearToDate(gross_pay=D("5000"), taxable_pay=D("5000"), tax=D("0"))
    result = calculate("2000.00", emp=employee(week1_month1=True), number=6, to_date=earlier)
    assert result.income_tax == D("190.20")
    assert result.tax_code == "1257L M1"
    assert result.to_date.tax == D("190.20")


def test_typed_basis_marker_counts_as_week1_month1():
    assert rules().normalise_tax_code(" 1257l  w1 ") == ("1257L", True)
    weekly = calculate(
        "600.00",
        emp=employee(tax_code="1257L W1"),
        number=20,
        frequency="weekly",
        to_date=YearToDate(taxable_pay=D("9000"), tax=D("1500")),
    )
    # week 1 alone: free pay ceil(2579/52) + 2 x ceil(5000/52) = 49.60 + 192.32 = 241.92; 358 x 20% = 71.60
    assert weekly.income_tax == D("71.60")


def test_br_taxes_all_pay_at_the_basic_rate():
    # HMRC 2026-27 rest of UK, BR_monthly row 6: 2,870.55 -> 574.00 (2,870 x 20%).
    assert calculate("2870.55", emp=employee(tax_code="BR")).income_tax == D("574.00")


def test_d0_taxes_all_pay_at_the_higher_rate():
    # HMRC 2026-27 rest of UK, Gen_W1M1_wkly: D0 week 1 on 101.99 -> 40.40 (101 x 40%).
    result = calculate("101.99", emp=employee(tax_code="D0", week1_month1=True), frequency="weekly")
    assert result.income_tax == D("40.40")


def test_scottish_s_code_uses_the_scottish_bands():
    # HMRC 2026-27 Scottish v1.1, Gen_cumul_mthly row 6: S1257L, 1,156.25 -> 20.33
    # (107 of taxable pay at 19%, the starter rate, rounded down), where rest of UK gives 21.40.
    assert calculate("1156.25", emp=employee(tax_code="S1257L")).income_tax == D("20.33")
    # Scottish D codes: SD2 is 45% (HMRC Scottish Gen_W1M1_mthly: SD2 on 1,450.03 -> 652.50).
    assert calculate("1450.03", emp=employee(tax_code="SD2", week1_month1=True)).income_tax == D("652.50")


def test_welsh_c_code_matches_rest_of_uk_rates():
    # HMRC 2026-27 Welsh v1.0, Gen_cumul_mthly row 6: C1257L 1,156.25 -> 21.40.
    assert calculate("1156.25", emp=employee(tax_code="C1257L")).income_tax == D("21.40")


def test_nt_code_refunds_everything_taken_this_year():
    # HMRC 2026-27 rest of UK, Gen_cumul-mthly row 15: NT in month 10 after 38,434.60 of tax -> -38,434.60.
    to_date = YearToDate(gross_pay=D("192173.73"), taxable_pay=D("192173.73"), tax=D("38434.60"))
    result = calculate("11245.05", emp=employee(tax_code="NT"), number=10, to_date=to_date)
    assert result.income_tax == D("-38434.60")
    assert result.to_date.tax == D("0.00")


def test_week_53_is_taxed_on_the_week1_basis():
    # PAYE spec: week 53 pay is taxed non-cumulatively. 2027-04-05 is in week 53 of 2026-27.
    assert rules().period_for(date(2027, 4, 5), "weekly") == 53
    result = calculate(
        "600.00", number=53, frequency="weekly", to_date=YearToDate(taxable_pay=D("31200"), tax=D("3735"))
    )
    assert result.income_tax == D("71.60")
    assert any("week 1 basis" in note for note in result.notes)


# --- a mid-year starter with a P45 -------------------------------------------------------------


def test_mid_year_starter_with_p45_carries_pay_and_tax_forward():
    # GOV.UK 'Get employee information': a P45 from this tax year gives the code and the pay and
    # tax to date. Left 31 Aug 2026 on 1257L with 15,000 pay and 1,800 tax; starts here 14 Sep 2026.
    setup = rules().starter(
        date(2026, 9, 14),
        None,
        PreviousEmployment(
            leaving_date=date(2026, 8, 31),
            tax_code="1257L",
            week1_month1=False,
            pay_to_date=D("15000.00"),
            tax_to_date=D("1800.00"),
        ),
    )
    assert (setup.tax_code, setup.week1_month1) == ("1257L", False)
    assert setup.to_date.taxable_pay == D("15000.00") and setup.to_date.tax == D("1800.00")
    # First pay here, month 6 (6 Sep - 5 Oct), 2,500: pay to date 17,500 - 6 x 1,048.26 = 11,210.44
    # -> 11,210 x 20% = 2,242.00 due to date, less 1,800.00 already paid = 442.00.
    result = calculate("2500.00", number=6, to_date=setup.to_date)
    assert result.income_tax == D("442.00")
    assert result.to_date.gross_pay == D("17500.00")


def test_p45_on_week1_month1_gives_its_code_without_its_figures():
    setup = rules().starter(
        date(2026, 9, 14), None, PreviousEmployment(date(2026, 8, 31), "1100L", True, D("15000.00"), D("1800.00"))
    )
    assert (setup.tax_code, setup.week1_month1, setup.to_date) == ("1100L", True, YearToDate.zero())


@pytest.mark.parametrize(
    ("declaration", "code", "week1"),
    # HMRC starter checklist statements (taxtuneaccountants.co.uk summary of GOV.UK):
    # A -> 1257L cumulative, B -> 1257L week 1 / month 1, C -> BR.
    [("A", "1257L", False), ("B", "1257L", True), ("C", "BR", False)],
)
def test_starter_checklist_statement_sets_the_code(declaration, code, week1):
    setup = rules().starter(date(2026, 5, 1), declaration)
    assert (setup.tax_code, setup.week1_month1, setup.to_date) == (code, week1, YearToDate.zero())


def test_old_p45_and_no_statement_gives_0t_week1():
    # A P45 from an earlier tax year cannot be used; with no statement, 0T week 1 / month 1
    # (rossmartin.co.uk 'PAYE codes: starters and leavers'; guvnor.ai starter without P45).
    setup = rules().starter(
        date(2026, 5, 1), None, PreviousEmployment(date(2026, 3, 20), "1257L", False, D("20000"), D("2000"))
    )
    assert (setup.tax_code, setup.week1_month1) == ("0T", True)
    assert setup.to_date == YearToDate.zero()
    assert (
        rules()
        .starter(date(2026, 5, 1), "A", PreviousEmployment(date(2026, 3, 20), "1257L", False, D("20000"), D("2000")))
        .tax_code
        == "1257L"
    )


# --- NI categories ---------------------------------------------------------------------------


def test_category_c_over_state_pension_age_pays_no_employee_ni():
    # 2026-27 file: category C has no employee slices; employer 15% above the ST of 417 a month.
    result = calculate("2500.00", emp=employee(ni_category="C", date_of_birth=date(1958, 6, 1)))
    assert result.employee_ni == D("0.00")
    assert result.employer_ni == D("312.45")  # (2,500 - 417) x 15%


def test_category_h_apprentice_under_25_no_employer_ni_up_to_the_aust():
    # Apprentice under 25: employee as A, employer 0% up to the AUST of 4,189 a month.
    result = calculate("2500.00", emp=employee(ni_category="H", date_of_birth=date(2005, 2, 1)))
    assert result.employee_ni == D("116.16")  # (2,500 - 1,048) x 8%
    assert result.employer_ni == D("0.00")


def test_category_m_under_21_employer_pays_only_above_the_ust():
    result = calculate("5000.00", emp=employee(ni_category="M", date_of_birth=date(2007, 1, 1)))
    assert result.employee_ni == D("267.50")
    assert result.employer_ni == D("121.65")  # (5,000 - 4,189) x 15%


def test_a_category_letter_that_no_longer_fits_the_age_is_flagged():
    # M is for under-21s: born 1 May 2005, 21 on 1 May 2026, so a June 2026 payslip on M gets a note.
    late_m = calculate("2000.00", emp=employee(ni_category="M", date_of_birth=date(2005, 5, 1)), number=3)
    assert "Category M is for employees under 21; this employee is 21" in late_m.notes
    # Reached State Pension age (born 1 Jan 1959, age 66 before 2026) but still on A.
    pensioner = calculate("2000.00", emp=employee(date_of_birth=date(1959, 1, 1)), number=3)
    assert any("category C (no employee NI) applies" in note for note in pensioner.notes)
    assert pensioner.auto_enrolment == "non_eligible_jobholder"
    assert calculate("2000.00").notes == ()


def test_category_b_and_j_reduced_employee_rates():
    assert calculate("2500.00", emp=employee(ni_category="B")).employee_ni == D("26.86")  # 1,452 x 1.85% = 26.862
    assert calculate("2500.00", emp=employee(ni_category="J")).employee_ni == D("29.04")  # 1,452 x 2%


def test_ni_half_penny_is_disregarded():
    # SS(C)R 2001 reg. 12(1): round to the nearest penny disregarding 0.005 or less. Employer NI on
    # 417.10 a month: 0.10 x 15% = 0.015 -> 0.01 (half-up rounding would give 0.02).
    assert calculate("417.10").employer_ni == D("0.01")


def test_ni_earnings_are_split_for_the_p60():
    result = calculate("2000.00")
    assert result.ni_earnings == {"at_lel": D("559"), "lel_to_pt": D("489"), "pt_to_uel": D("952")}
    assert calculate("400.00").ni_earnings == {"at_lel": D("0"), "lel_to_pt": D("0"), "pt_to_uel": D("0")}


def test_2025_26_uses_its_own_lower_earnings_limit():
    # 2025-26 LEL 542 a month (wave2-facts 1.1): the only NI threshold that moved for 2026-27.
    assert calculate("2000.00", tax_year="2025-26").ni_earnings["at_lel"] == D("542")


# --- student loans ---------------------------------------------------------------------------


def test_plan_2_student_loan_monthly():
    # Plan 2 2026-27: 29,385 / 12 = 2,448.75 a month; (3,000 - 2,448.75) x 9% = 49.61 -> 49 (rounded down).
    result = calculate("3000.00", emp=employee(student_loan_plans=("2",)))
    assert result.student_loan == D("49.00")
    assert result.net_pay == D("3000.00") - D("390.20") - D("156.16") - D("49.00")


def test_plan_2_threshold_differs_in_2025_26():
    # 2025-26 Plan 2: 28,470 / 12 = 2,372.50; (3,000 - 2,372.50) x 9% = 56.47 -> 56.
    assert calculate("3000.00", emp=employee(student_loan_plans=("2",)), tax_year="2025-26").student_loan == D("56.00")


def test_postgraduate_loan_alongside_plan_1():
    # PGL 21,000 / 12 = 1,750: (3,000 - 1,750) x 6% = 75; Plan 1 26,900 / 12 = 2,241.66: 758.34 x 9% = 68.25 -> 68.
    result = calculate("3000.00", emp=employee(student_loan_plans=("1",), postgraduate_loan=True))
    assert (result.student_loan, result.postgraduate_loan) == (D("68.00"), D("75.00"))


def test_no_student_loan_below_the_threshold_and_plan_5_only_from_2026():
    assert calculate("2000.00", emp=employee(student_loan_plans=("5",))).student_loan == D("0.00")
    assert "student_loan_plans" in rules("2025-26").check_employee(employee(student_loan_plans=("5",)))


# --- pensions and auto-enrolment ---------------------------------------------------------------


def test_auto_enrolment_assessment_by_age_and_earnings():
    # Pensions Act 2008 categories as TPR sets them out; TPR thresholds 2026-27 monthly: trigger 833, lower limit 520.
    r = rules()
    on = date(2026, 6, 25)
    assert r.auto_enrolment_status(date(1991, 3, 14), on, D("833.01"), "monthly") == "eligible_jobholder"
    assert r.auto_enrolment_status(date(1991, 3, 14), on, D("833.00"), "monthly") == "non_eligible_jobholder"
    assert r.auto_enrolment_status(date(2006, 1, 1), on, D("2000"), "monthly") == "non_eligible_jobholder"  # 20
    assert r.auto_enrolment_status(date(1991, 3, 14), on, D("520.00"), "monthly") == "entitled_worker"
    assert r.auto_enrolment_status(date(2011, 1, 1), on, D("2000"), "monthly") == "outside_age_range"  # 15
    # Born 10 July 1960: State Pension age 66 years 4 months = 10 Nov 2026.
    assert r.state_pension_date(date(1960, 7, 10)) == date(2026, 11, 10)
    assert r.auto_enrolment_status(date(1960, 7, 10), on, D("2000"), "monthly") == "eligible_jobholder"
    assert r.auto_enrolment_status(date(1960, 7, 10), date(2026, 11, 25), D("2000"), "monthly") == (
        "non_eligible_jobholder"
    )


def test_pension_on_qualifying_earnings_net_pay_reduces_taxable_pay():
    # Qualifying earnings 2,500 - 520 = 1,980: employee 5% = 99.00, employer 3% = 59.40.
    # Net pay arrangement: taxable pay 2,401.00 -> 2,401 - 1,048.26 -> 1,352 x 20% = 270.40.
    result = calculate("2500.00", emp=employee(pension=scheme()))
    assert result.auto_enrolment == "eligible_jobholder"
    assert (result.pension_employee, result.pension_employer) == (D("99.00"), D("59.40"))
    assert result.taxable_pay == D("2401.00")
    assert result.income_tax == D("270.40")
    assert result.employee_ni == D("116.16")  # NI is not reduced by the pension
    assert result.net_pay == D("2500.00") - D("270.40") - D("116.16") - D("99.00")


def test_relief_at_source_deducts_the_net_contribution_after_tax():
    # Relief at source: 99.00 gross contribution, the member pays 80% = 79.20; tax on the full 2,500 = 290.20.
    result = calculate("2500.00", emp=employee(pension=scheme(arrangement="relief_at_source")))
    assert result.pension_employee == D("79.20")
    assert result.income_tax == D("290.20")


def test_qualifying_earnings_are_capped_at_the_upper_limit():
    # 6,000 a month: qualifying earnings 4,189 - 520 = 3,669 -> 5% = 183.45.
    assert calculate("6000.00", emp=employee(pension=scheme())).pension_employee == D("183.45")


def test_non_eligible_jobholder_contributes_only_after_opting_in():
    emp = employee(pension=scheme(), date_of_birth=date(2007, 1, 1))  # 19: not eligible
    assert calculate("2000.00", emp=emp).pension_employee == D("0.00")
    joined = employee(pension=scheme(), date_of_birth=date(2007, 1, 1), pension_member=True)
    assert calculate("2000.00", emp=joined).pension_employee == D("74.00")  # (2,000 - 520) x 5%


def test_opt_out_refund_within_the_month():
    # TPR detailed guidance no. 7: one calendar month beginning with the later of enrolment and the
    # information date; inside it every contribution comes back. Enrolled 25 May: window ends 24 June.
    r = rules()
    to_date = YearToDate(pension_employee=D("198.00"), pension_employer=D("118.80"))
    refund = r.opt_out_refund(date(2026, 5, 25), date(2026, 6, 10), to_date)
    assert (refund.within_window, refund.window_ends) == (True, date(2026, 6, 24))
    assert (refund.employee_refund, refund.employer_refund) == (D("198.00"), D("118.80"))
    late = r.opt_out_refund(date(2026, 5, 25), date(2026, 6, 25), to_date)
    assert (late.within_window, late.employee_refund) == (False, D("0.00"))
    # The refund goes back through the next pay: under net pay it is taxable again.
    opted_out = employee(pension=scheme(), pension_opted_out=True)
    result = calculate(
        "2500.00",
        emp=opted_out,
        number=3,
        pension_refund=refund.employee_refund,
        to_date=YearToDate(
            gross_pay=D("5000"),
            taxable_pay=D("4802"),
            tax=D("540.80"),
            pension_employee=D("198.00"),
            pension_employer=D("118.80"),
        ),
    )
    assert result.pension_employee == D("-198.00")
    assert result.taxable_pay == D("2698.00")
    assert result.to_date.pension_employee == D("0.00")
    assert result.net_pay == D("2500.00") - result.income_tax - result.employee_ni + D("198.00")


# --- employment allowance --------------------------------------------------------------------


def test_employment_allowance_is_used_up_across_the_year():
    # 10,500 for 2026-27 (wave2-facts 1.1): runs of 4,000 employer NI use 4,000, 4,000, then 2,500.
    remaining = rules().employment_allowance()
    assert remaining == D("10500")
    used = []
    for _ in range(4):
        step = apply_employment_allowance(remaining, D("4000.00"))
        used.append(step.used)
        remaining = step.remaining
    assert used == [D("4000.00"), D("4000.00"), D("2500.00"), D("0")]
    assert step.employer_ni_due == D("4000.00")
