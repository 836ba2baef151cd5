"""Italian payroll rule pack: the monthly cedolino of a social co-operative's worker.

IRPEF with the detrazioni (art. 12-13 TUIR), the budget law's tax-wedge measures, the
trattamento integrativo, the worker's INPS contributions (FPLD and the extra 1%), the
addizionali regionale and comunale, the TFR accrual, the tredicesima and the December
conguaglio, and the Type B relief on disadvantaged workers' contributions (Law 381/1991 art. 4).
One data file per tax year in ``years/`` (each figure with its source and a confidence mark;
see ``docs/payroll.md``). Pure Python: no database, no Flask; money is ``Decimal``.

Rounding: every amount shown on a payslip is rounded half up to the cent (no statute fixes
the rounding of a monthly ritenuta; tax and contributions are paid in cents by F24 and
UniEmens). Annual formulas (detrazioni, addizionali) are worked in full precision and rounded
once, to the cent, where they are given.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from stdnum.it import codicefiscale

from plugins.jurisdictions.base import (
    EmployeeField,
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
    check_stdnum,
    require_text,
)

from .data import Bracket, Comune, YearData, load_years

CATALOGUE = Path(__file__).resolve().parent / "translations"
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
CONTRACTS = ("indeterminato", "determinato")


def _t(msgid: str, **params) -> LocalText:
    return LocalText(msgid, CATALOGUE, **params)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _progressive(income: Decimal, brackets: tuple[Bracket, ...], scale: Decimal = Decimal(1)) -> Decimal:
    """Tax on ``income`` by ``brackets`` whose limits are multiplied by ``scale`` (1/12 for a month)."""
    tax, lower = Decimal(0), Decimal(0)
    for bracket in brackets:
        upper = None if bracket.up_to is None else bracket.up_to * scale
        if income <= lower:
            break
        slice_top = income if upper is None else min(income, upper)
        tax += (slice_top - lower) * bracket.rate / HUNDRED
        if upper is None:
            break
        lower = upper
    return tax


def ratio4(numerator: Decimal, denominator: Decimal) -> Decimal:
    """A detrazione's ratio taken 'nelle prime quattro cifre decimali' (TUIR art. 12 c. 4 and art. 13 c. 6, as
    quoted in the Agenzia delle Entrate's 730/2026 instructions, TABELLA 6 note 2): cut, not rounded. The law
    defines the detrazione itself, so the sostituto's monthly and year-end figures use it as well."""
    return (numerator / denominator).quantize(RATIO, rounding=ROUND_DOWN)


def validate_codice_fiscale(value: str) -> str:
    """A person's codice fiscale (16 characters, checked with python-stdnum), or InvalidIdentifier."""
    text = require_text(value, field="codice_fiscale", label="Codice fiscale")
    compact = "".join(ch for ch in text.upper() if ch not in " .-/")
    if len(compact) != 16:
        raise InvalidIdentifier("codice_fiscale", _t(
            "The codice fiscale has %(length)s characters; a person's has 16", length=len(compact)))
    try:
        return check_stdnum(codicefiscale, compact, field="codice_fiscale", label="Codice fiscale",
                            expected="16 characters")
    except InvalidIdentifier:
        raise InvalidIdentifier("codice_fiscale", _t("The codice fiscale %(value)s is not valid (check character "
                                                     "or date and place of birth)", value=compact)) from None


# --- what goes in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItalianEmployee:
    """What the rules need to know about a worker of an Italian co-op.

    ``ccnl_level`` is the CCNL cooperative sociali level ("A1" ... "F2"); ``contract`` one of
    :data:`CONTRACTS`; ``part_time_percent`` the share of full time (100 full time, in (0, 100]).
    ``region`` and ``comune`` are the codes of the worker's fiscal domicile in the year's data
    (``rules.regions()``, ``rules.comuni()``). ``spouse_dependent``, ``children_dependent``
    (children aged 21 to 29, or disabled from 30: younger ones get the assegno unico instead),
    ``children_share`` (50 or 100 percent, when the parents share them) and ``other_dependants``
    drive the detrazioni per carichi di famiglia. ``disadvantaged`` is the Type B flag of the
    members register with its ``disadvantage_category`` (one of ``rules.disadvantage_categories()``).
    ``seniority_pay`` is the monthly amount of seniority steps the co-op pays (0 when none).
    ``working_days_per_week`` is 5 (Monday to Friday) or 6 (Monday to Saturday): it counts the working
    days of a part month for the tredicesima and the quattordicesima (CCNL art. 79 and 79 bis).
    """

    codice_fiscale: str
    ccnl_level: str
    contract: str
    part_time_percent: Decimal
    region: str
    comune: str
    start_date: date
    leave_date: date | None = None
    spouse_dependent: bool = False
    children_dependent: int = 0
    children_share: Decimal = HUNDRED
    other_dependants: int = 0
    disadvantaged: bool = False
    disadvantage_category: str | None = None
    seniority_pay: Decimal = ZERO
    working_days_per_week: int = 5


@dataclass(frozen=True)
class ItalianEmployer:
    """The co-op: whether it is a Type B social co-op, and its own contribution rates.

    ``employer_inps_percent`` and ``inail_percent`` are the co-op's rates (they depend on its INPS
    classification and INAIL tariff, so they are the co-op's settings, not the pack's data).
    """

    type_b: bool
    employer_inps_percent: Decimal
    inail_percent: Decimal


@dataclass(frozen=True)
class PayItems:
    """One month's pay: ``basic`` (from :meth:`ItalianPayrollRules.basic_pay`), overtime and other
    taxable pay, ``absences`` (unpaid time, a positive amount taken off), and the ``tredicesima``
    when it is paid this month, and the ``quattordicesima`` (June, or on leaving). ``tfr_excluded`` is the
    part of the pay that does not count for the
    TFR (occasional pay such as overtime, art. 2120 c. 2 c.c.)."""

    basic: Decimal
    seniority: Decimal = ZERO
    overtime: Decimal = ZERO
    other: Decimal = ZERO
    absences: Decimal = ZERO
    tredicesima: Decimal = ZERO
    quattordicesima: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return (self.basic + self.seniority + self.overtime + self.other + self.tredicesima + self.quattordicesima
                - self.absences)

    @property
    def tfr_base(self) -> Decimal:
        # CCNL art. 79 bis: the quattordicesima 'va computato agli effetti del T.F.R.'
        return self.basic + self.seniority + self.tredicesima + self.quattordicesima - self.absences


@dataclass(frozen=True)
class AddizionaliDue:
    """The addizionali to withhold this year: the previous year's regionale and comunale saldo
    (from last December's conguaglio) and this year's comunale acconto
    (:meth:`ItalianPayrollRules.acconto_comunale`)."""

    regionale: Decimal = ZERO
    comunale_saldo: Decimal = ZERO
    comunale_acconto: Decimal = ZERO


@dataclass(frozen=True)
class ItalianYearToDate:
    """The year's figures BEFORE a month (Decimal euros; ``days`` the days that gave the detrazioni,
    ``months_employed`` the months with pay). Start each year from ``ItalianYearToDate()`` with
    ``tfr_fund`` carried over, and store :attr:`ItalianPayrollResult.to_date` after each month."""

    gross: Decimal = ZERO
    imponibile_previdenziale: Decimal = ZERO
    inps_employee: Decimal = ZERO
    inps_additional: Decimal = ZERO
    imponibile_fiscale: Decimal = ZERO
    irpef_withheld: Decimal = ZERO
    trattamento_integrativo: Decimal = ZERO
    somma_cuneo: Decimal = ZERO
    addizionale_regionale: Decimal = ZERO
    addizionale_comunale_saldo: Decimal = ZERO
    addizionale_comunale_acconto: Decimal = ZERO
    inps_employer: Decimal = ZERO
    inail: Decimal = ZERO
    relief_employee: Decimal = ZERO
    relief_employer: Decimal = ZERO
    tfr_year: Decimal = ZERO
    tfr_fund: Decimal = ZERO
    days: int = 0
    months_employed: int = 0
    tredicesima_months: int = 0


