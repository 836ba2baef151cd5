"""UK payroll rule pack: PAYE, Class 1 NI, student loans, auto-enrolment pensions, starters.

Implements :class:`plugins.jurisdictions.base.PayrollRules` for each tax year that has a
data file in ``years/`` (figures with their sources; see ``docs/payroll.md``). Pure
Python and Decimal: no database, no Flask. Reached as
``get_jurisdiction("uk").payroll_rules("2026-27")``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from plugins.jurisdictions.base import (
    PAY_FREQUENCIES,
    PENSION_ARRANGEMENTS,
    STARTER_DECLARATIONS,
    ZERO,
    InvalidIdentifier,
    LocalText,
    NoPayrollRules,
    OptOutRefund,
    PayrollEmployee,
    PayrollPeriod,
    PayrollResult,
    PayrollRulesDefaults,
    PreviousEmployment,
    StarterSetup,
    YearToDate,
)

from .data import NiBand, YearData, load_years
from .paye import HUNDRED, PENNY, POUND, TaxCode, parse_tax_code, tax_for_period
from .texts import _t

THOUSANDTH = Decimal("0.001")

#: Weeks in one period of each weekly-based frequency; the spec works these on week numbers.
_WEEKS = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}

# HMRC National Insurance Manual NIM39110 (gov.uk/hmrc-internal-manuals/national-insurance-manual/nim39110):
# two prefix letters, six digits, suffix A-D; D, F, I, Q, U, V never first or second letter,
# O never second; BG, GB, KN, NK, NT, TN, ZZ never used; CR, FY, MW, NC (and OO, refused
# by the O rule) are administrative references, not NI numbers.
_NINO = re.compile(r"([A-Z]{2})(\d{6})([A-D])")
_NINO_BAD_LETTERS = set("DFIQUV")
_NINO_NEVER_ISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
_NINO_ADMINISTRATIVE = {"CR", "FY", "MW", "NC"}


def validate_ni_number(value: str) -> str:
    """The NI number compacted ("AB123456C") or :class:`InvalidIdentifier` for field "ni_number"."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier("ni_number", _t("NI number is empty"))
    compact = "".join(value.upper().split())
    match = _NINO.fullmatch(compact)
    if match is None:
        raise InvalidIdentifier(
            "ni_number",
            _t("NI number must be 2 letters, 6 digits and a final letter A, B, C or D (e.g. AB 12 34 56 C)"),
        )
    prefix = match[1]
    if prefix[0] in _NINO_BAD_LETTERS or prefix[1] in _NINO_BAD_LETTERS | {"O"}:
        raise InvalidIdentifier(
            "ni_number",
            _t(
                "NI number prefix %(prefix)s is never issued: D, F, I, Q, U and V are not used, "
                "nor O as the second letter",
                prefix=prefix,
            ),
        )
    if prefix in _NINO_NEVER_ISSUED or prefix in _NINO_ADMINISTRATIVE:
        raise InvalidIdentifier(
            "ni_number", _t("NI number prefix %(prefix)s is never issued to a person", prefix=prefix)
        )
    return compact