# --- what comes out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conguaglio:
    """The year recalculated on its whole pay (December, or the month the worker leaves).

    ``reddito`` the year's imponibile fiscale; ``irpef_lorda`` the annual gross tax;
    ``detrazioni`` by kind; ``irpef_netta`` the year's tax; ``adjustment`` what this month's
    ritenuta adds to (or, negative, gives back from) the year's ritenute; the addizionali of the
    year (withheld from next January, or at once on leaving), the trattamento integrativo and
    somma due for the whole year.
    """

    reddito: Decimal
    irpef_lorda: Decimal
    detrazioni: Mapping[str, Decimal]
    irpef_netta: Decimal
    adjustment: Decimal
    addizionale_regionale: Decimal
    addizionale_comunale: Decimal
    trattamento_integrativo: Decimal
    somma_cuneo: Decimal


@dataclass(frozen=True)
class ItalianPayrollResult:
    """One worker's cedolino figures for one month, from :meth:`ItalianPayrollRules.calculate`.

    ``gross`` the month's competenze; ``inps_employee`` the worker's contributions (the extra 1%
    included, ``inps_additional``); ``relief_employee`` / ``relief_employer`` what the Type B
    relief took off each share (0 otherwise); ``imponibile_fiscale`` pay less contributions;
    ``irpef_lorda`` and ``detrazioni`` (by kind: lavoro, coniuge, figli, altri, cuneo) of the month,
    ``irpef`` the ritenuta withheld (negative when the conguaglio gives tax back);
    ``trattamento_integrativo`` and ``somma_cuneo`` tax-free credits added to the pay;
    ``addizionali`` withheld this month by kind; ``net_pay``; the co-op's ``inps_employer`` and
    ``inail``; the TFR: ``tfr_quota`` (pay / 13.5), ``tfr_contribution`` (0.5%), ``tfr_accrual``
    (the difference, added to the fund) and ``tfr_fund`` to date; ``employer_cost``; ``to_date``
    INCLUDING this month; ``conguaglio`` in December or on leaving; ``notes`` for the payslip;
    ``irpef_quattordicesima`` the part of ``irpef`` withheld on a June quattordicesima, taxed on its own.
    """

    gross: Decimal
    imponibile_previdenziale: Decimal
    inps_employee: Decimal
    inps_additional: Decimal
    relief_employee: Decimal
    relief_employer: Decimal
    imponibile_fiscale: Decimal
    irpef_lorda: Decimal
    detrazioni: Mapping[str, Decimal]
    irpef: Decimal
    trattamento_integrativo: Decimal
    somma_cuneo: Decimal
    addizionali: Mapping[str, Decimal]
    net_pay: Decimal
    inps_employer: Decimal
    inail: Decimal
    tfr_quota: Decimal
    tfr_contribution: Decimal
    tfr_accrual: Decimal
    tfr_fund: Decimal
    employer_cost: Decimal
    to_date: ItalianYearToDate
    conguaglio: Conguaglio | None
    notes: tuple[LocalText, ...] = field(default_factory=tuple)
    irpef_quattordicesima: Decimal = ZERO


# --- the rules ------------------------------------------------------------------------------------


def _days_employed(employee: ItalianEmployee, first: date, last: date) -> int:
    start = max(first, employee.start_date)
    end = min(last, employee.leave_date) if employee.leave_date else last
    return max(0, (end - start).days + 1)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _working_days_employed(employee: ItalianEmployee, first: date, last: date) -> int:
    """The worker's working days (Monday to Friday, or to Saturday for a six-day week) employed in first..last.

    Public holidays are counted as working days: the CCNL's "giorni lavorativi" are read as the days of
    the worker's week, and no holiday calendar is in the data.
    """
    start = max(first, employee.start_date)
    end = min(last, employee.leave_date) if employee.leave_date else last
    return sum(1 for offset in range((end - start).days + 1)
               if (start + timedelta(days=offset)).weekday() < employee.working_days_per_week)


def _months_of_service(employee: ItalianEmployee, first: date, last: date) -> int:
    """Months from ``first`` to ``last`` (whole calendar months) that count as months of service: those with
    more than 15 working days employed ('La frazione di mese superiore ai 15 giorni lavorativi va considerata
    come mese intero', CCNL cooperative sociali art. 79 and art. 79 bis)."""
    count, year, month = 0, first.year, first.month
    while (year, month) <= (last.year, last.month):
        start, end = _month_bounds(year, month)
        whole = employee.start_date <= start and (employee.leave_date is None or employee.leave_date >= end)
        # a whole month has at least 20 working days (February, Monday to Friday): only part months are counted
        if whole or _working_days_employed(employee, start, end) > 15:
            count += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return count


class ItalianPayrollRules(PayrollRulesDefaults):
    """One Italian tax year's payroll rules.

    The engine works on Italian values (:meth:`check_worker`, :meth:`calculate_month`); the methods of
    :class:`plugins.jurisdictions.base.PayrollRules` below (``check_employee``, ``calculate``,
    ``employee_fields``...) translate the app's common employee record and year to date to them.
    """

    uses_tax_code = False

    def __init__(self, data: YearData) -> None:
        self.data = data
        self.tax_year = data.tax_year
        self.starts = data.starts
        self.ends = data.ends
        self.fingerprint = data.fingerprint
        self.source_file = f"plugins/jurisdictions/it/payroll/years/{data.file_name}"
        self._year = int(data.tax_year)
        raw = data.raw
        self._lavoro = {key: Decimal(value) for key, value in raw["detrazione_lavoro"].items()
                        if key not in ("source", "confidence", "days_in_year")}
        self._days_in_year = int(raw["detrazione_lavoro"]["days_in_year"])
        self._ti = {key: Decimal(raw["trattamento_integrativo"][key])
                    for key in ("amount", "full_up_to", "partial_up_to", "capienza_reduction")}
        cuneo = raw["cuneo"]
        self._somma_bands = tuple((Decimal(b["up_to"]), Decimal(b["percent"])) for b in cuneo["somma_bands"])
        self._cuneo = {key: Decimal(cuneo[key]) for key in ("somma_up_to", "detrazione_from",
                                                              "detrazione_full_up_to", "detrazione_up_to",
                                                              "detrazione")}
        self._inps_rate = data.figure("inps", "employee_percent") / HUNDRED
        self._additional_rate = data.figure("inps", "additional_percent") / HUNDRED
        self._first_bracket = data.figure("inps", "first_bracket")
        # INPS states the monthly ceiling rounded to the euro (4,685 for 2026).
        self._first_bracket_month = (self._first_bracket / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        self._tfr_divisor = data.figure("tfr", "divisor")
        self._tfr_rate = data.figure("tfr", "contribution_percent") / HUNDRED
        relief = raw["type_b_relief"]
        self._categories = dict(relief["categories"])
        self._zero_rated = frozenset(relief["zero_rated"])
        additions = raw["addizionali"]
        self._acconto_rate = Decimal(additions["comunale_acconto_percent"]) / HUNDRED
        self._saldo_instalments = int(additions["saldo_instalments"])
        self._acconto_instalments = int(additions["acconto_instalments"])
        self._acconto_first = int(additions["acconto_first_month"])
        fourteenth = raw["quattordicesima"]
        self._q_month = int(fourteenth["month"])
        self._q_share = Decimal(fourteenth["percent_of_monthly_pay"]) / HUNDRED
        self._q_from = date.fromisoformat(fourteenth["accrues_from"])
        self._valid: set[ItalianEmployee] = set()  # records check_worker passed (they are frozen)
        self._workers: dict[PayrollEmployee, ItalianEmployee] = {}  # the app's records, parsed
        self._checked: dict[PayrollEmployee, dict] = {}
        self._fields: tuple[EmployeeField, ...] | None = None

    def __repr__(self) -> str:
        return f"ItalianPayrollRules({self.tax_year!r})"

    # --- periods and lists ---------------------------------------------------------------------

    def periods_in_year(self, frequency: str) -> int:
        """Italian pay is monthly: 12 periods (the tredicesima is paid with December's)."""
        if frequency != "monthly":
            raise ValueError(f"frequency: Italian payroll is monthly, not {frequency!r}")
        return 12

    def period_for(self, pay_date: date, frequency: str = "monthly") -> int:
        """The month (1-12) a payment on ``pay_date`` belongs to: the calendar month."""
        self.periods_in_year(frequency)
        if not self.starts <= pay_date <= self.ends:
            raise ValueError(f"pay_date: {pay_date.isoformat()} is not in tax year {self.tax_year}")
        return pay_date.month

    def ccnl_levels(self, on: date | None = None) -> dict[str, Decimal]:
        """The CCNL levels with their minimum monthly pay in force on ``on`` (default: the year's end)."""
        on = on or self.ends
        tables = [t for t in self.data.ccnl if t.valid_from <= on] or [self.data.ccnl[0]]
        return dict(tables[-1].levels)

    def regions(self) -> dict[str, str]:
        """Regions with addizionale data this year: code -> name."""
        return {code: label for code, (label, _) in self.data.regions.items()}

    def comuni(self) -> dict[str, Comune]:
        """Comuni with addizionale data this year, by code."""
        return dict(self.data.comuni)

    def disadvantage_categories(self) -> dict[str, str]:
        """Law 381/1991 art. 4 categories of disadvantaged persons: code -> label (Italian, as the law)."""
        return dict(self._categories)

    def relief_applies(self, employer: ItalianEmployer, employee: ItalianEmployee) -> bool:
        """Whether the Type B contribution relief covers this worker's pay this month."""
        return employer.type_b and employee.disadvantaged and employee.disadvantage_category in self._zero_rated

    # --- checks ---------------------------------------------------------------------------------

    def check_worker(self, employee: ItalianEmployee) -> dict[str, list[LocalText]]:
        """Problems that stop a calculation, as ``{field: [message]}`` (empty when it can be paid)."""
        problems: dict[str, list[LocalText]] = {}

        def add(name: str, message: LocalText) -> None:
            problems.setdefault(name, []).append(message)

        try:
            validate_codice_fiscale(employee.codice_fiscale)
        except InvalidIdentifier as error:
            add("codice_fiscale", error.message)
        if employee.ccnl_level not in self.ccnl_levels():
            add("ccnl_level", _t("CCNL level %(level)s is not in the %(year)s data; known levels: %(known)s",
                                 level=employee.ccnl_level, year=self.tax_year,
                                 known=", ".join(self.ccnl_levels())))
        if employee.contract not in CONTRACTS:
            add("contract", _t("Contract type must be tempo indeterminato or tempo determinato"))
        if not ZERO < employee.part_time_percent <= HUNDRED:
            add("part_time_percent", _t("The part-time percentage must be more than 0 and at most 100"))
        if employee.region not in self.data.regions:
            add("region", _t("Region %(region)s has no addizionale regionale data for %(year)s",
                             region=employee.region, year=self.tax_year))
        comune = self.data.comuni.get(employee.comune)
        if comune is None:
            add("comune", _t("Comune %(comune)s has no addizionale comunale data for %(year)s",
                             comune=employee.comune, year=self.tax_year))
        elif comune.region != employee.region:
            add("comune", _t("Comune %(comune)s is not in region %(region)s", comune=comune.label,
                             region=employee.region))
        if employee.children_dependent < 0 or employee.other_dependants < 0:
            add("children_dependent", _t("Dependants cannot be a negative number"))
        if employee.children_share not in (Decimal(50), HUNDRED):
            add("children_share", _t("A child is dependent for 50 or 100 percent"))
        if employee.disadvantaged and employee.disadvantage_category not in self._categories:
            add("disadvantage_category", _t("A disadvantaged worker needs the Law 381/1991 category"))
        if employee.leave_date and employee.leave_date < employee.start_date:
            add("leave_date", _t("The leaving date is before the start date"))
        if employee.working_days_per_week not in (5, 6):
            add("working_days_per_week", _t("A working week has 5 or 6 days"))
        return problems

    # --- pay --------------------------------------------------------------------------------------

    def basic_pay_of(self, employee: ItalianEmployee, month: int) -> Decimal:
        """The month's basic pay: the CCNL minimum of the level x the part-time share, for the days employed.

        A month the worker starts or leaves in is paid for its calendar days employed out of the
        month's days (a choice: the CCNL's daily divisor was not read). Rounded half up to the cent.
        """
        first, last = _month_bounds(self._year, month)
        minimum = self.ccnl_levels(last)[employee.ccnl_level]
        days = _days_employed(employee, first, last)
        return cents(minimum * employee.part_time_percent / HUNDRED * days / last.day)

    def _monthly_pay(self, employee: ItalianEmployee, on: date) -> Decimal:
        """A month's full pay on ``on``: the CCNL minimum x the part-time share, plus seniority."""
        minimum = self.ccnl_levels(on)[employee.ccnl_level]
        return minimum * employee.part_time_percent / HUNDRED + employee.seniority_pay

    def tredicesima(self, employee: ItalianEmployee, months_worked: int) -> Decimal:
        """The tredicesima: one twelfth of the month's full pay (CCNL minimum x part-time share, plus
        seniority) for each month worked in the year."""
        return cents(self._monthly_pay(employee, self.ends) * min(months_worked, 12) / 12)

    def months_for_tredicesima(self, employee: ItalianEmployee) -> int:
        """Months of the year that count for the tredicesima: those with more than 15 working days employed."""
        return _months_of_service(employee, self.starts, self.ends)

    def quattordicesima(self, employee: ItalianEmployee, month: int) -> Decimal:
        """The half quattordicesima paid with ``month``'s pay (June, or the month the worker leaves).

        CCNL cooperative sociali art. 79 bis: from 1 January 2025, half of the monthly pay in force in the
        month it is paid, in June; a twelfth of it for each month of service (a month counts with more than
        15 working days). The twelfths paid in June are those of the twelve months to June (July to June),
        never before 1 January 2025 (so June 2025 pays six at most); a leaver gets the twelfths since the
        last June. Rounded half up to the cent.
        """
        first_of_month, last_of_month = _month_bounds(self._year, month)
        period_start = date(self._year - 1 if month <= self._q_month else self._year, self._q_month % 12 + 1, 1)
        end = min(last_of_month, employee.leave_date) if employee.leave_date else last_of_month
        months = _months_of_service(employee, max(period_start, self._q_from), end) if end >= self._q_from else 0
        return cents(self._monthly_pay(employee, end) * self._q_share * months / 12)

    # --- the annual formulas -----------------------------------------------------------------

    def irpef(self, reddito: Decimal) -> Decimal:
        """The year's gross IRPEF on ``reddito`` (TUIR art. 11), to the cent."""
        return cents(_progressive(reddito, self.data.irpef))

    def detrazione_lavoro(self, reddito: Decimal, days: int = 365, contract: str = "indeterminato") -> Decimal:
        """Detrazione per lavoro dipendente (TUIR art. 13 c. 1) for ``days`` of the year, to the cent."""
        d = self._lavoro
        share = Decimal(min(days, self._days_in_year)) / self._days_in_year
        if reddito <= d["full_up_to"]:
            amount = d["full"] * share
            minimum = d["minimum_fixed_term"] if contract == "determinato" else d["minimum_permanent"]
            return cents(max(amount, minimum)) if days > 0 else ZERO
        if reddito <= d["middle_up_to"]:
            amount = d["middle_base"] + d["middle_extra"] * ratio4(d["middle_up_to"] - reddito,
                                                                   d["middle_up_to"] - d["full_up_to"])
        elif reddito <= d["upper_up_to"]:
            amount = d["middle_base"] * ratio4(d["upper_up_to"] - reddito, d["upper_up_to"] - d["middle_up_to"])
        else:
            return ZERO
        if d["bonus_from"] < reddito <= d["bonus_to"]:
            amount += d["bonus"]  # art. 13 c. 1.1 (from 2022)
        return cents(amount * share)

    def detrazione_coniuge(self, reddito: Decimal) -> Decimal:
        """Detrazione for a dependent spouse for the whole year (TUIR art. 12 c. 1 lett. a-c)."""
        s = {k: v for k, v in self.data.raw["familiari"]["spouse"].items()}
        first_up_to, middle_up_to, upper_up_to = (Decimal(s[k]) for k in ("first_up_to", "middle_up_to",
                                                                          "upper_up_to"))
        if reddito <= first_up_to:
            return cents(Decimal(s["first_amount"]) - Decimal(s["first_reduction"]) * ratio4(reddito, first_up_to))
        if reddito <= middle_up_to:
            amount = Decimal(s["middle_amount"])
            for step in s["increments"]:
                if Decimal(step["over"]) < reddito < Decimal(step["below"]):
                    amount += Decimal(step["amount"])
            return cents(amount)
        if reddito <= upper_up_to:
            return cents(Decimal(s["middle_amount"]) * ratio4(upper_up_to - reddito, upper_up_to - middle_up_to))
        return ZERO

    def detrazione_figli(self, reddito: Decimal, children: int, share: Decimal = HUNDRED) -> Decimal:
        """Detrazione for ``children`` dependent children aged 21 to 29, whole year (TUIR art. 12 c. 1 lett. c)."""
        if children <= 0:
            return ZERO
        c = self.data.raw["familiari"]["children"]
        base = Decimal(c["base"]) + Decimal(c["per_extra_child"]) * (children - 1)
        if reddito >= base:
            return ZERO
        return cents(Decimal(c["amount"]) * ratio4(base - reddito, base) * children * share / HUNDRED)

    def detrazione_altri(self, reddito: Decimal, others: int) -> Decimal:
        """Detrazione for other dependent family members for the whole year (TUIR art. 12 c. 1 lett. d)."""
        o = self.data.raw["familiari"]["others"]
        base = Decimal(o["base"])
        if others <= 0 or reddito >= base:
            return ZERO
        return cents(Decimal(o["amount"]) * ratio4(base - reddito, base) * others)

    def ulteriore_detrazione(self, reddito: Decimal) -> Decimal:
        """The budget law's extra detrazione for incomes over 20,000 and up to 40,000 (L. 207/2024 art. 1 c. 6)."""
        c = self._cuneo
        if reddito <= c["detrazione_from"] or reddito > c["detrazione_up_to"]:
            return ZERO
        if reddito <= c["detrazione_full_up_to"]:
            return cents(c["detrazione"])
        return cents(c["detrazione"] * (c["detrazione_up_to"] - reddito) / (c["detrazione_up_to"]
                                                                              - c["detrazione_full_up_to"]))

    def somma_cuneo(self, reddito: Decimal, theoretical: Decimal, paid: Decimal) -> Decimal:
        """The tax-free somma of L. 207/2024 art. 1 c. 4 on ``paid`` (the reddito di lavoro dipendente paid).

        Due when the year's income ``reddito`` is at most 20,000; the percentage is chosen on the
        ``theoretical`` income of a whole year (Agenzia delle Entrate circ. 4/E/2025 par. 1.2).
        """
        if reddito > self._cuneo["somma_up_to"]:
            return ZERO
        percent = self._somma_bands[-1][1]
        for up_to, band_percent in self._somma_bands:
            if theoretical <= up_to:
                percent = band_percent
                break
        return cents(paid * percent / HUNDRED)

    def trattamento_integrativo(self, reddito: Decimal, lorda: Decimal, detrazione_lavoro: Decimal,
                                detrazioni: Decimal, days: int = 365) -> Decimal:
        """The trattamento integrativo for ``days`` of work in the year (DL 3/2020 art. 1), to the cent.

        ``lorda`` is the year's gross tax, ``detrazione_lavoro`` and ``detrazioni`` (lavoro and family)
        those due for the period worked. Up to 15,000: the full amount for the period when the gross
        tax exceeds the detrazione per lavoro less 75 (brought to the period). Above 15,000 and up to
        28,000: the excess of the detrazioni over the gross tax, at most the amount for the period.
        """
        t = self._ti
        share = Decimal(min(days, self._days_in_year)) / self._days_in_year
        if reddito <= t["full_up_to"]:
            return cents(t["amount"] * share) if lorda > detrazione_lavoro - t["capienza_reduction"] * share else ZERO
        if reddito <= t["partial_up_to"]:
            return cents(min(t["amount"] * share, max(ZERO, detrazioni - lorda)))
        return ZERO

    def addizionale_regionale(self, region: str, reddito: Decimal, irpef_netta: Decimal) -> Decimal:
        """The year's addizionale regionale (D.Lgs. 446/1997 art. 50): none when no IRPEF is due."""
        _, brackets = self._region(region)
        if irpef_netta <= 0:
            return ZERO
        return cents(_progressive(reddito, brackets))

    def addizionale_comunale(self, comune: str, reddito: Decimal, irpef_netta: Decimal) -> Decimal:
        """The year's addizionale comunale (D.Lgs. 360/1998): none below the exemption threshold or without IRPEF."""
        data = self._comune(comune)
        if irpef_netta <= 0 or (data.exempt_up_to is not None and reddito <= data.exempt_up_to):
            return ZERO
        return cents(_progressive(reddito, data.brackets))

    def acconto_comunale(self, comune: str, previous_reddito: Decimal, previous_irpef_netta: Decimal) -> Decimal:
        """This year's acconto of the addizionale comunale: 30% of this year's rates on last year's income."""
        return cents(self.addizionale_comunale(comune, previous_reddito, previous_irpef_netta) * self._acconto_rate)

    def _region(self, region: str):
        if region not in self.data.regions:
            raise ValueError(f"region: {region!r} has no addizionale regionale data for {self.tax_year}")
        return self.data.regions[region]

    def _comune(self, comune: str) -> Comune:
        if comune not in self.data.comuni:
            raise ValueError(f"comune: {comune!r} has no addizionale comunale data for {self.tax_year}")
        return self.data.comuni[comune]

    def _instalment(self, total: Decimal, withheld: Decimal, month: int, first: int, count: int,
                    leaving: bool) -> Decimal:
        left = total - withheld
        if left <= 0 or month < first:
            return ZERO
        if leaving or month >= first + count - 1:
            return left
        return min(left, cents(total / count))

    # --- the month -----------------------------------------------------------------------------------

    def calculate_month(self, employee: ItalianEmployee, employer: ItalianEmployer, month: int, pay: PayItems,
                  to_date: ItalianYearToDate, addizionali: AddizionaliDue = AddizionaliDue()) -> ItalianPayrollResult:
        """The month's cedolino for ``employee``: contributions, IRPEF, credits, addizionali, TFR.

        December (and the month the worker leaves) is the conguaglio: the year's IRPEF, detrazioni
        and credits are recalculated on the whole year's pay and the difference settled in this
        month's ritenuta. Raises ValueError naming the field for input :meth:`check_worker` refuses.
        """
        if employee not in self._valid:
            problems = self.check_worker(employee)
            if problems:
                name, messages = next(iter(problems.items()))
                raise ValueError(f"{name}: {messages[0]}")
            self._valid.add(employee)
        if not 1 <= month <= 12:
            raise ValueError("month: must be 1 to 12")
        first, last = _month_bounds(self._year, month)
        days = _days_employed(employee, first, last)
        leaving = employee.leave_date is not None and first <= employee.leave_date <= last
        if pay.tredicesima and not (month == 12 or leaving):
            raise ValueError("tredicesima: it is paid with December's pay or on leaving")
        if pay.quattordicesima and not (month == self._q_month or leaving):
            raise ValueError("quattordicesima: it is paid with June's pay or on leaving")
        notes: list[LocalText] = []

        gross = cents(pay.gross)
        imponibile_prev = gross
        relief = self.relief_applies(employer, employee)
        inps_base = cents(imponibile_prev * self._inps_rate)
        additional = self._additional_due(imponibile_prev, to_date, month)
        inps_full = inps_base + additional
        employer_full = cents(imponibile_prev * employer.employer_inps_percent / HUNDRED)
        if relief:
            inps_employee, inps_employer = ZERO, ZERO
            relief_employee, relief_employer = inps_full, employer_full
            notes.append(_t("Type B relief (Law 381/1991 art. 4 c. 3): contributions reduced to zero, "
                            "%(employee)s of the worker's and %(employer)s of the co-op's",
                            employee=relief_employee, employer=relief_employer))
        else:
            inps_employee, inps_employer, relief_employee, relief_employer = inps_full, employer_full, ZERO, ZERO
        inail = cents(imponibile_prev * employer.inail_percent / HUNDRED)
        imponibile_fiscale = gross - inps_employee

        irpef_fourteenth = ZERO
        if month == 12 or leaving:
            lorda, detrazioni, irpef, ti, somma = ZERO, {}, ZERO, ZERO, ZERO  # settled by the conguaglio below
        else:
            # An additional month's pay is taxed on its own, at the brackets brought to a month and with no
            # detrazioni (DPR 600/1973 art. 23 c. 2 lett. b); its taxable part is the pay less its share of the
            # worker's contributions. The rest of the month is taxed as any month.
            fourteenth = cents(pay.quattordicesima - (inps_employee * pay.quattordicesima / gross if gross else ZERO))
            lorda, detrazioni, irpef, ti, somma = self._month_tax(employee, imponibile_fiscale - fourteenth, days,
                                                                  last.day)
            if fourteenth:
                irpef_fourteenth = cents(_progressive(fourteenth, self.data.irpef, Decimal(1) / 12))
                lorda, irpef = lorda + irpef_fourteenth, irpef + irpef_fourteenth
                notes.append(_t("Quattordicesima taxed on its own: %(tax)s of IRPEF on %(taxable)s, at the brackets "
                                "brought to a month and with no detrazioni", tax=irpef_fourteenth,
                                taxable=fourteenth))

        conguaglio = None
        after = replace(
            to_date,
            gross=to_date.gross + gross,
            imponibile_previdenziale=to_date.imponibile_previdenziale + imponibile_prev,
            inps_employee=to_date.inps_employee + inps_employee,
            inps_additional=to_date.inps_additional + (ZERO if relief else additional),
            imponibile_fiscale=to_date.imponibile_fiscale + imponibile_fiscale,
            days=to_date.days + days,
            months_employed=to_date.months_employed + (1 if days else 0),
        )
        if month == 12 or leaving:
            conguaglio = self._conguaglio(employee, after, to_date, addizionali)
            irpef = conguaglio.adjustment
            ti = conguaglio.trattamento_integrativo - to_date.trattamento_integrativo
            somma = conguaglio.somma_cuneo - to_date.somma_cuneo
            lorda = conguaglio.irpef_lorda
            detrazioni = dict(conguaglio.detrazioni)
            notes.append(_t("Conguaglio: the year's IRPEF recalculated on %(reddito)s of taxable pay",
                            reddito=conguaglio.reddito))

        withheld = {
            "regionale": self._instalment(addizionali.regionale, to_date.addizionale_regionale, month, 1,
                                          self._saldo_instalments, leaving),
            "comunale_saldo": self._instalment(addizionali.comunale_saldo, to_date.addizionale_comunale_saldo,
                                               month, 1, self._saldo_instalments, leaving),
            "comunale_acconto": self._instalment(addizionali.comunale_acconto,
                                                 to_date.addizionale_comunale_acconto, month,
                                                 self._acconto_first, self._acconto_instalments, leaving),
        }
        if leaving and conguaglio is not None:
            # On leaving, the year's addizionali are withheld at once (D.Lgs. 446/1997 art. 50 c. 4).
            withheld["regionale"] += conguaglio.addizionale_regionale
            withheld["comunale_saldo"] += conguaglio.addizionale_comunale
        tfr_quota = cents(pay.tfr_base / self._tfr_divisor)
        tfr_contribution = ZERO if relief else cents(imponibile_prev * self._tfr_rate)
        tfr_accrual = tfr_quota - tfr_contribution
        net = gross - inps_employee - irpef - sum(withheld.values(), ZERO) + ti + somma
        after = replace(
            after,
            irpef_withheld=to_date.irpef_withheld + irpef,
            trattamento_integrativo=to_date.trattamento_integrativo + ti,
            somma_cuneo=to_date.somma_cuneo + somma,
            addizionale_regionale=to_date.addizionale_regionale + withheld["regionale"],
            addizionale_comunale_saldo=to_date.addizionale_comunale_saldo + withheld["comunale_saldo"],
            addizionale_comunale_acconto=to_date.addizionale_comunale_acconto + withheld["comunale_acconto"],
            inps_employer=to_date.inps_employer + inps_employer,
            inail=to_date.inail + inail,
            relief_employee=to_date.relief_employee + relief_employee,
            relief_employer=to_date.relief_employer + relief_employer,
            tfr_year=to_date.tfr_year + tfr_accrual,
            tfr_fund=to_date.tfr_fund + tfr_accrual,
        )
        if net < 0:
            notes.append(_t("Net pay is negative (%(net)s): the deductions exceed this month's pay", net=net))
        return ItalianPayrollResult(
            gross=gross, imponibile_previdenziale=imponibile_prev, inps_employee=inps_employee,
            inps_additional=ZERO if relief else additional, relief_employee=relief_employee,
            relief_employer=relief_employer, imponibile_fiscale=imponibile_fiscale, irpef_lorda=lorda,
            detrazioni=detrazioni, irpef=irpef, trattamento_integrativo=ti, somma_cuneo=somma,
            addizionali=withheld, net_pay=net, inps_employer=inps_employer, inail=inail, tfr_quota=tfr_quota,
            tfr_contribution=tfr_contribution, tfr_accrual=tfr_accrual, tfr_fund=after.tfr_fund,
            employer_cost=gross + inps_employer + inail + tfr_quota, to_date=after, conguaglio=conguaglio,
            notes=tuple(notes), irpef_quattordicesima=irpef_fourteenth,
        )

    def _month_tax(self, employee: ItalianEmployee, imponibile_fiscale: Decimal, days: int, month_days: int):
        """A regular month's IRPEF: the brackets brought to the month; detrazioni and credits on the year's
        projected income, the month's pay (brought to a whole month) times 13 mensilità."""
        projected = imponibile_fiscale * (Decimal(month_days) / days if 0 < days < month_days else 1) * 13
        lorda = cents(_progressive(imponibile_fiscale, self.data.irpef, Decimal(1) / 12))
        annual_lavoro = self.detrazione_lavoro(projected, self._days_in_year, employee.contract)
        month_share = Decimal(days) / self._days_in_year
        family_share = Decimal(1 if days else 0) / 12
        detrazioni = {
            "lavoro": cents(annual_lavoro * month_share),
            "coniuge": cents(self.detrazione_coniuge(projected) * family_share) if employee.spouse_dependent
            else ZERO,
            "figli": cents(self.detrazione_figli(projected, employee.children_dependent, employee.children_share)
                           * family_share),
            "altri": cents(self.detrazione_altri(projected, employee.other_dependants) * family_share),
            "cuneo": cents(self.ulteriore_detrazione(projected) * month_share),
        }
        irpef = lorda - min(lorda, sum(detrazioni.values(), ZERO))
        annual_ti = self.trattamento_integrativo(projected, self.irpef(projected), annual_lavoro,
                                                 annual_lavoro + self._family_year(employee, projected))
        ti = cents(annual_ti * month_share)
        somma = self.somma_cuneo(projected, projected, imponibile_fiscale)

        return lorda, detrazioni, irpef, ti, somma

    def _additional_due(self, imponibile: Decimal, to_date: ItalianYearToDate, month: int) -> Decimal:
        """The extra 1%: each month on the pay above the monthly ceiling; December settles the year."""
        if month == 12:
            year = to_date.imponibile_previdenziale + imponibile
            due = cents(max(ZERO, year - self._first_bracket) * self._additional_rate)
            return max(ZERO, due - to_date.inps_additional)
        return cents(max(ZERO, imponibile - self._first_bracket_month) * self._additional_rate)

    def _family_year(self, employee: ItalianEmployee, reddito: Decimal, months: int = 12) -> Decimal:
        share = Decimal(months) / 12
        spouse = self.detrazione_coniuge(reddito) if employee.spouse_dependent else ZERO
        return cents((spouse + self.detrazione_figli(reddito, employee.children_dependent, employee.children_share)
                      + self.detrazione_altri(reddito, employee.other_dependants)) * share)

    def _conguaglio(self, employee: ItalianEmployee, after: ItalianYearToDate, before: ItalianYearToDate,
                    addizionali: AddizionaliDue) -> Conguaglio:
        reddito = after.imponibile_fiscale
        lorda = self.irpef(reddito)
        months = after.months_employed
        share = Decimal(months) / 12
        lavoro = self.detrazione_lavoro(reddito, after.days, employee.contract)
        detrazioni = {
            "lavoro": lavoro,
            "coniuge": cents(self.detrazione_coniuge(reddito) * share) if employee.spouse_dependent else ZERO,
            "figli": cents(self.detrazione_figli(reddito, employee.children_dependent, employee.children_share)
                           * share),
            "altri": cents(self.detrazione_altri(reddito, employee.other_dependants) * share),
            "cuneo": cents(self.ulteriore_detrazione(reddito) * min(after.days, self._days_in_year)
                           / self._days_in_year),
        }
        netta = max(ZERO, lorda - sum(detrazioni.values(), ZERO))
        family = detrazioni["coniuge"] + detrazioni["figli"] + detrazioni["altri"]
        ti = self.trattamento_integrativo(reddito, lorda, lavoro, lavoro + family, after.days)
        somma = self.somma_cuneo(reddito, self._theoretical(reddito, after.days), reddito)
        return Conguaglio(
            reddito=reddito, irpef_lorda=lorda, detrazioni=detrazioni, irpef_netta=netta,
            adjustment=netta - before.irpef_withheld,
            addizionale_regionale=self.addizionale_regionale(employee.region, reddito, netta),
            addizionale_comunale=max(ZERO, self.addizionale_comunale(employee.comune, reddito, netta)
                                     - addizionali.comunale_acconto),
            trattamento_integrativo=ti, somma_cuneo=somma,
        )

    def _theoretical(self, reddito: Decimal, days: int) -> Decimal:
        """The year's income brought to a whole year, to pick the somma's percentage (circ. 4/E/2025)."""
        if 0 < days < self._days_in_year:
            return reddito * self._days_in_year / days
        return reddito

    # --- the app's common interface (plugins.jurisdictions.base.PayrollRules) ---------------------

    def employee_fields(self) -> tuple[EmployeeField, ...]:
        """The Italian fields of an employee record, stored by the app in its ``jurisdiction_fields``."""
        if self._fields is None:
            self._fields = self._employee_fields()
        return self._fields

    def _employee_fields(self) -> tuple[EmployeeField, ...]:
        levels = tuple((level, level) for level in self.ccnl_levels())
        comuni = tuple((code, comune.label) for code, comune in self.data.comuni.items())
        return (
            EmployeeField("codice_fiscale", _t("Codice fiscale"), required=True),
            EmployeeField("ccnl_level", _t("CCNL cooperative sociali level"), "choice", True, levels, "C1"),
            EmployeeField("contract", _t("Contract"), "choice", True,
                          (("indeterminato", _t("Permanent (tempo indeterminato)")),
                           ("determinato", _t("Fixed term (tempo determinato)"))), "indeterminato"),
            EmployeeField("part_time_percent", _t("Share of full time (percent; 100 for full time)"), "decimal",
                          True, default="100"),
            EmployeeField("region", _t("Region of fiscal domicile"), "choice", True,
                          tuple(self.regions().items()), next(iter(self.data.regions), "")),
            EmployeeField("comune", _t("Comune of fiscal domicile"), "choice", True, comuni),
            EmployeeField("spouse_dependent", _t("Dependent spouse"), "boolean"),
            EmployeeField("children_dependent", _t("Dependent children aged 21 to 29"), "integer", default="0"),
            EmployeeField("children_share", _t("Share of the children's detrazione (percent)"), "choice", True,
                          (("100", "100"), ("50", "50")), "100"),
            EmployeeField("other_dependants", _t("Other dependent family members"), "integer", default="0"),
            EmployeeField("disadvantage_category", _t("Disadvantage (Law 381/1991 art. 4), for a flagged worker"),
                          "choice", False, tuple(self._categories.items())),
            EmployeeField("seniority_pay", _t("Seniority steps (monthly amount)"), "decimal", default="0"),
            EmployeeField("working_days_per_week", _t("Working week (for the part months of the tredicesima and "
                                                      "quattordicesima)"), "choice", True,
                          (("5", _t("5 days, Monday to Friday")), ("6", _t("6 days, Monday to Saturday"))), "5"),
        )

    def settings_fields(self) -> tuple[EmployeeField, ...]:
        """The co-op's own contribution rates (its INPS classification and INAIL tariff)."""
        return (
            EmployeeField("employer_inps_percent", _t("Co-op's INPS contribution rate (percent)"), "decimal", True),
            EmployeeField("inail_percent", _t("INAIL premium rate (percent)"), "decimal", True),
        )

    def figure_labels(self) -> dict[str, str]:
        """How an Italian payslip names the common figures."""
        return {"income_tax": _t("IRPEF and addizionali"), "employee_ni": _t("INPS contributions (worker)"),
                "employer_ni": _t("INPS and INAIL (co-op)"), "taxable_pay": _t("Imponibile fiscale")}

    def payslip_sections(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """The cedolino's own sections, by the keys of ``PayrollResult.details``."""
        return (
            (_t("Additional month's pay"), (("tredicesima", _t("Tredicesima")),
                                            ("quattordicesima", _t("Quattordicesima (half)")))),
            (_t("Contributions"), (
                ("imponibile_previdenziale", _t("Imponibile previdenziale")),
                ("inps_employee", _t("INPS contributions (worker)")),
                ("inps_additional", _t("of which the extra 1%")),
                ("relief_employee", _t("Type B relief on the worker's contributions")),
                ("relief_employer", _t("Type B relief on the co-op's contributions")))),
            (_t("Tax"), (
                ("imponibile_fiscale", _t("Imponibile fiscale")),
                ("irpef_lorda", _t("IRPEF lorda")),
                ("detrazione_lavoro", _t("Detrazione per lavoro dipendente")),
                ("detrazione_coniuge", _t("Detrazione for the spouse")),
                ("detrazione_figli", _t("Detrazione for children")),
                ("detrazione_altri", _t("Detrazione for other family members")),
                ("detrazione_cuneo", _t("Ulteriore detrazione (budget law)")),
                ("irpef", _t("IRPEF withheld")),
                ("irpef_quattordicesima", _t("of which on the quattordicesima")),
                ("addizionale_regionale", _t("Addizionale regionale")),
                ("addizionale_comunale_saldo", _t("Addizionale comunale (saldo)")),
                ("addizionale_comunale_acconto", _t("Addizionale comunale (acconto)")),
                ("trattamento_integrativo", _t("Trattamento integrativo")),
                ("somma_cuneo", _t("Tax-free sum (budget law)")))),
            (_t("Paid by the co-op"), (
                ("inps_employer", _t("INPS (co-op)")),
                ("inail", _t("INAIL")))),
            (_t("TFR"), (
                ("tfr_quota", _t("TFR quota of the month")),
                ("tfr_contribution", _t("0.5% contribution")),
                ("tfr_accrual", _t("TFR accrued this month")),
                ("tfr_fund", _t("TFR fund to date")))),
            (_t("This year to date"), (
                ("ytd_gross", _t("Gross pay")),
                ("ytd_imponibile_fiscale", _t("Imponibile fiscale")),
                ("ytd_irpef", _t("IRPEF withheld")),
                ("ytd_inps_employee", _t("INPS contributions (worker)")),
                ("ytd_relief", _t("Type B relief")))),
            (_t("Conguaglio"), (
                ("conguaglio_reddito", _t("Taxable income of the year")),
                ("conguaglio_irpef_lorda", _t("IRPEF lorda of the year")),
                ("conguaglio_irpef_netta", _t("IRPEF of the year")),
                ("conguaglio_regionale", _t("Addizionale regionale of the year")),
                ("conguaglio_comunale", _t("Addizionale comunale of the year (saldo)")))),
        )

    def worker(self, employee: PayrollEmployee) -> ItalianEmployee:
        """The app's employee record as the engine's :class:`ItalianEmployee`; ValueError naming a bad field."""
        if employee not in self._workers:
            self._workers[employee] = self._parse_worker(employee)
        return self._workers[employee]

    def _parse_worker(self, employee: PayrollEmployee) -> ItalianEmployee:
        def number(name: str, default: str = "0") -> Decimal:
            try:
                return Decimal(employee.field(name) or default)
            except ArithmeticError:
                raise ValueError(f"{name}: not a number") from None

        def integer(name: str) -> int:
            try:
                return int(employee.field(name) or "0")
            except ValueError:
                raise ValueError(f"{name}: not a whole number") from None

        leave = employee.field("leave_date")
        return ItalianEmployee(
            codice_fiscale=employee.field("codice_fiscale"), ccnl_level=employee.field("ccnl_level"),
            contract=employee.field("contract") or "indeterminato",
            part_time_percent=number("part_time_percent", "100"), region=employee.field("region"),
            comune=employee.field("comune"),
            start_date=date.fromisoformat(employee.field("start_date") or self.starts.isoformat()),
            leave_date=date.fromisoformat(leave) if leave else None,
            spouse_dependent=employee.field("spouse_dependent") in ("1", "true", "True", "y"),
            children_dependent=integer("children_dependent"), children_share=number("children_share", "100"),
            other_dependants=integer("other_dependants"),
            disadvantaged=employee.field("disadvantaged") == "1",
            disadvantage_category=employee.field("disadvantage_category") or None,
            seniority_pay=number("seniority_pay"), working_days_per_week=int(number("working_days_per_week", "5")))

    def employer(self, employee: PayrollEmployee) -> ItalianEmployer:
        """The co-op as the engine sees it: Type B by its legal form, its own rates from its settings."""
        try:
            inps, inail = Decimal(employee.field("employer_inps_percent")), Decimal(employee.field("inail_percent"))
        except ArithmeticError:
            raise ValueError("employer_inps_percent: give the co-op's INPS and INAIL rates in the payroll "
                             "settings") from None
        return ItalianEmployer(type_b=employee.field("legal_form") == "social_coop_b", employer_inps_percent=inps,
                               inail_percent=inail)

    def check_employee(self, employee: PayrollEmployee) -> dict[str, list[LocalText]]:
        """Problems with the app's employee record (its Italian fields), by field."""
        if employee not in self._checked:
            self._checked[employee] = self._check_employee(employee)
        return self._checked[employee]

    def _check_employee(self, employee: PayrollEmployee) -> dict[str, list[LocalText]]:
        try:
            worker = self.worker(employee)
        except ValueError as error:
            name, message = str(error).split(": ", 1)
            return {name: [_t("%(field)s: %(problem)s", field=name, problem=message)]}
        problems = self.check_worker(worker)
        given = dict(employee.fields)
        # the co-op's rates are checked when the app hands them (at calculation), not on the employee's record
        for name in (f.name for f in self.settings_fields() if f.name in given):
            value = given[name]
            try:
                valid = value != "" and 0 <= Decimal(value) <= 100
            except ArithmeticError:
                valid = False
            if not valid:
                problems.setdefault(name, []).append(_t("Give the co-op's rate in the payroll settings, "
                                                        "from 0 to 100 percent"))
        return problems

    def basic_pay(self, employee: PayrollEmployee, period: PayrollPeriod) -> Decimal | None:
        """The month's CCNL basic pay for the days employed, plus the seniority steps."""
        worker = self.worker(employee)
        pay = self.basic_pay_of(worker, period.period)
        if pay == 0:
            return pay
        return pay + worker.seniority_pay

    def annual_pay(self, employee: PayrollEmployee) -> Decimal | None:
        """The contractual annual pay: 13 months and the half quattordicesima (13.5) of the CCNL minimum x the
        part-time share, plus seniority."""
        worker = self.worker(employee)
        minimum = self.ccnl_levels(self.ends).get(worker.ccnl_level)
        if minimum is None:
            return None
        return cents((minimum * worker.part_time_percent / HUNDRED + worker.seniority_pay) * (13 + self._q_share))

    def opening_to_date(self, employee: PayrollEmployee, previous: YearToDate | None) -> YearToDate:
        """January's year to date: last year's addizionali to withhold, this year's acconto, the TFR fund."""
        extra = dict(previous.extra) if previous else {}
        if not extra:
            return YearToDate.zero()
        worker = self.worker(employee)
        reddito, netta = Decimal(extra.get("cong_reddito", "0")), Decimal(extra.get("cong_irpef_netta", "0"))
        acconto = self.acconto_comunale(worker.comune, reddito, netta) if worker.comune in self.data.comuni else ZERO
        return YearToDate(extra=tuple(sorted({
            "tfr_fund": extra.get("tfr_fund", "0.00"),
            "due_regionale": extra.get("cong_regionale", "0.00"),
            "due_comunale_saldo": extra.get("cong_comunale", "0.00"),
            "due_comunale_acconto": str(acconto),
        }.items())))

    def calculate(self, employee: PayrollEmployee, period: PayrollPeriod, gross_pay: Decimal,
                  pensionable_pay: Decimal, to_date: YearToDate, pension_refund: Decimal = ZERO) -> PayrollResult:
        """The month's cedolino from the app's record: ``pensionable_pay`` is the pay that counts for the TFR
        (lines marked pensionable), the rest is occasional pay; the tredicesima is added in December or on
        leaving, the quattordicesima in June or on leaving."""
        worker, employer = self.worker(employee), self.employer(employee)
        month = period.period
        first, last = _month_bounds(self._year, month)
        leaving = worker.leave_date is not None and first <= worker.leave_date <= last
        tredicesima = self.tredicesima(worker, self.months_for_tredicesima(worker)) if month == 12 or leaving \
            else ZERO
        quattordicesima = self.quattordicesima(worker, month) if month == self._q_month or leaving else ZERO
        extra = dict(to_date.extra)
        before = ItalianYearToDate(**{f.name: (int(extra[f.name]) if f.type == "int" else Decimal(extra[f.name]))
                                      for f in fields(ItalianYearToDate) if f.name in extra})
        due = AddizionaliDue(*(Decimal(extra.get(key, "0")) for key in ("due_regionale", "due_comunale_saldo",
                                                                           "due_comunale_acconto")))
        pay = PayItems(basic=pensionable_pay, other=gross_pay - pensionable_pay, tredicesima=tredicesima,
                       quattordicesima=quattordicesima)
        result = self.calculate_month(worker, employer, month, pay, before, due)
        after = result.to_date
        addizionali = sum(result.addizionali.values(), ZERO)
        kept = {f.name: str(getattr(after, f.name)) for f in fields(after)}
        kept.update({key: extra[key] for key in ("due_regionale", "due_comunale_saldo", "due_comunale_acconto")
                     if key in extra})
        details = {
            "days": after.days - before.days,
            "tredicesima": tredicesima, "quattordicesima": quattordicesima,
            "imponibile_previdenziale": result.imponibile_previdenziale,
            "inps_employee": result.inps_employee, "inps_additional": result.inps_additional,
            "relief_employee": result.relief_employee, "relief_employer": result.relief_employer,
            "imponibile_fiscale": result.imponibile_fiscale, "irpef_lorda": result.irpef_lorda,
            **{f"detrazione_{kind}": amount for kind, amount in result.detrazioni.items()},
            "irpef": result.irpef, "irpef_quattordicesima": result.irpef_quattordicesima,
            "addizionale_regionale": result.addizionali["regionale"],
            "addizionale_comunale_saldo": result.addizionali["comunale_saldo"],
            "addizionale_comunale_acconto": result.addizionali["comunale_acconto"],
            "trattamento_integrativo": result.trattamento_integrativo, "somma_cuneo": result.somma_cuneo,
            "inps_employer": result.inps_employer, "inail": result.inail, "tfr_quota": result.tfr_quota,
            "tfr_contribution": result.tfr_contribution, "tfr_accrual": result.tfr_accrual,
            "tfr_fund": result.tfr_fund, "ytd_gross": after.gross, "ytd_imponibile_fiscale": after.imponibile_fiscale,
            "ytd_irpef": after.irpef_withheld, "ytd_inps_employee": after.inps_employee,
            "ytd_relief": after.relief_employee + after.relief_employer,
        }
        if result.conguaglio is not None:
            c = result.conguaglio
            details.update(conguaglio_reddito=c.reddito, conguaglio_irpef_lorda=c.irpef_lorda,
                           conguaglio_irpef_netta=c.irpef_netta, conguaglio_regionale=c.addizionale_regionale,
                           conguaglio_comunale=c.addizionale_comunale)
            if not leaving:  # carried into next year's opening figures; a leaver's are withheld at once
                kept.update(cong_reddito=str(c.reddito), cong_irpef_netta=str(c.irpef_netta),
                            cong_regionale=str(c.addizionale_regionale), cong_comunale=str(c.addizionale_comunale))
        income_tax = result.irpef + addizionali
        new_to_date = YearToDate(
            gross_pay=after.gross, taxable_pay=after.imponibile_fiscale,
            tax=to_date.tax + income_tax, employee_ni=after.inps_employee,
            employer_ni=after.inps_employer + after.inail, extra=tuple(sorted(kept.items())))
        return PayrollResult(
            gross_pay=result.gross, taxable_pay=result.imponibile_fiscale, income_tax=income_tax,
            employee_ni=result.inps_employee, employer_ni=result.inps_employer + result.inail, student_loan=ZERO,
            postgraduate_loan=ZERO, pension_employee=ZERO, pension_employer=ZERO, auto_enrolment="",
            net_pay=result.net_pay, employer_cost=result.employer_cost, to_date=new_to_date, notes=result.notes,
            ni_earnings={}, tax_code="", details={key: str(value) for key, value in details.items()})

    def year_end_columns(self) -> tuple[tuple[str, str], ...]:
        """The year's totals per worker that the Certificazione Unica reports (from the year to date)."""
        return (("days", _t("Days of detrazione")), ("gross", _t("Gross pay")),
                ("imponibile_fiscale", _t("Imponibile fiscale")), ("irpef_withheld", _t("IRPEF withheld")),
                ("addizionale_regionale", _t("Addizionale regionale")),
                ("addizionale_comunale_saldo", _t("Addizionale comunale (saldo)")),
                ("addizionale_comunale_acconto", _t("Addizionale comunale (acconto)")),
                ("trattamento_integrativo", _t("Trattamento integrativo")),
                ("somma_cuneo", _t("Tax-free sum (budget law)")),
                ("inps_employee", _t("INPS contributions (worker)")), ("tfr_year", _t("TFR accrued in the year")),
                ("relief_employee", _t("Type B relief on the worker's contributions")),
                ("relief_employer", _t("Type B relief on the co-op's contributions")))

    def run_exports(self) -> dict[str, str]:
        """The month's Libro Unico del Lavoro entries (DL 112/2008 art. 39), in the layout of ``lul.py``."""
        return {"lul": _t("Libro Unico del Lavoro (CSV)")}

    def run_export(self, name: str, payslips: list) -> tuple[bytes, str, str]:
        """The LUL CSV of a run's payslips (see :meth:`run_exports`)."""
        if name != "lul":
            raise KeyError(name)
        from .lul import entry_from_payslip, lul_csv

        entries = [entry_from_payslip(slip) for slip in payslips]
        period = f"{payslips[0]['tax_year']}-{int(payslips[0]['period']):02d}" if payslips else self.tax_year
        return lul_csv(entries), "text/csv", f"lul-{period}.csv"

    def ni_categories(self) -> dict[str, str]:
        """Italy has no NI category letters."""
        return {}

    def validate_ni_number(self, value: str) -> str:
        raise InvalidIdentifier("ni_number", _t("Italian workers have no National Insurance number; "
                                                "give the codice fiscale"))

    def normalise_tax_code(self, value: str) -> tuple[str, bool]:
        raise InvalidIdentifier("tax_code", _t("Italian payroll uses no tax code"))

    def starter(self, start_date: date, declaration: str | None,
                previous: PreviousEmployment | None = None) -> StarterSetup:
        raise InvalidIdentifier("starter_declaration", _t("The UK starter checklist and P45 do not apply in Italy"))

    def employment_allowance(self) -> Decimal:
        """Italy has no employment allowance."""
        return ZERO

    def opt_out_refund(self, enrolled_on: date, opted_out_on: date, to_date: YearToDate) -> OptOutRefund:
        """No auto-enrolment pension in Italy: nothing to refund."""
        return OptOutRefund(False, opted_out_on, ZERO, ZERO)


def certificazione_unica(to_date: ItalianYearToDate, conguaglio: Conguaglio | None) -> dict[str, Decimal | int]:
    """The year's totals per worker that the Certificazione Unica reports (from December's to-date figures)."""
    totals: dict[str, Decimal | int] = {f.name: getattr(to_date, f.name) for f in fields(to_date)}
    if conguaglio is not None:
        totals.update(irpef_lorda=conguaglio.irpef_lorda, irpef_netta=conguaglio.irpef_netta,
                      addizionale_regionale_dovuta=conguaglio.addizionale_regionale,
                      addizionale_comunale_saldo_dovuto=conguaglio.addizionale_comunale,
                      **{f"detrazione_{kind}": amount for kind, amount in conguaglio.detrazioni.items()})
    return totals


class ItalianPayrollPack:
    """Every Italian tax year with a data file (see :class:`plugins.jurisdictions.base.PayrollPack`)."""

    def __init__(self) -> None:
        self._rules: dict[str, ItalianPayrollRules] = {}

    def tax_years(self) -> tuple[str, ...]:
        """The tax years with data, oldest first."""
        return tuple(sorted(load_years()))

    def tax_year_for(self, pay_date: date) -> str:
        """The Italian tax year (the calendar year) of ``pay_date``."""
        year = str(pay_date.year)
        if year not in load_years():
            raise NoPayrollRules(f"No Italian payroll rules cover {pay_date.isoformat()}; "
                                 f"tax years with data: {', '.join(self.tax_years())}")
        return year

    def rules(self, tax_year: str) -> ItalianPayrollRules:
        """The rules of ``tax_year`` ("2026")."""
        if tax_year not in self._rules:
            years = load_years()
            if tax_year not in years:
                raise NoPayrollRules(f"No Italian payroll rules for tax year {tax_year!r}; "
                                     f"tax years with data: {', '.join(self.tax_years())}")
            self._rules[tax_year] = ItalianPayrollRules(years[tax_year])
        return self._rules[tax_year]


payroll_pack = ItalianPayrollPack()