def _round_ni(amount: Decimal) -> Decimal:
    # NI is rounded to the nearest penny, disregarding amounts of 0.005 or less
    # (SS(C)R 2001 reg. 12(1); HMRC NIM11002). HMRC's own test data cuts the amount to three
    # decimal places first (0.0056 -> 0.00, 0.0062 -> 0.01), then half a penny rounds down.
    return amount.quantize(THOUSANDTH, rounding=ROUND_DOWN).quantize(PENNY, rounding=ROUND_HALF_DOWN)


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class UkPayrollRules(PayrollRulesDefaults):
    """One UK tax year's payroll rules (see :class:`plugins.jurisdictions.base.PayrollRules`)."""

    def __init__(self, data: YearData) -> None:
        self.data = data
        self.tax_year = data.tax_year
        self.starts = data.starts
        self.ends = data.ends
        self.fingerprint = data.fingerprint
        self.source_file = f"plugins/jurisdictions/uk/payroll/years/{data.file_name}"
        self._flat_codes = {name: region.flat_codes for name, region in data.regions.items()}
        self._codes: dict[str, TaxCode] = {}
        self._valid: set[PayrollEmployee] = set()
        # Nobody reaches State Pension age younger than this, so younger people skip the timetable.
        self._earliest_pension_age = min(rule.years for rule in data.pension_ages)

    def __repr__(self) -> str:
        return f"UkPayrollRules({self.tax_year!r})"

    # --- periods ---------------------------------------------------------------------------

    def periods_in_year(self, frequency: str) -> int:
        """Regular periods of ``frequency`` in a tax year."""
        self._check_frequency(frequency)
        return PAY_FREQUENCIES[frequency]

    def period_for(self, pay_date: date, frequency: str) -> int:
        """The tax period of a payment on ``pay_date``: month 1 is 6 April to 5 May, week 1 is 6 to 12 April.

        Weekly pay can fall in week 53 (and fortnightly in period 27, four-weekly in 14)
        at the end of the year; such pay is taxed on the week 1 basis.
        """
        self._check_frequency(frequency)
        if not self.starts <= pay_date <= self.ends:
            raise ValueError(f"pay_date: {pay_date.isoformat()} is not in tax year {self.tax_year}")
        if frequency == "monthly":
            months = relativedelta(pay_date, self.starts)
            return months.years * 12 + months.months + 1
        return (pay_date - self.starts).days // (7 * _WEEKS[frequency]) + 1

    def _check_frequency(self, frequency: str) -> None:
        if frequency not in PAY_FREQUENCIES:
            raise ValueError(f"frequency: {frequency!r} is not one of {', '.join(PAY_FREQUENCIES)}")

    # --- codes and identifiers -------------------------------------------------------------

    def validate_ni_number(self, value: str) -> str:
        """The NI number compacted, or :class:`InvalidIdentifier` (field "ni_number")."""
        return validate_ni_number(value)

    def parse_tax_code(self, value: str) -> TaxCode:
        """The parsed tax code, or :class:`InvalidIdentifier` (field "tax_code")."""
        code = self._codes.get(value)
        if code is None:
            code = parse_tax_code(value, self._flat_codes)
            if len(self._codes) < 10_000:  # a pay run repeats a handful of codes: keep the parsed ones
                self._codes[value] = code
        return code

    def normalise_tax_code(self, value: str) -> tuple[str, bool]:
        """``(code, week1_month1)`` from a code as typed, e.g. "s1257l m1" -> ("S1257L", True)."""
        code = self.parse_tax_code(value)
        return code.text, code.week1_month1

    def ni_category_label(self, letter: str) -> str:
        """The English label of an NI category letter this year."""
        return self.data.ni_categories[letter].label

    def ni_categories(self) -> dict[str, str]:
        """Every NI category letter of this year with its label: English as a ``str``, Italian through
        ``LocalText.in_language("it")`` (the labels are in the data file; their Italian in ``translations/``)."""
        return {letter: _t(category.label) for letter, category in self.data.ni_categories.items()}

    def state_pension_date(self, born: date) -> date:
        """The day someone born on ``born`` reaches State Pension age (Pensions Act 2014 timetable)."""
        for rule in self.data.pension_ages:
            if born < rule.born_before:
                return born + relativedelta(years=rule.years, months=rule.months)
        raise ValueError(
            f"date_of_birth: {born.isoformat()} is after the State Pension age timetable in {self.source_file}"
        )

    def check_employee(self, employee: PayrollEmployee) -> dict[str, list[str]]:
        """Problems with ``employee`` by field; empty when the employee can be paid this year."""
        problems: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            problems.setdefault(field, []).append(message)

        try:
            self.parse_tax_code(employee.tax_code)
        except InvalidIdentifier as exc:
            add("tax_code", exc.message)
        if employee.ni_category not in self.data.ni_categories:
            add(
                "ni_category",
                _t(
                    "NI category %(category)s is not one of %(known)s in %(year)s",
                    category=employee.ni_category,
                    known=", ".join(self.data.ni_categories),
                    year=self.tax_year,
                ),
            )
        for plan in employee.student_loan_plans:
            if plan not in self.data.loan_plans:
                add(
                    "student_loan_plans",
                    _t(
                        "Student loan plan %(plan)s is not one of %(known)s in %(year)s",
                        plan=plan,
                        known=", ".join(self.data.loan_plans),
                        year=self.tax_year,
                    ),
                )
        if len(set(employee.student_loan_plans)) != len(employee.student_loan_plans):
            add("student_loan_plans", _t("A student loan plan is listed twice"))
        if not isinstance(employee.date_of_birth, date):
            add("date_of_birth", _t("Date of birth is needed for the auto-enrolment and NI age rules"))
        elif employee.date_of_birth >= self.ends:
            add(
                "date_of_birth",
                _t(
                    "Date of birth %(date)s is not before the end of the tax year",
                    date=employee.date_of_birth.isoformat(),
                ),
            )
        scheme = employee.pension
        if scheme is not None:
            if scheme.arrangement not in PENSION_ARRANGEMENTS:
                add(
                    "pension",
                    _t(
                        "Pension arrangement %(arrangement)s is not one of %(known)s",
                        arrangement=scheme.arrangement,
                        known=", ".join(PENSION_ARRANGEMENTS),
                    ),
                )
            for percent in (scheme.employee_percent, scheme.employer_percent):
                if not isinstance(percent, Decimal) or not 0 <= percent <= 100:
                    add("pension", _t("Pension percentages must be from 0 to 100"))
            if isinstance(scheme.employer_percent, Decimal) and isinstance(scheme.employee_percent, Decimal):
                if scheme.employer_percent < self.data.minimum_employer_percent:
                    add(
                        "pension",
                        _t(
                            "The employer must pay at least %(percent)s%% of qualifying earnings "
                            "(auto-enrolment minimum)",
                            percent=str(self.data.minimum_employer_percent),
                        ),
                    )
                if scheme.employer_percent + scheme.employee_percent < self.data.minimum_total_percent:
                    add(
                        "pension",
                        _t(
                            "Employee and employer together must pay at least %(percent)s%% of qualifying earnings "
                            "(auto-enrolment minimum)",
                            percent=str(self.data.minimum_total_percent),
                        ),
                    )
        return problems

    # --- new starters ----------------------------------------------------------------------

    def starter(
        self, start_date: date, declaration: str | None, previous: PreviousEmployment | None = None
    ) -> StarterSetup:
        """The starting code, basis and brought-forward figures for a new employee.

        Rules (GOV.UK 'Get employee information' and 'Late P45' pages; HMRC starter
        checklist; summarised by rpgcrouchchapman.co.uk and taxtuneaccountants.co.uk):
        a P45 whose leaving date is in THIS tax year gives the code and basis to use, and
        on the cumulative basis its pay and tax to date are carried forward (a week 1 /
        month 1 code starts afresh). A P45 from an earlier year cannot be used: the starter
        checklist decides, as with no P45: statement A (first job since 6 April) the
        emergency code cumulatively, B (had another job or benefits since 6 April) the
        emergency code week 1 / month 1, C (has another job or a pension) BR
        cumulatively. With neither a usable P45 nor a statement: 0T week 1 / month 1.
        """
        emergency = self.data.emergency_code
        if previous is not None and self.starts <= previous.leaving_date <= self.ends:
            if previous.leaving_date > start_date:
                raise InvalidIdentifier("previous", _t("The P45 leaving date is after the start date here"))
            if previous.pay_to_date < 0 or previous.tax_to_date < 0:
                raise InvalidIdentifier("previous", _t("P45 pay and tax to date cannot be negative"))
            code, week1 = self.normalise_tax_code(previous.tax_code)
            week1 = week1 or previous.week1_month1
            if week1:
                return StarterSetup(
                    code,
                    True,
                    YearToDate.zero(),
                    _t("P45 from this tax year on a week 1 / month 1 basis: its code without its figures"),
                )
            to_date = YearToDate(
                gross_pay=previous.pay_to_date, taxable_pay=previous.pay_to_date, tax=previous.tax_to_date
            )
            return StarterSetup(
                code, False, to_date, _t("P45 from this tax year: its code, pay and tax to date carried forward")
            )
        if declaration is None:
            reason = _t("No starter checklist statement: 0T on a week 1 / month 1 basis")
            if previous is not None:
                reason = _t(
                    "P45 from an earlier tax year and no starter checklist statement: 0T on a week 1 / month 1 basis"
                )
            return StarterSetup("0T", True, YearToDate.zero(), reason)
        if declaration not in STARTER_DECLARATIONS:
            raise InvalidIdentifier(
                "declaration", _t("Starter statement must be A, B or C, not %(value)s", value=declaration)
            )
        code, week1, reason = {
            "A": (
                emergency,
                False,
                _t("Starter checklist statement A (first job since 6 April): emergency code, cumulative"),
            ),
            "B": (
                emergency,
                True,
                _t(
                    "Starter checklist statement B (another job or benefits earlier this tax "
                    "year): emergency code, week 1 / month 1"
                ),
            ),
            "C": ("BR", False, _t("Starter checklist statement C (another job or a pension now): BR")),
        }[declaration]
        return StarterSetup(code, week1, YearToDate.zero(), reason)

    # --- the calculation -------------------------------------------------------------------

    def employment_allowance(self) -> Decimal:
        """The year's employment allowance (offset against employer NI with ``apply_employment_allowance``)."""
        return self.data.employment_allowance

    def auto_enrolment_status(self, born: date, on: date, earnings: Decimal, frequency: str) -> str:
        """The worker's category for this pay reference period (Pensions Act 2008, as TPR guidance sets it out).

        Eligible jobholder: aged 22 to State Pension age and earning more than the trigger;
        non-eligible jobholder: aged 16 to 74 earning more than the lower qualifying limit;
        entitled worker: aged 16 to 74 earning no more than that; anyone younger than 16 or
        75 and over is outside the duties ("outside_age_range").
        """
        age = _age_on(born, on)
        if age < self.data.jobholder_min_age or age > self.data.jobholder_max_age:
            return "outside_age_range"
        if (
            age >= self.data.eligible_min_age
            and (age < self._earliest_pension_age or on < self.state_pension_date(born))
            and earnings > self.data.ae_trigger[frequency]
        ):
            return "eligible_jobholder"
        if earnings > self.data.ae_lower[frequency]:
            return "non_eligible_jobholder"
        return "entitled_worker"

    def category_age_note(self, letter: str, born: date, on: date) -> LocalText | None:
        """A note when the NI category letter no longer fits the employee's age on the pay date.

        HMRC's category letters (gov.uk 'National Insurance category letters', as listed by
        shapepayroll.co.uk and burton-sweet.co.uk): M and Z are for employees under 21, H for
        apprentices under 25, C for employees over State Pension age, X for those who pay no NI
        such as under-16s (S and K are the freeport and investment zone letters for C). The
        letter stays the clerk's choice; the note says when to change it.
        """
        age = _age_on(born, on)
        over_pension_age = age >= self._earliest_pension_age and on >= self.state_pension_date(born)
        if letter in ("M", "Z") and age >= 21:
            return _t("Category %(letter)s is for employees under 21; this employee is %(age)s", letter=letter, age=age)
        if letter == "H" and age >= 25:
            return _t("Category H is for apprentices under 25; this employee is %(age)s", age=age)
        if letter in ("C", "S", "K") and not over_pension_age:
            return _t(
                "Category %(letter)s is for employees over State Pension age, which this employee has not reached",
                letter=letter,
            )
        if letter not in ("C", "S", "K", "X") and over_pension_age:
            return _t("This employee has reached State Pension age: category C (no employee NI) applies")
        if letter == "X" and age >= 16:
            return _t("Category X is for employees who pay no NI, such as under-16s; this employee is %(age)s", age=age)
        return None

    def qualifying_earnings(self, pensionable_pay: Decimal, frequency: str) -> Decimal:
        """The period's pay between the lower and upper qualifying-earnings limits."""
        lower, upper = self.data.ae_lower[frequency], self.data.ae_upper[frequency]
        return min(max(pensionable_pay, lower), upper) - lower

    def _ni(self, bands: tuple[NiBand, ...], earnings: Decimal, thresholds: dict[str, Decimal]) -> Decimal:
        # Exact percentage method: each slice of the period's earnings times its rate, each
        # slice rounded as below and the slices added (employee and employer separately).
        # HMRC's 2025-26 test data rounds per slice: category B, fortnightly 1,934.05 gives
        # 1,450 x 1.85% = 26.825 -> 26.82 plus 0.05 x 2% = 0.001 -> 0.00, so 26.82.
        total = ZERO
        for band in bands:
            low = thresholds[band.start]
            high = thresholds[band.end] if band.end else earnings
            slice_ = min(earnings, high) - low
            if slice_ > 0:
                total += _round_ni(slice_ * band.rate / HUNDRED)
        return total

    def _loan(self, threshold_annual: Decimal, rate: Decimal, earnings: Decimal, frequency: str) -> Decimal:
        # Period threshold = annual / periods cut to the penny; the deduction is rate x the
        # earnings above it, rounded DOWN to the whole pound (HMRC student loan guidance).
        threshold = (threshold_annual / PAY_FREQUENCIES[frequency]).quantize(PENNY, rounding=ROUND_DOWN)
        if earnings <= threshold:
            return ZERO
        return ((earnings - threshold) * rate / HUNDRED).quantize(POUND, rounding=ROUND_DOWN).quantize(PENNY)

    def calculate(
        self,
        employee: PayrollEmployee,
        period: PayrollPeriod,
        gross_pay: Decimal,
        pensionable_pay: Decimal,
        to_date: YearToDate,
        pension_refund: Decimal = ZERO,
    ) -> PayrollResult:
        """Tax, NI, student loans and pension of one employee for one period."""
        # A pay run checks the same employees each period: remember the ones already found valid.
        try:
            known = employee in self._valid
        except TypeError:  # a field given as a list rather than a tuple: check it every time
            known = None
        if not known:
            problems = self.check_employee(employee)
            if problems:
                field, messages = next(iter(problems.items()))
                raise ValueError(f"{field}: {messages[0]}")
            if known is False and len(self._valid) < 100_000:
                self._valid.add(employee)
        if period.tax_year != self.tax_year:
            raise ValueError(f"period: tax year {period.tax_year!r} is not {self.tax_year!r}")
        frequency = self._frequency(period)
        for name, amount in (
            ("gross_pay", gross_pay),
            ("pensionable_pay", pensionable_pay),
            ("pension_refund", pension_refund),
        ):
            if not isinstance(amount, Decimal) or amount < 0:
                raise ValueError(f"{name}: must be a Decimal of 0 or more, got {amount!r}")
        if pensionable_pay > gross_pay:
            raise ValueError("pensionable_pay: cannot be more than gross_pay")
        data = self.data
        notes: list[str] = []
        category_note = self.category_age_note(employee.ni_category, employee.date_of_birth, period.pay_date)
        if category_note:
            notes.append(category_note)

        # Pension: contributions on qualifying earnings when the employee is in the scheme
        # (or becomes an eligible jobholder this period and has not opted out).
        status = self.auto_enrolment_status(employee.date_of_birth, period.pay_date, gross_pay, frequency)
        scheme = employee.pension
        contributing = (
            scheme is not None
            and not employee.pension_opted_out
            and (employee.pension_member or status == "eligible_jobholder")
        )
        if scheme is not None and status == "eligible_jobholder" and not employee.pension_member and contributing:
            notes.append(_t("Eligible jobholder not yet in the pension scheme: enrol from this period"))
        employee_gross_contribution = employer_contribution = ZERO
        if contributing:
            qualifying = self.qualifying_earnings(pensionable_pay, frequency)
            # No statute fixes the penny: contributions are rounded half up to the penny.
            employee_gross_contribution = (qualifying * scheme.employee_percent / HUNDRED).quantize(
                PENNY, ROUND_HALF_UP
            )
            employer_contribution = (qualifying * scheme.employer_percent / HUNDRED).quantize(PENNY, ROUND_HALF_UP)
        arrangement = scheme.arrangement if scheme is not None else "net_pay"
        if arrangement == "relief_at_source":
            # The member pays net of basic-rate relief; the scheme claims the relief from HMRC.
            relief = HUNDRED - data.relief_at_source_percent
            employee_deduction = (employee_gross_contribution * relief / HUNDRED).quantize(PENNY, ROUND_HALF_UP)
        else:
            employee_deduction = employee_gross_contribution
        if pension_refund:
            notes.append(_t("Pension contributions refunded after opting out: %(amount)s", amount=pension_refund))
        employee_deduction -= pension_refund

        # Income tax: under a net pay arrangement contributions come off pay before tax.
        taxable_pay = gross_pay - employee_deduction if arrangement == "net_pay" else gross_pay
        code = self.parse_tax_code(employee.tax_code)
        weeks = _WEEKS.get(frequency, 1)
        base_periods = 52 if frequency in _WEEKS else 12
        base_period = period.period * weeks
        non_cumulative = employee.week1_month1 or code.week1_month1 or base_period > base_periods
        if non_cumulative and base_period > base_periods and not (employee.week1_month1 or code.week1_month1):
            notes.append(_t("Week %(week)s pay is taxed on the week 1 basis", week=base_period))
        region = data.regions[code.region]
        if non_cumulative:
            tax_period, pay_for_tax, tax_before = weeks, taxable_pay, ZERO
        else:
            tax_period, pay_for_tax, tax_before = base_period, to_date.taxable_pay + taxable_pay, to_date.tax
        outcome = tax_for_period(
            code,
            bands=region.bands,
            flat_rate=region.flat_codes.get(code.flat),
            periods=base_periods,
            period=tax_period,
            pay=taxable_pay,
            pay_to_date=pay_for_tax,
            tax_paid_to_date=tax_before,
            block=data.code_block,
            block_allowance=data.code_block_allowance,
            limit_percent=data.limit_percent,
        )
        if outcome.limited_by:
            notes.append(
                _t(
                    "Tax limited to %(percent)s%% of pay (regulatory limit): %(amount)s not deducted this period",
                    percent=str(data.limit_percent),
                    amount=outcome.limited_by,
                )
            )
        income_tax = outcome.tax

        # Class 1 NI on the period's earnings (net-pay pension does not reduce NI earnings).
        thresholds = data.ni_thresholds[frequency]
        category = data.ni_categories[employee.ni_category]
        employee_ni = self._ni(category.employee, gross_pay, thresholds)
        employer_ni = self._ni(category.employer, gross_pay, thresholds)
        lel, pt, uel = thresholds["LEL"], thresholds["PT"], thresholds["UEL"]
        if gross_pay >= lel:
            ni_earnings = {
                "at_lel": lel,
                "lel_to_pt": min(gross_pay, pt) - lel,
                "pt_to_uel": max(min(gross_pay, uel) - pt, ZERO),
            }
        else:
            ni_earnings = {"at_lel": ZERO, "lel_to_pt": ZERO, "pt_to_uel": ZERO}

        # Student loans on the same earnings as NI, non-cumulatively. With more than one
        # undergraduate plan one deduction is taken (HMRC, as reported in Sage's knowledge base
        # 'Set up a student loan deduction': deduct one student loan through payroll), here at 9%
        # above the LOWEST of the plans' thresholds: that choice of threshold is unconfirmed.
        student_loan = ZERO
        if employee.student_loan_plans:
            plans = [data.loan_plans[name] for name in employee.student_loan_plans]
            lowest = min(plans, key=lambda plan: plan.annual_threshold)
            student_loan = self._loan(lowest.annual_threshold, lowest.rate, gross_pay, frequency)
        postgraduate_loan = ZERO
        if employee.postgraduate_loan:
            pg = data.postgraduate
            postgraduate_loan = self._loan(pg.annual_threshold, pg.rate, gross_pay, frequency)

        net_pay = gross_pay - income_tax - employee_ni - student_loan - postgraduate_loan - employee_deduction
        new_to_date = YearToDate(
            gross_pay=to_date.gross_pay + gross_pay,
            taxable_pay=to_date.taxable_pay + taxable_pay,
            tax=to_date.tax + income_tax,
            employee_ni=to_date.employee_ni + employee_ni,
            employer_ni=to_date.employer_ni + employer_ni,
            student_loan=to_date.student_loan + student_loan,
            postgraduate_loan=to_date.postgraduate_loan + postgraduate_loan,
            pension_employee=to_date.pension_employee + employee_deduction,
            pension_employer=to_date.pension_employer + employer_contribution,
        )
        shown_code = code.text + ((" M1" if frequency == "monthly" else " W1") if non_cumulative else "")
        return PayrollResult(
            gross_pay=gross_pay,
            taxable_pay=taxable_pay,
            income_tax=income_tax,
            employee_ni=employee_ni,
            employer_ni=employer_ni,
            student_loan=student_loan,
            postgraduate_loan=postgraduate_loan,
            pension_employee=employee_deduction,
            pension_employer=employer_contribution,
            auto_enrolment=status,
            net_pay=net_pay,
            employer_cost=gross_pay + employer_ni + employer_contribution,
            to_date=new_to_date,
            notes=tuple(notes),
            ni_earnings=ni_earnings,
            tax_code=shown_code,
        )

    def _frequency(self, period: PayrollPeriod) -> str:
        frequency = period.frequency
        self._check_frequency(frequency)
        # Week 53 (fortnight 27, four-week period 14) holds the pay days after week 52.
        top = PAY_FREQUENCIES[frequency] + (0 if frequency == "monthly" else 1)
        if not isinstance(period.period, int) or not 1 <= period.period <= top:
            raise ValueError(f"period: {frequency} tax periods run from 1 to {top}, not {period.period!r}")
        return frequency

    def opt_out_refund(self, enrolled_on: date, opted_out_on: date, to_date: YearToDate) -> OptOutRefund:
        """The refund due after opting out (The Pensions Regulator, detailed guidance no. 7).

        ``enrolled_on`` is the later of the day active membership began and the day the
        enrolment information was given: the opt-out period is one calendar month
        beginning with it. Inside it, the employee gets back every contribution deducted
        and the employer's contributions go back to the employer; after it, nothing.
        """
        window_ends = enrolled_on + relativedelta(months=self.data.opt_out_months) - relativedelta(days=1)
        if opted_out_on < enrolled_on:
            raise ValueError("opted_out_on: cannot be before the enrolment date")
        within = opted_out_on <= window_ends
        if not within:
            return OptOutRefund(False, window_ends, ZERO, ZERO)
        return OptOutRefund(True, window_ends, to_date.pension_employee, to_date.pension_employer)


class UkPayrollPack:
    """Every UK tax year with a data file (see :class:`plugins.jurisdictions.base.PayrollPack`)."""

    def __init__(self) -> None:
        self._rules: dict[str, UkPayrollRules] = {}

    def _years(self) -> tuple[YearData, ...]:
        return load_years()

    def tax_years(self) -> tuple[str, ...]:
        """The tax years with data, oldest first."""
        return tuple(year.tax_year for year in self._years())

    def tax_year_for(self, pay_date: date) -> str:
        """The UK tax year (6 April to 5 April) containing ``pay_date``."""
        for year in self._years():
            if year.starts <= pay_date <= year.ends:
                return year.tax_year
        raise NoPayrollRules(
            f"No UK payroll rules cover {pay_date.isoformat()}; tax years with data: {', '.join(self.tax_years())}"
        )

    def rules(self, tax_year: str) -> UkPayrollRules:
        """The rules of ``tax_year`` ("2026-27")."""
        if tax_year not in self._rules:
            for year in self._years():
                if year.tax_year == tax_year:
                    self._rules[tax_year] = UkPayrollRules(year)
                    break
            else:
                raise NoPayrollRules(
                    f"No UK payroll rules for tax year {tax_year!r}; tax years with data: {', '.join(self.tax_years())}"
                )
        return self._rules[tax_year]


payroll_pack = UkPayrollPack()
