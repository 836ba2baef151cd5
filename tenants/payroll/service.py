"""Payroll rules of one co-op. Plain functions on a session already scoped to the co-op; dates come in as values.

The statutory figures (tax, NI, student loans, pension, auto-enrolment, starter rules) come from the
jurisdiction's payroll rule pack for the run's tax year (`get_jurisdiction(country).payroll_rules`);
this module stores what goes in and what comes out, and adds what is the co-op's own: pay items,
other deductions, the worker members' capital instalments, the employment allowance across the
year, approval by a second person and the lock on paid runs.

Rounding rule (the one place the app rounds): a salaried employee's basic pay for a period is the
annual salary / periods in the year, and hours x rate lines are hours x rate, each rounded half-up
to the penny. Everything statutory is rounded by the rule pack where HMRC's specifications say.

A run goes draft -> calculated -> approved -> paid. Changing a line of a calculated run sends it
back to draft. Runs of one frequency are calculated in period order: a period's year-to-date
figures are those of the last paid period, so an earlier period must be paid first.
"""

import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    BigInteger,
    any_,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload

from consortium.audit import ACTOR_KEY
from consortium.citus import on_citus
from consortium.db import sqlite_ids, utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import LANGUAGES, _, _l, current_language, force_locale
from consortium.models import AuditEntry
from consortium.notifications.service import enqueue_email
from plugins.jurisdictions.base import (
    InvalidIdentifier,
    JurisdictionError,
    LocalText,
    PayrollEmployee,
    PayrollPeriod,
    PayrollRules,
    PensionScheme,
    PreviousEmployment,
    YearToDate,
    apply_employment_allowance,
    get_jurisdiction,
)
from tenants.members import service as members
from tenants.payroll.models import (
    CAPITAL_KINDS,
    DEDUCTION_KINDS,
    ENTERED_KINDS,
    FREQUENCIES,
    HOURLY_KINDS,
    PAY_KINDS,
    TAX_BASES,
    CapitalSchedule,
    Employee,
    PayrollSettings,
    PayRun,
    Payslip,
    PayslipEmail,
    PayslipLine,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PAYSLIP_KIND = "payroll.payslip"  # email to the employee when their pay run is paid
# Payslip emails rendered per run of the job (about 5 ms of PDF each): a 5,000-employee run leaves in ten minutes.
PAYSLIP_EMAIL_BATCH = 500
YTD_FIELDS = ("gross_pay", "taxable_pay", "tax", "employee_ni", "employer_ni", "student_loan", "postgraduate_loan",
              "pension_employee", "pension_employer")
FIGURES = ("gross_pay", "income_tax", "employee_ni", "employer_ni", "student_loan", "postgraduate_loan",
           "pension_employee", "pension_employer", "capital_share", "capital_loan", "other_deductions", "net_pay")
DEFAULT_SETTINGS = {
    "allow_self_approval": False, "net_pay_shortfall": "refuse", "claims_employment_allowance": True,
    "pension_provider": None, "pension_employee_percent": Decimal("5.00"),
    "pension_employer_percent": Decimal("3.00"), "pension_arrangement": "relief_at_source", "paye_reference": None,
    "jurisdiction_settings": None,
}
EMPLOYEE_FIELDS = (
    "member_id", "name", "email", "street", "city", "postcode", "ni_number", "date_of_birth", "start_date",
    "leave_date", "tax_code", "tax_basis", "ni_category", "student_loan_plans", "postgraduate_loan", "pay_frequency",
    "pay_basis", "annual_salary", "hourly_rate", "standard_hours", "starter_declaration", "p45_pay", "p45_tax",
    "p45_leaving_date", "p45_tax_code", "pension_enrolled_on", "pension_member", "pension_opted_out",
    "pension_opted_out_on", "jurisdiction_fields",
)
EMPLOYEE_NULLABLE = ("member_id", "email", "street", "city", "postcode", "ni_number", "leave_date", "annual_salary",
                     "hourly_rate", "standard_hours", "starter_declaration", "p45_pay", "p45_tax", "p45_leaving_date",
                     "p45_tax_code", "pension_enrolled_on", "pension_opted_out_on", "jurisdiction_fields")
EMPLOYEE_DEFAULTS = {"tax_basis": "cumulative", "ni_category": "A", "student_loan_plans": "",
                     "postgraduate_loan": False, "pay_frequency": "monthly", "pay_basis": "salary",
                     "pension_opted_out": False, "pension_member": False}
# The rule pack names PayrollEmployee's attributes; the forms name the employee's own fields.
RULE_FIELDS = {"week1_month1": "tax_basis", "pension": "pension_arrangement", "declaration": "starter_declaration",
               "previous": "p45_pay"}
FREQUENCY_STEP = {"weekly": relativedelta(weeks=1), "fortnightly": relativedelta(weeks=2),
                  "four_weekly": relativedelta(weeks=4), "monthly": relativedelta(months=1)}


# The payslip fields its audit rows record (the session's generic audit skips payslips; see `_audit_payslips`).
PAYSLIP_AUDITED = ("employee_id", "employee_name", "tax_code", "tax_basis", "ni_category", "calculated", "gross_pay",
                   "pensionable_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                   "postgraduate_loan", "pension_employee", "pension_employer", "pension_refund", "auto_enrolment",
                   "other_deductions", "capital_share", "capital_loan", "capital_share_balance",
                   "capital_loan_balance", "net_pay")
NOTE_CAPPED = _l("Deductions capped so net pay is not below zero (co-op setting).")


class Forbidden(ServiceError):
    """The user may not do this here (e.g. approve their own calculation)."""

    status = 403


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# --- settings and rules ------------------------------------------------------------------------


def get_settings(session) -> PayrollSettings:
    """The co-op's payroll settings and pension scheme (defaults, unsaved, until someone saves them)."""
    settings = session.scalar(select(PayrollSettings))
    return settings if settings is not None else PayrollSettings(**DEFAULT_SETTINGS)


def update_settings(session, changes: dict, tenant=None, today: date | None = None) -> PayrollSettings:
    """Change the co-op's payroll settings or its pension scheme (and the pack's own settings, checked against
    the fields the pack of `today`'s tax year declares)."""
    settings = get_settings(session)
    if changes.get("jurisdiction_settings") is not None:
        changes = {**changes, "jurisdiction_settings": _pack_settings(
            rules_on(tenant, today) if tenant is not None and today is not None else None,
            {**(settings.jurisdiction_settings or {}), **changes["jurisdiction_settings"]})}
    for key, value in changes.items():
        if key in DEFAULT_SETTINGS:
            setattr(settings, key, value)
    session.add(settings)
    session.flush()
    return settings


def _pack_settings(rules: PayrollRules | None, values: dict) -> dict:
    """The pack's own settings: only the fields it declares; decimal fields a number from 0 to 100 (rates)."""
    declared = {f.name: f for f in rules.settings_fields()} if rules is not None else {}
    for name, value in values.items():
        if name not in declared:
            raise field_error(name, _("is not a setting of this co-op's payroll"))
        if declared[name].kind == "decimal":
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                number = None
            if number is None or not 0 <= number <= 100:
                raise field_error(name, _("must be a percentage from 0 to 100"))
    return {name: str(value) for name, value in values.items()}


def pension_scheme(settings: PayrollSettings) -> PensionScheme:
    """The co-op's scheme in the rule pack's terms."""
    return PensionScheme(employee_percent=settings.pension_employee_percent,
                         employer_percent=settings.pension_employer_percent,
                         arrangement=settings.pension_arrangement)


def has_payroll(tenant) -> bool:
    """Whether the co-op's jurisdiction plugin provides a payroll rule pack (the UK does; Italy not yet).

    The Payroll link, home panel, pages and API are offered only where this is true; a plugin that gains a
    pack (`Jurisdiction.payroll`) turns them on for its co-ops with no change here.
    """
    try:
        return get_jurisdiction(tenant.country).payroll is not None
    except JurisdictionError:
        return False


def no_payroll_reason(tenant) -> str:
    """Why payroll is not offered to this co-op, in the reader's language."""
    from babel import Locale

    from consortium.i18n import format_locale

    territory = {"uk": "GB"}.get(tenant.country, tenant.country.upper())
    country = Locale.parse(format_locale()).territories.get(territory, tenant.country)
    return _("Payroll is not available for %(coop)s yet: the back office has no payroll rules (tax, social "
             "contributions, payslips) for %(country)s, where the co-op is registered. It will appear here when "
             "they are added.", coop=tenant.name, country=country)


def tax_year_of(tenant, on: date) -> str:
    """The payroll tax year a payment on `on` belongs to ("2026-27"); 422 naming `pay_date` if no pack has it."""
    try:
        return get_jurisdiction(tenant.country).payroll_tax_year(on)
    except JurisdictionError as error:
        raise field_error("pay_date", str(error)) from error


def rules_of_year(tenant, tax_year: str) -> PayrollRules:
    """The rule pack of `tax_year` for the co-op's jurisdiction."""
    try:
        return get_jurisdiction(tenant.country).payroll_rules(tax_year)
    except JurisdictionError as error:
        raise field_error("tax_year", str(error)) from error


def rules_on(tenant, on: date) -> PayrollRules:
    """The rule pack in force on `on`."""
    return rules_of_year(tenant, tax_year_of(tenant, on))


def ni_category_labels(tenant, tax_year: str) -> dict[str, str]:
    """The NI category letters of the co-op's rule pack for `tax_year`, each as "A: Standard rate" in the
    reader's language; empty when the jurisdiction has no pack for that year."""
    try:
        categories = get_jurisdiction(tenant.country).payroll_rules(tax_year).ni_categories()
    except JurisdictionError:
        return {}
    return {letter: f"{letter}: {readable(text)}" for letter, text in categories.items()}


def ni_category_labels_on(tenant, on: date) -> dict[str, str]:
    """`ni_category_labels` of the tax year in force on `on` (the employee form's choices)."""
    try:
        return ni_category_labels(tenant, get_jurisdiction(tenant.country).payroll_tax_year(on))
    except JurisdictionError:
        return {}


def _identifier_error(error: InvalidIdentifier) -> ServiceError:
    return field_error(RULE_FIELDS.get(error.field, error.field), readable(error.message))


# --- employees ---------------------------------------------------------------------------------


def employees_query(*, frequency: str | None = None, current_on: date | None = None):
    """SELECT of the co-op's employees by name; optionally one pay frequency, or those employed on a date."""
    query = select(Employee).order_by(Employee.name, Employee.id)
    if frequency:
        query = query.where(Employee.pay_frequency == frequency)
    if current_on is not None:
        query = query.where(Employee.start_date <= current_on,
                            (Employee.leave_date.is_(None)) | (Employee.leave_date >= current_on))
    return query


def get_employee(session, employee_id: int) -> Employee:
    """One employee of the current co-op; another co-op's employee is simply not found."""
    employee = session.scalar(select(Employee).where(Employee.id == employee_id))
    if employee is None:
        raise NotFound(_("No employee %(id)s in this co-op.", id=employee_id))
    return employee


def linked_member(session, employee: Employee):
    """The register entry of a worker-member employee (for their Type B disadvantaged flag), or None."""
    return members.get_member(session, employee.member_id) if employee.member_id else None


def payroll_employee(employee: Employee, scheme: PensionScheme | None,
                     fields: tuple[tuple[str, str], ...] = ()) -> PayrollEmployee:
    """The employee as the rule pack sees them (`fields`: `pack_fields`, for a pack that declares its own)."""
    return PayrollEmployee(
        tax_code=employee.tax_code, week1_month1=employee.tax_basis == "week1_month1",
        ni_category=employee.ni_category, student_loan_plans=employee.plans,
        postgraduate_loan=employee.postgraduate_loan, date_of_birth=employee.date_of_birth, pension=scheme,
        pension_opted_out=employee.pension_opted_out, pension_member=employee.pension_member, fields=fields)


def pack_fields(rules: PayrollRules, employee: Employee, *, disadvantaged: bool = False, tenant=None,
                settings: PayrollSettings | None = None) -> tuple[tuple[str, str], ...]:
    """What a pack that declares its own employee fields is handed (none for one that declares none): the
    employee's `jurisdiction_fields`, the employment dates, the member's Type B flag, and at calculation
    the co-op's legal form and `jurisdiction_settings` (each settings field present, empty when unset)."""
    if not rules.employee_fields():
        return ()
    values = {key: str(value) for key, value in (employee.jurisdiction_fields or {}).items() if value is not None}
    values |= {"start_date": employee.start_date.isoformat(),
               "leave_date": employee.leave_date.isoformat() if employee.leave_date else "",
               "disadvantaged": "1" if disadvantaged else ""}
    if settings is not None:
        own = settings.jurisdiction_settings or {}
        values |= {f.name: str(own.get(f.name) if own.get(f.name) is not None else "")
                   for f in rules.settings_fields()}
        values["legal_form"] = tenant.legal_form or "" if tenant is not None else ""
    return tuple(sorted(values.items()))


def readable(text) -> str:
    """A rule pack's message in the reader's language (its LocalText), or the text as it is."""
    return text.in_language(current_language()) if isinstance(text, LocalText) else str(text)


def in_every_language(text) -> dict[str, str]:
    """A note as {"en": ..., "it": ...}, so a stored payslip reads in whichever language its reader uses."""
    if isinstance(text, LocalText):
        return {language: text.in_language(language) for language in LANGUAGES}
    return dict.fromkeys(LANGUAGES, str(text))


def note_text(note) -> str:
    """A stored note in the reader's language."""
    return note.get(current_language()) or note.get("en", "") if isinstance(note, dict) else str(note)


def _own_note(message) -> dict[str, str]:
    """One of payroll's own (lazy) messages in every language."""
    texts = {}
    for language in LANGUAGES:
        try:
            with force_locale(language):
                texts[language] = str(message)
        except RuntimeError:  # outside a request (demo data, jobs): the English text
            texts[language] = str(message)
    return texts


def _check_member_link(session, employee: Employee) -> None:
    if employee.member_id is None:
        return
    try:
        member = members.get_member(session, employee.member_id)
    except NotFound as error:
        raise field_error("member_id", _("no member %(id)s in this co-op's register", id=employee.member_id)) from error
    if member.category != "worker":
        raise field_error("member_id", _("%(name)s is not a worker member", name=member.name))
    if not employee.name:
        employee.name = member.name


def _check_pay_basis(employee: Employee) -> None:
    if employee.pay_basis == "salary" and employee.annual_salary is None:
        raise field_error("annual_salary", _("is needed for a salaried employee"))
    if employee.pay_basis == "hourly":
        if employee.hourly_rate is None:
            raise field_error("hourly_rate", _("is needed for an hourly-paid employee"))
        if employee.standard_hours is None:
            raise field_error("standard_hours", _("is needed for an hourly-paid employee"))


def _apply_starter_rules(employee: Employee, rules: PayrollRules) -> None:
    """A new starter's code, basis and brought-forward figures, by the rule pack's starter rules (P45 or A/B/C)."""
    previous = None
    if employee.p45_pay is not None or employee.p45_tax is not None:
        if employee.p45_pay is None or employee.p45_tax is None or employee.p45_leaving_date is None \
                or not employee.p45_tax_code:
            raise field_error("p45_pay", _("a P45 needs the leaving date, tax code, pay to date and tax to date"))
        try:
            p45_code, p45_week1 = rules.normalise_tax_code(employee.p45_tax_code)
        except InvalidIdentifier as error:
            raise field_error("p45_tax_code", readable(error.message)) from error
        previous = PreviousEmployment(leaving_date=employee.p45_leaving_date, tax_code=p45_code,
                                      week1_month1=p45_week1, pay_to_date=employee.p45_pay,
                                      tax_to_date=employee.p45_tax)
    if previous is None and employee.starter_declaration is None:
        return
    try:
        setup = rules.starter(employee.start_date, employee.starter_declaration, previous)
    except InvalidIdentifier as error:
        raise _identifier_error(error) from error
    employee.tax_code = setup.tax_code
    employee.tax_basis = "week1_month1" if setup.week1_month1 else "cumulative"
    employee.brought_forward = {"tax_year": rules.tax_year,
                                **{key: str(getattr(setup.to_date, key)) for key in YTD_FIELDS}}
    employee.starter_reason = readable(setup.reason)[:400]


def _rules_for_record(tenant, employee: Employee, today: date) -> PayrollRules:
    """The tax year an employee's record is checked against: the one of their start, or of today if later."""
    try:
        return rules_on(tenant, max(employee.start_date, today))
    except ServiceError:
        return rules_on(tenant, today)


def _validate_employee(session, tenant, employee: Employee, scheme: PensionScheme, today: date, *,
                       starter: bool) -> None:
    if employee.leave_date is not None and employee.leave_date < employee.start_date:
        raise field_error("leave_date", _("must not be before the start date"))
    if employee.tax_basis not in TAX_BASES:
        raise field_error("tax_basis", _("must be cumulative or week 1 / month 1"))
    if employee.pension_opted_out and employee.pension_opted_out_on is None:
        raise field_error("pension_opted_out_on", _("give the date the employee opted out"))
    _check_member_link(session, employee)
    rules = _rules_for_record(tenant, employee, today)
    if rules.employee_fields():
        _check_pack_fields(session, rules, employee, scheme)
    _check_pay_basis(employee)
    if employee.ni_number:
        try:
            employee.ni_number = rules.validate_ni_number(employee.ni_number)
        except InvalidIdentifier as error:
            raise field_error("ni_number", readable(error.message)) from error
    if starter:
        # HMRC's starter rules are those of the tax year the employee starts in, where the pack has it.
        try:
            starter_rules = rules_on(tenant, employee.start_date)
        except ServiceError:
            starter_rules = rules
        _apply_starter_rules(employee, starter_rules)
    if rules.uses_tax_code:
        if not employee.tax_code:
            raise field_error("tax_code", _("give the tax code, or the starter declaration or P45 figures"))
        try:
            code, week1 = rules.normalise_tax_code(employee.tax_code)
        except InvalidIdentifier as error:
            raise field_error("tax_code", readable(error.message)) from error
        employee.tax_code = code
        if week1:
            employee.tax_basis = "week1_month1"
    problems = rules.check_employee(payroll_employee(employee, scheme, pack_fields(rules, employee)))
    if problems:
        errors = {RULE_FIELDS.get(key, key): [readable(m) for m in messages] for key, messages in problems.items()}
        first = next(iter(errors))
        raise ServiceError(f"{first}: {'; '.join(errors[first])}", errors)


def _check_pack_fields(session, rules: PayrollRules, employee: Employee, scheme: PensionScheme) -> None:
    """A pack's own employee fields: only those it declares, its own checks, and the annual pay it fixes."""
    declared = {f.name: f for f in rules.employee_fields()}
    given = {key: value for key, value in (employee.jurisdiction_fields or {}).items()
             if value is not None and value != ""}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise field_error(unknown[0], _("is not a field of this co-op's payroll"))
    values = {name: str(given.get(name, f.default)) for name, f in declared.items()}
    employee.jurisdiction_fields = {name: value for name, value in values.items() if value != ""}
    member = linked_member(session, employee)
    person = payroll_employee(employee, scheme, pack_fields(rules, employee,
                                                            disadvantaged=bool(member and member.disadvantaged)))
    problems = rules.check_employee(person)
    if problems:
        errors = {key: [readable(m) for m in messages] for key, messages in problems.items()}
        first = next(iter(errors))
        raise ServiceError(f"{first}: {'; '.join(errors[first])}", errors)
    annual = rules.annual_pay(person)
    if annual is not None:
        employee.pay_basis, employee.annual_salary = "salary", annual


def _duplicate_ni_number(session, employee: Employee) -> None:
    if not employee.ni_number:
        return
    other = session.scalar(select(Employee.id).where(Employee.ni_number == employee.ni_number,
                                                     Employee.id != (employee.id or 0)))
    if other is not None:
        raise Conflict(_("Another employee already has NI number %(ni)s.", ni=employee.ni_number),
                       {"ni_number": [_("already used by another employee")]})


def add_employee(session, tenant, data: dict, today: date) -> Employee:
    """Take on an employee; a starter declaration or P45 figures set the starting code as HMRC's rules say."""
    values = EMPLOYEE_DEFAULTS | {key: data[key] for key in EMPLOYEE_FIELDS if data.get(key) is not None}
    values["student_loan_plans"] = ",".join(sorted(set(data.get("student_loan_plans") or ())))
    values.setdefault("name", "")
    values.setdefault("tax_code", "")
    employee = Employee(**values)
    scheme = pension_scheme(get_settings(session))
    _validate_employee(session, tenant, employee, scheme, today, starter=True)
    if not employee.name:
        raise field_error("name", _("give the employee's name or link a worker member"))
    _duplicate_ni_number(session, employee)
    session.add(employee)
    session.flush()
    return employee


def update_employee(session, tenant, employee: Employee, changes: dict, today: date) -> Employee:
    """Change an employee's record (a new tax code from HMRC, a leaving date, an opt-out...)."""
    with session.no_autoflush:  # nothing reaches the database before the whole change is checked
        starter_changed = any(key in changes for key in ("starter_declaration", "p45_pay", "p45_tax",
                                                         "p45_leaving_date", "p45_tax_code")) \
            and not _has_payslips(session, employee)
        for key in EMPLOYEE_FIELDS:
            if key not in changes:
                continue
            value = changes[key]
            if value is None and key not in EMPLOYEE_NULLABLE:
                raise field_error(key, _("may not be empty"))
            if key == "student_loan_plans":
                value = ",".join(sorted(set(value or ())))
            if key == "jurisdiction_fields":  # a change names only the fields it changes
                value = {**(employee.jurisdiction_fields or {}), **(value or {})}
            setattr(employee, key, value)
        _validate_employee(session, tenant, employee, pension_scheme(get_settings(session)), today,
                           starter=starter_changed)
        _duplicate_ni_number(session, employee)
    session.flush()
    return employee


def employee_payslips(session, employee: Employee) -> list[Payslip]:
    """The employee's payslips, newest first."""
    return list(session.scalars(select(Payslip).join(PayRun, (PayRun.tenant_id == Payslip.tenant_id)
                                                     & (PayRun.id == Payslip.run_id))
                                .where(Payslip.employee_id == employee.id)
                                .order_by(PayRun.pay_date.desc(), Payslip.id.desc())))


def _has_payslips(session, employee: Employee) -> bool:
    return session.scalar(select(func.count(Payslip.id)).where(Payslip.employee_id == employee.id)) > 0


# --- capital schedules -------------------------------------------------------------------------


def add_capital_schedule(session, employee: Employee, data: dict) -> CapitalSchedule:
    """Start a share subscription in instalments or a capital-loan repayment for a worker member.

    A share subscription adds its total to the member's shares subscribed in the register now; each paid
    instalment adds to the shares paid, so the register and the payroll agree at every step.
    """
    kind = data["kind"]
    if kind not in CAPITAL_KINDS:
        raise field_error("kind", _("must be a share subscription or a loan repayment"))
    if data["per_period"] > data["total"]:
        raise field_error("per_period", _("must not be more than the total"))
    if any(s.kind == kind and s.balance > 0 for s in employee.capital_schedules):
        raise Conflict(_("%(name)s already has an unfinished schedule of this kind.", name=employee.name),
                       {"kind": [_("an unfinished schedule of this kind exists")]})
    if kind == "share_subscription":
        member = linked_member(session, employee)
        if member is None:
            raise field_error("kind", _("a share subscription needs the employee linked to a worker member"))
        members.update_member(session, member, {"shares_subscribed": member.shares_subscribed + data["total"]})
    else:
        for key in ("lender", "loan_reference"):
            if not data.get(key):
                raise field_error(key, _("is needed for a loan repayment"))
    schedule = CapitalSchedule(employee_id=employee.id, kind=kind, total=data["total"], per_period=data["per_period"],
                               start_on=data["start_on"], lender=data.get("lender") if kind == "loan_repayment"
                               else None, loan_reference=data.get("loan_reference") if kind == "loan_repayment"
                               else None)
    session.add(schedule)
    session.flush()
    session.expire(employee, ["capital_schedules"])
    return schedule


# --- pay runs ----------------------------------------------------------------------------------


def runs_query(*, tax_year: str | None = None, state: str | None = None):
    """SELECT of the co-op's pay runs, newest pay date first."""
    query = select(PayRun).order_by(PayRun.pay_date.desc(), PayRun.id.desc())
    if tax_year:
        query = query.where(PayRun.tax_year == tax_year)
    if state:
        query = query.where(PayRun.state == state)
    return query


def get_run(session, run_id: int) -> PayRun:
    """One pay run of the current co-op."""
    run = session.scalar(select(PayRun).where(PayRun.id == run_id))
    if run is None:
        raise NotFound(_("No pay run %(id)s in this co-op.", id=run_id))
    return run


def get_payslip(session, payslip_id: int) -> Payslip:
    """One payslip of the current co-op."""
    payslip = session.scalar(select(Payslip).where(Payslip.id == payslip_id))
    if payslip is None:
        raise NotFound(_("No payslip %(id)s in this co-op.", id=payslip_id))
    return payslip


def period_start(frequency: str, pay_date: date) -> date:
    """The first day of the pay period ending on `pay_date` (a month, or 1, 2 or 4 weeks)."""
    return pay_date - FREQUENCY_STEP[frequency] + timedelta(days=1)


def basic_line(employee: Employee, rules: PayrollRules, frequency: str, period: PayrollPeriod | None = None) -> dict:
    """The basic-pay line of a period: the pack's where it fixes it (a collective agreement's minimum for the
    days employed), else salary / periods in the year, or standard hours x rate (half-up)."""
    if period is not None and rules.employee_fields():
        amount = rules.basic_pay(payroll_employee(employee, None, pack_fields(rules, employee)), period)
        if amount is not None:
            return {"kind": "basic", "description": "", "hours": None, "rate": None, "amount": amount}
    if employee.pay_basis == "hourly":
        return {"kind": "hourly", "description": "", "hours": employee.standard_hours,
                "rate": employee.hourly_rate, "amount": _cents(employee.standard_hours * employee.hourly_rate)}
    periods = rules.periods_in_year(frequency)
    return {"kind": "basic", "description": "", "hours": None, "rate": None,
            "amount": _cents(employee.annual_salary / periods)}


@contextmanager
def _whole_run():
    """Hold Python's cyclic garbage collector while a whole run is built, calculated or paid.

    A 5,000-payslip run keeps a few hundred thousand small objects (rows, figures, audit changes) alive until
    its statements are sent; each of them counts towards the collector's thresholds, and each full collection
    it then triggers walks every object of the process: measured at 5,000 payslips, 0.49 s of a calculation's
    1.08 s of CPU. Reference counting still frees everything as usual; the collector resumes (and catches up)
    when the run is done, also on error. Nested or concurrent use leaves it as the first caller found it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# What opening a run reads of each employee: who is paid in the period, and their basic pay.
OPENING_COLUMNS = (Employee.name, Employee.tax_code, Employee.tax_basis, Employee.ni_category,
                   Employee.student_loan_plans, Employee.postgraduate_loan, Employee.date_of_birth,
                   Employee.start_date, Employee.leave_date, Employee.pension_member, Employee.pension_opted_out,
                   Employee.pay_basis, Employee.annual_salary, Employee.hourly_rate, Employee.standard_hours,
                   Employee.jurisdiction_fields)


@_whole_run()
def create_run(session, tenant, data: dict, user_id: int | None) -> PayRun:
    """Open a pay run for one frequency and pay date: a payslip with basic pay for everyone paid then.

    The employees are read as rows and the payslips and their basic-pay lines inserted in bulk (a few
    multi-row INSERTs for 5,000 employees), each audited as the session's audit would.
    """
    frequency, pay_date = data["frequency"], data["pay_date"]
    if frequency not in FREQUENCIES:
        raise field_error("frequency", _("must be weekly, fortnightly, four-weekly or monthly"))
    rules = rules_on(tenant, pay_date)
    try:
        period = rules.period_for(pay_date, frequency)
    except ValueError as error:
        raise field_error("pay_date", str(error)) from error
    existing = session.scalar(select(PayRun).where(PayRun.frequency == frequency, PayRun.tax_year == rules.tax_year,
                                                   PayRun.period == period))
    if existing is not None:
        problem = (_("period %(period)s of %(year)s is already paid; put corrections in the next run",
                     period=period, year=rules.tax_year) if existing.state == "paid"
                   else _("a run for period %(period)s of %(year)s already exists", period=period,
                          year=rules.tax_year))
        raise Conflict(_("Pay date: %(problem)s.", problem=problem), {"pay_date": [problem]})
    first_day = period_start(frequency, pay_date)
    query = employees_query(frequency=frequency).with_only_columns(Employee.id, *OPENING_COLUMNS)
    employees = [employee for employee in (_Record(row._mapping) for row in session.execute(query))
                 if employee.employed_during(first_day, pay_date)]
    if not employees:
        raise field_error("frequency", _("nobody is paid %(frequency)s in the period ending %(day)s",
                                         frequency=frequency.replace("_", "-"), day=pay_date.isoformat()))
    run = PayRun(frequency=frequency, tax_year=rules.tax_year, period=period, pay_date=pay_date, state="draft",
                 created_by_id=user_id)
    session.add(run)
    session.flush()
    tenant_id = run.tenant_id
    pay_period = PayrollPeriod(rules.tax_year, frequency, period, pay_date)
    defaults = {key: _column_default(Payslip.__table__.c[key]) for key in PAYSLIP_AUDITED}
    slips = [{**defaults, "tenant_id": tenant_id, "run_id": run.id, "employee_id": employee.id,
              "employee_name": employee.name, "tax_code": employee.tax_code, "tax_basis": employee.tax_basis,
              "ni_category": employee.ni_category} for employee in employees]
    slip_ids = _insert_many(session, Payslip.__table__, slips, ("employee_id",))
    lines = [{"tenant_id": tenant_id, "payslip_id": slip_ids[employee.id,], "position": 1, "pensionable": True,
              "schedule_id": None, **basic_line(employee, rules, frequency, pay_period)} for employee in employees]
    line_ids = _insert_many(session, PayslipLine.__table__, lines, ("payslip_id",))
    _audit_rows(session, "PayslipLine", "create", [
        (tenant_id, line_ids[row["payslip_id"],],
         {key: [None, value] for key, value in {**row, "id": line_ids[row["payslip_id"],]}.items()
          if value is not None}) for row in lines])
    _audit_payslips(session, tenant_id, None, {slip_ids[row["employee_id"],]: {key: row[key] for key in PAYSLIP_AUDITED}
                                               for row in slips})
    session.expire(run, ["payslips"])
    return run


def _column_default(column):
    """A column's Python-side default value (what an ORM insert would write), or None."""
    return column.default.arg if column.default is not None and column.default.is_scalar else None


def _payslip_figures(payslip: Payslip) -> dict:
    return {key: getattr(payslip, key) for key in PAYSLIP_AUDITED}


def _audit_payslips(session, tenant_id: int, before: dict[int, dict] | None, after: dict[int, dict]) -> None:
    """One audit row per payslip created (`before` None) or whose figures changed, in one INSERT.

    `before` and `after` hold the audited figures (`PAYSLIP_AUDITED`, or more) by payslip id.
    """
    if before is None:
        rows = [(tenant_id, payslip_id, {key: [None, figures[key]] for key in PAYSLIP_AUDITED
                                         if figures[key] is not None}) for payslip_id, figures in after.items()]
    else:
        rows = []
        for payslip_id, figures in after.items():
            old = before[payslip_id]
            changes = {key: [old[key], figures[key]] for key in PAYSLIP_AUDITED if old[key] != figures[key]}
            if changes:
                rows.append((tenant_id, payslip_id, changes))
    _audit_rows(session, "Payslip", "create" if before is None else "update", rows)


def _require_editable(run: PayRun) -> None:
    if run.state in ("approved", "paid"):
        raise Conflict(_("This run is %(state)s: its payslips can no longer change.", state=_state_label(run.state)),
                       {"state": [_("the run is %(state)s", state=_state_label(run.state))]})


def _state_label(state: str) -> str:
    from tenants.payroll.labels import RUN_STATE_LABELS

    return str(RUN_STATE_LABELS[state])


def _back_to_draft(session, run: PayRun, payslip: Payslip) -> None:
    before = {payslip.id: _payslip_figures(payslip)}
    payslip.calculated = False
    _audit_payslips(session, payslip.tenant_id, before, {payslip.id: _payslip_figures(payslip)})
    run.state = "draft"
    run.calculated_by_id = None
    run.calculated_at = None


def add_line(session, payslip: Payslip, data: dict) -> PayslipLine:
    """Add a pay item (hours x rate, overtime, bonus, holiday or statutory pay) or a deduction to a payslip."""
    run = payslip.run
    _require_editable(run)
    kind = data["kind"]
    if kind not in ENTERED_KINDS:
        raise field_error("kind", _("this kind of line is written by the payroll itself"))
    hours, rate, amount = data.get("hours"), data.get("rate"), data.get("amount")
    if hours is not None and hours < 0:
        raise field_error("hours", _("must not be negative"))
    if kind in HOURLY_KINDS:
        if hours is None or rate is None:
            raise field_error("hours" if hours is None else "rate", _("hours and rate are both needed"))
        amount = _cents(hours * rate)
    elif amount is None:
        raise field_error("amount", _("is needed"))
    if amount < 0:
        raise field_error("amount", _("must not be negative"))
    position = max((line.position for line in payslip.lines), default=0) + 1
    line = PayslipLine(position=position, kind=kind, description=(data.get("description") or "").strip(),
                       hours=hours if kind in HOURLY_KINDS else None, rate=rate if kind in HOURLY_KINDS else None,
                       amount=amount, pensionable=data.get("pensionable", kind in PAY_KINDS) and kind in PAY_KINDS)
    payslip.lines.append(line)
    _back_to_draft(session, run, payslip)
    session.flush()
    return line


def _kind_label(kind: str) -> str:
    from tenants.payroll.labels import LINE_KIND_LABELS

    return str(LINE_KIND_LABELS[kind])


def line_text(line: PayslipLine) -> str:
    """What a line says on pages and payslips, in the reader's language (payroll's own lines store no words)."""
    if line.kind == "loan_repayment":
        return _("Capital loan repayment to %(lender)s", lender=line.description)
    if line.description:
        return line.description
    if line.kind == "hourly" and line.position == 1:
        return _("Basic pay (standard hours)")
    return _kind_label(line.kind)


def remove_line(session, payslip: Payslip, line_id: int) -> None:
    """Take an entered line off a payslip (basic pay and capital instalments are the payroll's own)."""
    _require_editable(payslip.run)
    line = next((line for line in payslip.lines if line.id == line_id), None)
    if line is None:
        raise NotFound(_("No line %(id)s on this payslip.", id=line_id))
    if line.kind not in ENTERED_KINDS:
        raise field_error("line_id", _("basic pay and capital instalments cannot be removed by hand"))
    payslip.lines.remove(line)
    _back_to_draft(session, payslip.run, payslip)
    session.flush()


# --- calculation -------------------------------------------------------------------------------


def _ytd_from(values: dict | None) -> YearToDate:
    # a starter's brought-forward figures also name their tax year, which is no figure
    return YearToDate.from_dict({key: value for key, value in (values or {}).items() if key != "tax_year"})


def years_to_date(session, employees: list[Employee], run: PayRun) -> dict[int, YearToDate]:
    """Each employee's figures for the tax year before `run`: their last paid payslip's, or what the P45 brought.

    The year's paid runs are read newest first, one query each, only for the employees not found yet:
    usually the run before this one answers for everybody. (One query over every paid payslip of the year
    read each employee's whole year, 35,000 rows for 5,000 employees in month 8.)
    """
    paid_runs = session.scalars(select(PayRun.id).where(
        PayRun.tax_year == run.tax_year, PayRun.state == "paid", PayRun.pay_date <= run.pay_date, PayRun.id != run.id)
        .order_by(PayRun.pay_date.desc(), PayRun.id.desc())).all()
    latest, missing = {}, {employee.id for employee in employees}
    for run_id in paid_runs:
        if not missing:
            break
        found = session.execute(select(Payslip.employee_id, Payslip.to_date).where(
            Payslip.run_id == run_id, _id_among(session, Payslip.employee_id, missing))).all()
        latest.update(found)
        missing.difference_update(employee_id for employee_id, _to_date in found)
    result = {}
    for employee in employees:
        if employee.id in latest:
            result[employee.id] = _ytd_from(latest[employee.id])
        elif employee.brought_forward and employee.brought_forward.get("tax_year") == run.tax_year:
            result[employee.id] = _ytd_from(employee.brought_forward)
        else:
            result[employee.id] = YearToDate.zero()
    return result


def _refunded_employees(session, run: PayRun) -> set[int]:
    """Employees whose opt-out refund was paid in another run already (it is paid once)."""
    return set(session.scalars(select(Payslip.employee_id).where(Payslip.pension_refund > 0,
                                                                 Payslip.run_id != run.id).distinct()))


def _refund_due(rules: PayrollRules, employee: Employee, to_date: YearToDate, refunded: set[int]) -> Decimal:
    """An opt-out refund of the employee's contributions, paid once in the first run after opting out in time."""
    if not employee.pension_opted_out or employee.pension_opted_out_on is None or employee.id in refunded:
        return ZERO
    refund = rules.opt_out_refund(employee.pension_enrolled_on or employee.start_date,
                                  employee.pension_opted_out_on, to_date)
    return refund.employee_refund if refund.within_window else ZERO


@dataclass
class Shortfall:
    """A payslip whose deductions would take net pay below zero."""

    employee: str
    amount: Decimal


@dataclass(slots=True)
class _Line:
    """A payslip line as a calculation handles it: plain attributes, not an ORM instance per line."""

    id: int | None  # None: a line this calculation adds
    position: int
    kind: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    pensionable: bool
    schedule_id: int | None
    stored_amount: Decimal | None = None  # the amount in the database (a capped deduction changes it)


@dataclass(slots=True)
class _Slip:
    """A payslip being calculated: its id, employee, lines, and the capital lines the calculation took off."""

    id: int
    employee_id: int
    lines: list[_Line]
    removed: list[_Line]

    @property
    def pay_lines(self) -> list[_Line]:
        return [line for line in self.lines if line.kind in PAY_KINDS]

    @property
    def deduction_lines(self) -> list[_Line]:
        return [line for line in self.lines if line.kind in DEDUCTION_KINDS]


class _Record:
    """An employee's columns as plain attributes (what `payroll_employee`, `pack_fields` and a calculation read),
    read as rows rather than 5,000 ORM instances."""

    plans = Employee.plans
    employed_during = Employee.employed_during

    def __init__(self, values):
        self.__dict__.update(values)


def _capital_lines(slip: _Slip, employee: _Record, pay_date: date) -> None:
    slip.removed = [line for line in slip.lines if line.kind in CAPITAL_KINDS]
    slip.lines = [line for line in slip.lines if line.kind not in CAPITAL_KINDS]
    position = max((line.position for line in slip.lines), default=0)
    for schedule in employee.capital_schedules:
        if schedule.balance <= 0 or schedule.start_on > pay_date:
            continue
        position += 1
        # the lender and loan are data; the words around them are written in the reader's language
        description = "" if schedule.kind == "share_subscription" else f"{schedule.lender} ({schedule.loan_reference})"
        slip.lines.append(_Line(id=None, position=position, kind=schedule.kind, description=description, hours=None,
                                rate=None, amount=min(schedule.per_period, schedule.balance), pensionable=False,
                                schedule_id=schedule.id))


def _cap_deductions(slip: _Slip, shortfall: Decimal) -> Decimal:
    """Reduce capital, then other deductions (last first) by up to `shortfall`; returns what is still short."""
    order = {"loan_repayment": 0, "share_subscription": 1, "deduction": 2}
    for line in sorted(slip.deduction_lines, key=lambda line: (order[line.kind], -line.position)):
        if shortfall <= 0:
            break
        cut = min(line.amount, shortfall)
        line.amount -= cut
        shortfall -= cut
    return shortfall


@dataclass(frozen=True)
class RunContext:
    """What every payslip of one calculation shares, read once for the whole run."""

    rules: PayrollRules
    scheme: PensionScheme
    cap: bool
    employees: dict[int, _Record]
    to_date: dict[int, YearToDate]
    refunded: set[int]
    fields: dict[int, tuple[tuple[str, str], ...]]  # `pack_fields` per employee (empty for a pack with none)


def _calculate_payslip(context: RunContext, run: PayRun, slip: _Slip) -> Shortfall | dict:
    """The payslip's new figures by column, or its shortfall; the payslip itself is written by `_write_payslips`."""
    rules, scheme, cap = context.rules, context.scheme, context.cap
    employee = context.employees[slip.employee_id]
    person = payroll_employee(employee, scheme, context.fields.get(employee.id, ()))
    problems = rules.check_employee(person)
    if problems:
        detail = "; ".join(f"{RULE_FIELDS.get(k, k)}: {', '.join(readable(m) for m in v)}"
                           for k, v in problems.items())
        raise ServiceError(_("%(name)s cannot be paid: %(detail)s", name=employee.name, detail=detail),
                           {"employees": [f"{employee.name}: {detail}"]})
    _capital_lines(slip, employee, run.pay_date)
    pay_lines = slip.pay_lines
    gross = sum((line.amount for line in pay_lines), ZERO)
    pensionable = sum((line.amount for line in pay_lines if line.pensionable), ZERO)
    to_date = context.to_date[employee.id]
    refund = _refund_due(rules, employee, to_date, context.refunded)
    period = PayrollPeriod(tax_year=run.tax_year, frequency=run.frequency, period=run.period, pay_date=run.pay_date)
    result = rules.calculate(person, period, gross, pensionable, to_date, refund)
    deductions = sum((line.amount for line in slip.deduction_lines), ZERO)
    net = result.net_pay - deductions
    if net < 0 and cap:
        left = _cap_deductions(slip, -net)
        net = ZERO - left
        notes = [in_every_language(note) for note in result.notes]
        if left == 0:
            notes.append(_own_note(NOTE_CAPPED))
    else:
        notes = [in_every_language(note) for note in result.notes]
    if net < 0:
        return Shortfall(employee.name, -net)
    figures = {"employee_name": employee.name, "tax_code": result.tax_code.split(" ")[0],
               "tax_basis": employee.tax_basis, "ni_category": employee.ni_category}
    for key in ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                "postgraduate_loan", "pension_employee", "pension_employer"):
        figures[key] = getattr(result, key)
    figures["pensionable_pay"] = pensionable
    figures["auto_enrolment"] = result.auto_enrolment
    figures["pension_refund"] = refund
    figures["other_deductions"] = sum((line.amount for line in slip.lines if line.kind == "deduction"), ZERO)
    figures["capital_share"] = sum((line.amount for line in slip.lines if line.kind == "share_subscription"), ZERO)
    figures["capital_loan"] = sum((line.amount for line in slip.lines if line.kind == "loan_repayment"), ZERO)
    balances = {kind: None for kind in CAPITAL_KINDS}
    for schedule in employee.capital_schedules:
        if schedule.balance > 0 or any(line.schedule_id == schedule.id for line in slip.lines):
            taken = sum((line.amount for line in slip.lines if line.schedule_id == schedule.id), ZERO)
            balances[schedule.kind] = schedule.balance - taken
    figures["capital_share_balance"] = balances["share_subscription"]
    figures["capital_loan_balance"] = balances["loan_repayment"]
    figures["net_pay"] = net
    figures["to_date"] = result.to_date.as_dict()
    figures["details"] = dict(result.details) or None
    figures["ni_earnings"] = {key: str(value) for key, value in result.ni_earnings.items()}
    figures["notes"] = notes
    figures["calculated"] = True
    return figures


def _check_fingerprint(session, run: PayRun, rules: PayrollRules) -> None:
    """A tax year's figures never change once one of its runs is paid: refuse to go on if the data file did."""
    paid = session.scalars(select(PayRun.rules_fingerprint).where(PayRun.tax_year == run.tax_year,
                                                                  PayRun.state == "paid").distinct()).all()
    if any(fingerprint != rules.fingerprint for fingerprint in paid):
        problem = _("the %(year)s rule data (%(file)s) changed after a run of that year was paid; restore the "
                    "file as it was", year=run.tax_year, file=rules.source_file)
        raise Conflict(_("Tax year: %(problem)s.", problem=problem), {"tax_year": [problem]})


def _allowance_left(session, rules: PayrollRules, run: PayRun, settings: PayrollSettings) -> Decimal:
    if not settings.claims_employment_allowance:
        return ZERO
    used = session.scalar(select(func.coalesce(func.sum(PayRun.employment_allowance_used), 0)).where(
        PayRun.tax_year == run.tax_year, PayRun.id != run.id, PayRun.state != "draft"))
    return max(rules.employment_allowance() - Decimal(used), ZERO)


LINE_COLUMNS = ("id", "position", "kind", "description", "hours", "rate", "amount", "pensionable", "schedule_id")


def _slips_with_lines(session, run: PayRun) -> tuple[list[_Slip], dict[int, dict]]:
    """The run's payslips with their lines, as rows (two queries whatever the number of payslips), and each
    payslip's audited figures before the calculation."""
    rows = session.execute(select(Payslip.id, *(getattr(Payslip, key) for key in PAYSLIP_AUDITED))
                           .where(Payslip.run_id == run.id).order_by(Payslip.id)).all()
    if not rows:
        return [], {}
    lines = defaultdict(list)
    columns = [getattr(PayslipLine, key) for key in LINE_COLUMNS]
    for row in session.execute(select(PayslipLine.payslip_id, *columns)
                               .where(_id_among(session, PayslipLine.payslip_id, {row.id for row in rows}))
                               .order_by(PayslipLine.payslip_id, PayslipLine.position)):
        lines[row.payslip_id].append(_Line(*row[1:], stored_amount=row.amount))
    slips = [_Slip(id=row.id, employee_id=row.employee_id, lines=lines[row.id], removed=[]) for row in rows]
    before = {row.id: row._asdict() for row in rows}
    return slips, before


def _employee_records(session, ids: set[int], columns) -> dict[int, _Record]:
    """The employees `ids` with `columns` and their capital schedules, in two queries."""
    records = {row.id: _Record(row._mapping) for row in session.execute(
        select(Employee.id, *columns).where(_id_among(session, Employee.id, ids)))}
    for record in records.values():
        record.capital_schedules = []
    if records:
        for schedule in session.scalars(select(CapitalSchedule).where(
                _id_among(session, CapitalSchedule.employee_id, set(records))).order_by(CapitalSchedule.id)):
            records[schedule.employee_id].capital_schedules.append(schedule)
    return records


# What a calculation reads of each employee (the rest of the record stays in the database).
CALCULATION_COLUMNS = (Employee.name, Employee.tax_code, Employee.tax_basis, Employee.ni_category,
                       Employee.student_loan_plans, Employee.postgraduate_loan, Employee.date_of_birth,
                       Employee.start_date, Employee.brought_forward, Employee.pension_enrolled_on,
                       Employee.pension_member, Employee.pension_opted_out, Employee.pension_opted_out_on,
                       Employee.member_id, Employee.leave_date, Employee.jurisdiction_fields)


def _id_among(session, column, ids: set[int]):
    """`column IN ids` that stays one index scan however many ids and whatever the table statistics say.

    On PostgreSQL one array parameter (`= ANY(:ids)`): a join to the run's payslips was planned as a nested
    loop over 12.5 million row pairs for a 5,000-employee run whose tables had not been analysed yet.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, sorted(ids), type_=ARRAY(BigInteger)))
    return column.in_(sorted(ids))


def _lock_open_run(session, run: PayRun) -> None:
    """Refuse to write a run's payslips or lines past the unit of work unless the run is still open.

    Bulk statements skip the flush hook that locks paid runs (`_paid_runs_are_locked`), so the service checks
    the run's state in the database itself, holding its row (FOR UPDATE on PostgreSQL) until the transaction
    ends: a run approved or paid meanwhile, even by another request, is never rewritten.
    """
    state = session.scalar(select(PayRun.state).where(PayRun.id == run.id).with_for_update())
    if state in ("approved", "paid"):
        raise Conflict(_("This run is %(state)s: its payslips can no longer change.", state=_state_label(state)),
                       {"state": [_("the run is %(state)s", state=_state_label(state))]})


def _new_ids(session, table, count: int) -> list[int] | None:
    """On SQLite, `count` ids for rows about to be inserted in bulk (it cannot autoincrement one column of a
    composite key); None on PostgreSQL (IDENTITY)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return sqlite_ids(session.connection(), table, count)


def _insert_many(session, table, rows: list[dict], key: tuple[str, ...]) -> dict[tuple, int]:
    """INSERT `rows` of a co-op's table in a few multi-row statements (insertmanyvalues), past the unit of work;
    returns each new row's id by its unique `key` columns."""
    if not rows:
        return {}
    ids = _new_ids(session, table, len(rows))
    if ids is not None:
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        session.execute(insert(table), rows)
        return {tuple(row[name] for name in key): row["id"] for row in rows}
    if _reads_json_rows(session):
        returned = _insert_json(session, table, rows, ("id", *key))
    else:
        returned = session.execute(insert(table).returning(table.c.id, *(table.c[name] for name in key)), rows)
    return {tuple(row[1:]): row[0] for row in returned}


def _reads_json_rows(session) -> bool:
    """True on PostgreSQL, where bulk writes read their rows from one JSON parameter (`_insert_json`), but not on
    Citus: it runs an INSERT ... SELECT from a function on the coordinator and COPYs the rows into the shards,
    which row-level security refuses ("COPY FROM not supported with row-level security"). Citus takes the
    multi-row INSERT (insertmanyvalues) instead, each row routed to its shard."""
    connection = session.connection()
    return connection.dialect.name == "postgresql" and not on_citus(connection)


def _record_of(session, table, keys) -> str:
    """`json_to_recordset`'s column list for `keys` of `table`, each with the column's own type."""
    dialect = session.get_bind().dialect
    return ", ".join(f'"{key}" {table.c[key].type.compile(dialect=dialect)}' for key in keys)


def _insert_json(session, table, rows: list[dict], returning: tuple[str, ...] = ()) -> list:
    """PostgreSQL: INSERT `rows` as one statement reading one JSON parameter (`json_to_recordset`), returning the
    `returning` columns of each new row.

    The row-level security policy checks every row as for any INSERT of the co-op's scope. (insertmanyvalues
    sent 1,000-row VALUES lists of 27,000 placeholders, which the driver parsed by regular expression each time:
    most of the time of opening a 5,000-payslip run.)
    """
    keys = list(rows[0])
    names = ", ".join(f'"{key}"' for key in keys)
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    # names and types are the table's own columns (never input); the rows are one bound parameter
    statement = text(f"INSERT INTO {table.name} ({names}) SELECT {names} "  # noqa: S608
                     f"FROM json_to_recordset(CAST(:rows AS json)) AS v({_record_of(session, table, keys)}){back}")
    result = session.execute(statement, {"rows": json.dumps(rows, default=_json_value)})
    return result.all() if returning else []


def _audit_rows(session, object_type: str, action: str, changes: list[tuple[int, int, dict]]) -> None:
    """Audit rows, in the session audit's own form, for rows written past the unit of work (one INSERT)."""
    if changes:
        now, actor = utcnow(), session.info.get(ACTOR_KEY)
        rows = [{"at": now, "actor_id": actor, "tenant_id": tenant_id, "action": action, "object_type": object_type,
                 "object_id": str(object_id), "changes": values} for tenant_id, object_id, values in changes]
        if _reads_json_rows(session):
            _insert_json(session, AuditEntry.__table__, rows)  # money and dates become text in the JSON itself
        else:
            for row in rows:
                row["changes"] = json.loads(json.dumps(row["changes"], default=_json_value))
            session.execute(insert(AuditEntry), rows)


def _write_lines(session, tenant_id: int, slips: list[_Slip]) -> None:
    """The lines a calculation changed: capital lines taken off and put on again, capped amounts; each audited."""
    table = PayslipLine.__table__
    removed = [(slip, line) for slip in slips for line in slip.removed]
    if removed:
        session.execute(delete(table).where(table.c.tenant_id == tenant_id,
                                            table.c.id.in_([line.id for _slip, line in removed])))
        _audit_rows(session, "PayslipLine", "delete", [
            (tenant_id, line.id, {"tenant_id": [tenant_id, None], "payslip_id": [slip.id, None],
                                  **{key: [getattr(line, key), None] for key in LINE_COLUMNS}})
            for slip, line in removed])
    changed = [line for slip in slips for line in slip.lines
               if line.id is not None and line.amount != line.stored_amount]
    if changed:
        session.execute(update(table).where(table.c.tenant_id == tenant_id, table.c.id == bindparam("w_id"))
                        .values(amount=bindparam("w_amount")),
                        [{"w_id": line.id, "w_amount": line.amount} for line in changed])
        _audit_rows(session, "PayslipLine", "update", [
            (tenant_id, line.id, {"amount": [line.stored_amount, line.amount]}) for line in changed])
    added = [{"tenant_id": tenant_id, "payslip_id": slip.id,
              **{key: getattr(line, key) for key in LINE_COLUMNS if key != "id"}}
             for slip in slips for line in slip.lines if line.id is None]
    ids = _insert_many(session, table, added, ("payslip_id", "position"))
    _audit_rows(session, "PayslipLine", "create", [
        (tenant_id, ids[row["payslip_id"], row["position"]],
         {key: [None, value] for key, value in {**row, "id": ids[row["payslip_id"], row["position"]]}.items()
          if value is not None})
        for row in added])


def _forget_written(session, run: PayRun, removed: set[int]) -> None:
    """Expire what the session holds of payslips and lines (rewritten past the unit of work; `removed`: ids of the
    lines deleted), so whatever reads them afterwards in this transaction gets what is in the database."""
    session.expire(run, ["payslips"])
    for obj in list(session.identity_map.values()):
        if isinstance(obj, PayslipLine) and inspect(obj).identity[1] in removed:
            session.expunge(obj)
        elif isinstance(obj, Payslip | PayslipLine):
            session.expire(obj)


@_whole_run()
def calculate_run(session, tenant, run: PayRun, user_id: int | None) -> PayRun:
    """Work out every payslip of a draft (or recalculate a calculated) run from the year's rule pack.

    A deduction that would take someone's net pay below zero is refused, naming each employee and the
    amount, unless the co-op's setting caps the deductions instead; either way nothing is half-saved.
    Payslips, lines and employees are read as rows and written in bulk statements (a 5,000-payslip run is a
    handful of statements), with the run's lock checked in the database first (`_lock_open_run`).
    """
    _require_editable(run)
    earlier = session.scalar(select(PayRun).where(PayRun.frequency == run.frequency, PayRun.tax_year == run.tax_year,
                                                  PayRun.period < run.period, PayRun.state != "paid")
                             .order_by(PayRun.period).limit(1))
    if earlier is not None:
        problem = _("period %(period)s (paid on %(day)s) must be paid first: its figures are this one's year to date",
                    period=earlier.period, day=earlier.pay_date.isoformat())
        raise Conflict(_("Period: %(problem)s.", problem=problem), {"period": [problem]})
    rules = rules_of_year(tenant, run.tax_year)
    _check_fingerprint(session, run, rules)
    settings = get_settings(session)
    session.flush()  # lines changed through the ORM reach the database before it is read as rows
    _lock_open_run(session, run)
    slips, before = _slips_with_lines(session, run)
    employees = _employee_records(session, {slip.employee_id for slip in slips}, CALCULATION_COLUMNS)
    to_date = years_to_date(session, list(employees.values()), run)
    fields = _pack_fields_of_run(session, tenant, rules, settings, employees, to_date, run)
    context = RunContext(rules=rules, scheme=pension_scheme(settings), cap=settings.net_pay_shortfall == "cap",
                         employees=employees, to_date=to_date, refunded=_refunded_employees(session, run),
                         fields=fields)
    shortfalls, written = [], []
    for slip in slips:
        outcome = _calculate_payslip(context, run, slip)
        if isinstance(outcome, Shortfall):
            shortfalls.append(outcome)
        else:
            written.append((slip, outcome))
    if shortfalls:
        problems = [_("%(name)s: deductions exceed net pay by %(amount)s", name=s.employee, amount=str(s.amount))
                    for s in shortfalls]
        raise ServiceError(_("Net pay would be below zero for %(who)s.", who="; ".join(problems)),
                           {"net_pay": problems})
    _write_lines(session, run.tenant_id, slips)
    _write_payslips(session, run.tenant_id, written)
    _forget_written(session, run, {line.id for slip in slips for line in slip.removed})
    for key in FIGURES:
        setattr(run, key, sum((values[key] for _slip, values in written), ZERO))
    allowance = apply_employment_allowance(_allowance_left(session, rules, run, settings), run.employer_ni)
    run.employment_allowance_used = allowance.used
    run.state = "calculated"
    run.calculated_by_id = user_id
    run.calculated_at = utcnow()
    session.flush()
    _audit_payslips(session, run.tenant_id, before, {slip.id: {"employee_id": slip.employee_id, **values}
                                                     for slip, values in written})
    return run


def _pack_fields_of_run(session, tenant, rules: PayrollRules, settings: PayrollSettings,
                        employees: dict[int, Employee], to_date: dict[int, YearToDate],
                        run: PayRun) -> dict[int, tuple[tuple[str, str], ...]]:
    """For a pack with its own fields: each employee's `pack_fields` (the register's Type B flags read once), and
    the opening year to date of those with nothing paid yet this year, from their previous year's last payslip."""
    if not rules.employee_fields():
        return {}
    flagged = {member.id for member in session.scalars(members.members_query(category="worker"))
               if member.disadvantaged}
    fields = {employee.id: pack_fields(rules, employee, disadvantaged=employee.member_id in flagged, tenant=tenant,
                                       settings=settings) for employee in employees.values()}
    opening = [employee for employee in employees.values() if to_date[employee.id] == YearToDate.zero()]
    if opening:
        previous = (select(Payslip.employee_id, Payslip.to_date)
                    .join(PayRun, (PayRun.tenant_id == Payslip.tenant_id) & (PayRun.id == Payslip.run_id))
                    .where(Payslip.employee_id.in_([e.id for e in opening]), PayRun.state == "paid",
                           PayRun.pay_date < rules.starts).order_by(PayRun.pay_date, PayRun.id))
        last = dict(session.execute(previous).all())
        for employee in opening:
            person = payroll_employee(employee, None, fields[employee.id])
            to_date[employee.id] = rules.opening_to_date(
                person, YearToDate.from_dict(last[employee.id]) if employee.id in last else None)
    return fields


def run_detail_total(run: PayRun, keys: tuple[str, ...]) -> Decimal:
    """The sum over the run's payslips of the pack's detail figures `keys` (e.g. the Type B relief it saved)."""
    return sum((Decimal((payslip.details or {}).get(key, "0")) for payslip in run.payslips for key in keys), ZERO)


def run_export(session, tenant, run: PayRun, name: str) -> tuple[bytes, str, str]:
    """One of the rule pack's exports of a calculated run (the Italian LUL); 422 naming `format` for one it lacks."""
    rules = rules_of_year(tenant, run.tax_year)
    if name not in rules.run_exports():
        raise field_error("format", _("must be csv or xlsx, or an export of this co-op's payroll: %(names)s",
                                      names=", ".join(rules.run_exports()) or "-"))
    if run.state == "draft":
        raise Conflict(_("Calculate the run first."), {"state": [_("must be calculated")]})
    slips = [{"name": payslip.employee_name,
              "fields": dict(pack_fields(rules, payslip.employee)),
              "lines": [(line.kind, line.amount) for line in payslip.lines], "details": payslip.details or {},
              "gross_pay": payslip.gross_pay, "net_pay": payslip.net_pay, "tax_year": run.tax_year,
              "period": run.period} for payslip in run.payslips]
    return rules.run_export(name, slips)


def _write_payslips(session, tenant_id: int, written: list[tuple[_Slip, dict]]) -> None:
    """Store the calculated figures of every payslip in one statement, past the unit of work (`_lock_open_run`
    has checked the run is open). The ORM would compare every attribute of every payslip at flush time; for a
    5,000-payslip run that bookkeeping was most of the calculation."""
    if not written:
        return
    table = Payslip.__table__
    keys = list(written[0][1])
    if session.get_bind().dialect.name == "postgresql":
        _write_payslips_postgresql(session, table, tenant_id, keys, written)
    else:  # SQLite runs in the process: an executemany is as quick as one statement there
        statement = (update(table).where(table.c.tenant_id == tenant_id, table.c.id == bindparam("w_id"))
                     .values({key: bindparam(f"w_{key}") for key in keys}))
        session.execute(statement, [{"w_id": slip.id, **{f"w_{key}": value for key, value in values.items()}}
                                    for slip, values in written])


def _json_value(value):
    """Money as decimal text (never float), dates and times as ISO text, for a JSON parameter."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go in a JSON parameter")


def _write_payslips_postgresql(session, table, tenant_id: int, keys: list[str],
                               written: list[tuple[_Slip, dict]]) -> None:
    """One UPDATE ... FROM json_to_recordset(:rows) for the whole run: the figures go as one JSON document.

    (5,000 single-row UPDATEs cost the server a statement each; a VALUES list would need 130,000 parameters;
    one array parameter per column cost more to encode than the calculation itself: every JSON text in an
    array escaped by a regular expression.) Money goes as decimal text, never float. The co-op's row-level
    security policy applies to it as to any other statement of its scope.
    """
    assignments = ", ".join(f'"{key}" = v."{key}"' for key in keys)
    document = json.dumps([{"id": slip.id, **values} for slip, values in written], default=_json_value)
    # names and types are the table's own columns (never input); the figures are one bound parameter
    statement = text(f"UPDATE {table.name} AS p SET {assignments} "  # noqa: S608
                     f"FROM json_to_recordset(CAST(:rows AS json)) AS v({_record_of(session, table, ['id', *keys])}) "
                     "WHERE p.tenant_id = :tenant_id AND p.id = v.id")
    session.execute(statement, {"rows": document, "tenant_id": tenant_id})


def approve_run(session, run: PayRun, user_id: int | None) -> PayRun:
    """Approve a calculated run; a second person must do it unless the co-op's settings allow one."""
    if run.state != "calculated":
        raise Conflict(_("Only a calculated run can be approved; this one is %(state)s.",
                         state=_state_label(run.state)), {"state": [_("must be calculated")]})
    if run.calculated_by_id == user_id and not get_settings(session).allow_self_approval:
        problem = _("a different person from the one who calculated the run must approve it")
        raise Forbidden(_("Approval: %(problem)s.", problem=problem), {"approved_by": [problem]})
    run.state = "approved"
    run.approved_by_id = user_id
    run.approved_at = utcnow()
    session.flush()
    return run


@_whole_run()
def pay_run(session, tenant, run: PayRun, user_id: int | None) -> PayRun:
    """Mark an approved run paid: lock it, post share instalments to the register, move loan balances, email slips.

    The payslips, their capital lines and employees are read as rows; the employees the run enrols in the
    pension scheme are updated in one statement (and audited as the session's audit would).
    """
    if run.state != "approved":
        raise Conflict(_("Only an approved run can be paid; this one is %(state)s.", state=_state_label(run.state)),
                       {"state": [_("must be approved")]})
    rules = rules_of_year(tenant, run.tax_year)
    _check_fingerprint(session, run, rules)
    session.flush()
    state = session.scalar(select(PayRun.state).where(PayRun.id == run.id).with_for_update())  # held to the end
    if state != "approved":  # paid or sent back meanwhile by another request
        raise Conflict(_("Only an approved run can be paid; this one is %(state)s.", state=_state_label(state)),
                       {"state": [_("must be approved")]})
    slips = session.execute(select(Payslip.id, Payslip.employee_id, Payslip.employee_name, Payslip.pension_employer)
                            .where(Payslip.run_id == run.id).order_by(Payslip.id)).all()
    employees = {row.id: row for row in session.execute(
        select(Employee.id, Employee.member_id, Employee.email, Employee.pension_member, Employee.pension_enrolled_on)
        .where(_id_among(session, Employee.id, {slip.employee_id for slip in slips})))} if slips else {}
    capital = session.execute(
        select(PayslipLine.payslip_id, PayslipLine.schedule_id, PayslipLine.amount)
        .where(_id_among(session, PayslipLine.payslip_id, {slip.id for slip in slips}),
               PayslipLine.schedule_id.is_not(None), PayslipLine.amount != 0)
        .order_by(PayslipLine.payslip_id, PayslipLine.position)).all() if slips else []
    schedules = {schedule.id: schedule for schedule in session.scalars(select(CapitalSchedule).where(
        _id_among(session, CapitalSchedule.id, {line.schedule_id for line in capital})))} if capital else {}
    by_id = {slip.id: slip for slip in slips}
    share_paid = defaultdict(lambda: ZERO)
    for line in capital:
        payslip = by_id[line.payslip_id]
        schedule = schedules[line.schedule_id]
        if line.amount > schedule.balance:
            raise Conflict(_("%(name)s's %(what)s has only %(left)s left to pay.", name=payslip.employee_name,
                             what=_kind_label(schedule.kind), left=str(schedule.balance)),
                           {"payslips": [payslip.employee_name]})
        schedule.deducted += line.amount
        if schedule.kind == "share_subscription":
            share_paid[employees[payslip.employee_id].member_id] += line.amount
    # the rule pack started contributions for an eligible jobholder: they are a member from now on
    enrolled = {slip.employee_id for slip in slips
                if not employees[slip.employee_id].pension_member and slip.pension_employer > 0}
    for member_id, amount in share_paid.items():
        member = members.get_member(session, member_id)
        members.update_member(session, member, {"shares_paid": member.shares_paid + amount})
    run.state = "paid"
    run.paid_by_id = user_id
    run.paid_at = utcnow()
    run.rules_fingerprint = rules.fingerprint
    session.flush()
    _enrol_in_pension(session, run, [employees[employee_id] for employee_id in sorted(enrolled)])
    _queue_payslip_emails(session, run, [slip.id for slip in slips if employees[slip.employee_id].email])
    return run


def _enrol_in_pension(session, run: PayRun, employees: list) -> None:
    """Mark `employees` (rows) active members of the pension scheme from the run's pay date: one UPDATE."""
    if not employees:
        return
    table = Employee.__table__
    session.execute(update(table).where(table.c.tenant_id == run.tenant_id,
                                        _id_among(session, table.c.id, {e.id for e in employees}))
                    .values(pension_member=True,
                            pension_enrolled_on=func.coalesce(table.c.pension_enrolled_on, run.pay_date)))
    _audit_rows(session, "Employee", "update", [
        (run.tenant_id, employee.id, {"pension_member": [False, True], **(
            {"pension_enrolled_on": [None, run.pay_date]} if employee.pension_enrolled_on is None
            else {})}) for employee in employees])
    ids = {employee.id for employee in employees}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Employee) and inspect(obj).identity[1] in ids:
            session.expire(obj, ["pension_member", "pension_enrolled_on"])


def _queue_payslip_emails(session, run: PayRun, payslip_ids: list[int]) -> None:
    """Put every payslip whose employee has an email address in the email queue: one INSERT of many rows.

    In the paying transaction, so only a run that really is paid is emailed; the PDFs are rendered by the
    `payroll.payslip_emails` job (`send_payslip_emails`), not in the request that pays. The row's id is its
    payslip's (one row per payslip), which SQLite needs to insert many rows of a composite key at once.
    (An INSERT ... SELECT joining payslips to employees was planned as a nested loop on unanalysed tables:
    11 s for 5,000 payslips.)
    """
    now = utcnow()
    rows = [{"tenant_id": run.tenant_id, "id": payslip_id, "run_id": run.id, "payslip_id": payslip_id,
             "queued_at": now} for payslip_id in payslip_ids]
    if rows:
        session.execute(insert(PayslipEmail.__table__), rows)


def send_payslip_emails(session, tenant, *, limit: int = PAYSLIP_EMAIL_BATCH) -> int:
    """Email up to `limit` paid payslips waiting in the queue (oldest first): a short text and the PDF attached.

    Written in the co-op's jurisdiction's language (`documents.employee_language`). Idempotent: a payslip
    leaves the queue when its email is in the outbox, and the outbox's dedupe key `payslip-<id>` would
    refuse a second email anyway. Returns the number queued.
    """
    from tenants.payroll.documents import PDF_MEDIA_TYPE, employee_language, payslip_email, payslip_pdf

    waiting = session.scalars(select(PayslipEmail).where(PayslipEmail.sent_at.is_(None))
                              .order_by(PayslipEmail.queued_at, PayslipEmail.id).limit(limit)).all()
    if not waiting:
        return 0
    slips = {payslip.id: payslip for payslip in session.scalars(
        select(Payslip).where(_id_among(session, Payslip.id, {row.payslip_id for row in waiting}))
        .options(selectinload(Payslip.lines), selectinload(Payslip.employee).selectinload(Employee.capital_schedules)))}
    queued = 0
    now = utcnow()
    with force_locale(employee_language(tenant)):
        for row in waiting:
            payslip = slips[row.payslip_id]
            address = payslip.employee.email
            if address:  # the address may have been removed since the run was paid
                subject, body = payslip_email(tenant, payslip)
                content, filename = payslip_pdf(session, tenant, payslip)
                queued += len(enqueue_email(session, to=address, subject=subject, body=body, kind=PAYSLIP_KIND,
                                            tenant_id=tenant.id, dedupe_key=f"payslip-{payslip.id}",
                                            attachments=[(filename, PDF_MEDIA_TYPE, content)]))
            row.sent_at = now
    session.flush()
    return queued


def payslip_emails_waiting(session, run: PayRun) -> int:
    """How many of the run's payslips are still waiting for the email job."""
    return session.scalar(select(func.count(PayslipEmail.id)).where(PayslipEmail.run_id == run.id,
                                                                    PayslipEmail.sent_at.is_(None)))


def _committed_state(run: PayRun) -> str:
    history = inspect(run).attrs.state.history
    return history.deleted[0] if history.deleted else run.state


@event.listens_for(Session, "before_flush")
def _paid_runs_are_locked(session, flush_context, instances):
    """A paid run, its payslips and their lines never change again (corrections go in the next run).

    One query per flush, whatever the number of payslips in it.
    """
    # everything in the flush, without asking each object whether it really changed (cheap for big runs;
    # an unchanged object in a paid run only costs the same refusal a change would get)
    touched = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, PayRun | Payslip | PayslipLine)]
    if not touched:
        return
    refused = any(isinstance(obj, PayRun) and obj not in session.new and _committed_state(obj) == "paid"
                  and session.is_modified(obj) for obj in touched)
    run_ids = {obj.run_id for obj in touched if isinstance(obj, Payslip) and obj.run_id is not None}
    payslip_ids = {obj.payslip_id for obj in touched if isinstance(obj, PayslipLine) and obj.payslip_id is not None}
    if not refused and (run_ids or payslip_ids):
        with session.no_autoflush:
            of_lines = select(Payslip.run_id).where(Payslip.id.in_(payslip_ids))
            refused = session.scalar(select(func.count(PayRun.id)).where(
                PayRun.state == "paid", PayRun.id.in_(run_ids) | PayRun.id.in_(of_lines))) > 0
    if refused:
        raise Conflict(_("A paid run is locked; put corrections in the next run."),
                       {"state": [_("the run is paid")]})


# --- reading runs ------------------------------------------------------------------------------


def previous_payslips(session, run: PayRun) -> dict[int, Payslip]:
    """Each employee's payslip in the run before this one (same frequency), for the review page."""
    previous = session.scalar(select(PayRun).where(PayRun.frequency == run.frequency, PayRun.pay_date < run.pay_date)
                              .order_by(PayRun.pay_date.desc(), PayRun.id.desc()).limit(1))
    if previous is None:
        return {}
    return {payslip.employee_id: payslip for payslip in previous.payslips}


def remittances(session, run: PayRun) -> list[dict]:
    """The capital-loan repayments to make to each lender for a run: lender, reference, employee, amount, balance.

    Three queries whatever the number of payslips: the run's payslips, its loan lines, their schedules.
    """
    slips = {payslip.id: payslip for payslip in run.payslips}
    lines = session.scalars(select(PayslipLine).where(
        _id_among(session, PayslipLine.payslip_id, set(slips)), PayslipLine.kind == "loan_repayment",
        PayslipLine.amount > 0)).all() if slips else []
    schedules = {schedule.id: schedule for schedule in session.scalars(select(CapitalSchedule).where(
        _id_among(session, CapitalSchedule.id, {line.schedule_id for line in lines})))} if lines else {}
    rows = []
    for line in sorted(lines, key=lambda line: (slips[line.payslip_id].employee_name, line.payslip_id, line.position)):
        payslip, schedule = slips[line.payslip_id], schedules[line.schedule_id]
        rows.append({"lender": schedule.lender, "loan_reference": schedule.loan_reference,
                     "employee": payslip.employee_name, "amount": line.amount,
                     "balance_after": payslip.capital_loan_balance})
    return sorted(rows, key=lambda row: (row["lender"], row["loan_reference"]))


def user_names(session, user_ids) -> dict[int, str]:
    """Names of the users who created, calculated, approved and paid runs."""
    from consortium.models import User

    ids = {uid for uid in user_ids if uid}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


# --- year end and the co-op's home -------------------------------------------------------------


@dataclass(frozen=True)
class YearEndSummary:
    """One employee's tax year, the figures a P60 shows."""

    employee_id: int
    name: str
    ni_number: str | None
    final_tax_code: str
    pay_this_employment: Decimal
    tax_this_employment: Decimal
    pay_previous: Decimal
    tax_previous: Decimal
    employee_ni: Decimal
    employer_ni: Decimal
    student_loan: Decimal
    postgraduate_loan: Decimal
    pension_employee: Decimal
    pension_employer: Decimal


def tax_years(session) -> list[str]:
    """Tax years with pay runs, newest first."""
    return list(session.scalars(select(PayRun.tax_year).distinct().order_by(PayRun.tax_year.desc())))


def _paid_payslips(session, tax_year: str):
    return session.scalars(
        select(Payslip).join(PayRun, (PayRun.tenant_id == Payslip.tenant_id) & (PayRun.id == Payslip.run_id))
        .where(PayRun.tax_year == tax_year, PayRun.state == "paid").order_by(PayRun.pay_date, PayRun.id)).all()


def year_end_summaries(session, tax_year: str) -> list[YearEndSummary]:
    """Per employee paid in `tax_year`: pay and tax in this and previous employment, NI, loans, pension."""
    by_employee: dict[int, list[Payslip]] = defaultdict(list)
    for payslip in _paid_payslips(session, tax_year):
        by_employee[payslip.employee_id].append(payslip)
    summaries = []
    for slips in by_employee.values():
        employee = slips[-1].employee
        brought = employee.brought_forward if (employee.brought_forward or {}).get("tax_year") == tax_year else None
        previous = _ytd_from(brought)

        def total(key, slips=slips):
            return sum((getattr(s, key) for s in slips), ZERO)

        summaries.append(YearEndSummary(
            employee_id=employee.id, name=employee.name, ni_number=employee.ni_number,
            final_tax_code=slips[-1].tax_code + (" W1/M1" if slips[-1].tax_basis == "week1_month1" else ""),
            pay_this_employment=total("gross_pay"), tax_this_employment=total("income_tax"),
            pay_previous=previous.gross_pay, tax_previous=previous.tax, employee_ni=total("employee_ni"),
            employer_ni=total("employer_ni"), student_loan=total("student_loan"),
            postgraduate_loan=total("postgraduate_loan"), pension_employee=total("pension_employee"),
            pension_employer=total("pension_employer")))
    return sorted(summaries, key=lambda s: (s.name, s.employee_id))


def _week_or_month(run: PayRun) -> int:
    # HMRC numbers fortnightly and four-weekly periods by the last week they cover (RTI guidance, week numbers).
    return run.period * {"monthly": 1, "weekly": 1, "fortnightly": 2, "four_weekly": 4}[run.frequency]


@dataclass(frozen=True)
class LeaverStatement:
    """The figures of a leaver's P45, as the Income Tax (PAYE) Regulations 2003 reg. 36(4) Table 2 lists them.

    (legislation.gov.uk/uksi/2003/2682/regulation/36, confidence C for items 1 to 8; item 9's condition was
    read truncated and follows HMRC's form, box 8: "If no entry here, the amounts are those shown at box 7", S.)
    On the week 1 / month 1 basis items 7 and 8 are left blank ("Complete only if tax code is cumulative"),
    so `last_period`, the totals and this employment's figures are None.
    """

    employee: Employee
    tax_year: str
    leave_date: date
    paye_reference: str | None
    tax_code: str
    week1_month1: bool
    frequency: str | None
    last_period: int | None  # item 7: the tax week or month of the last payment
    pay_to_date: Decimal | None  # item 8: with a previous employment's P45 figures (reg. 43(9))
    tax_to_date: Decimal | None
    pay_this_employment: Decimal | None  # item 9, Part 1A only, when it differs from item 8
    tax_this_employment: Decimal | None
    # "Y" when the employer deducts (or was told to deduct) student / postgraduate loan: HMRC's Collection of
    # Student Loans Manual CSLM17020 (whatever was actually deducted; amounts are never shown on a P45), C.
    student_loan_continues: bool
    postgraduate_loan_continues: bool


def _employee_year_payslips(session, employee: Employee, tax_year: str) -> list[Payslip]:
    return list(session.scalars(
        select(Payslip).join(PayRun, (PayRun.tenant_id == Payslip.tenant_id) & (PayRun.id == Payslip.run_id))
        .where(Payslip.employee_id == employee.id, PayRun.tax_year == tax_year)
        .order_by(PayRun.pay_date, PayRun.id)))


def leaver_statement(session, tenant, employee: Employee) -> LeaverStatement:
    """A leaver's P45 figures for the tax year of their leaving date; refused (409) before they have left or
    while one of their pay runs of that year is not paid yet (the P45 gives the final figures)."""
    if employee.leave_date is None:
        problem = _("give the leaving date first: a P45 is for an employee who has left")
        raise Conflict(_("P45: %(problem)s.", problem=problem), {"leave_date": [problem]})
    tax_year = tax_year_of(tenant, employee.leave_date)
    slips = _employee_year_payslips(session, employee, tax_year)
    unpaid = [slip.run for slip in slips if slip.run.state != "paid"]
    if unpaid:
        problem = _("the pay run of %(day)s is not paid yet; the P45 shows the final pay and tax",
                    day=unpaid[0].pay_date.isoformat())
        raise Conflict(_("P45: %(problem)s.", problem=problem), {"payslips": [problem]})
    last = slips[-1] if slips else None
    week1 = (last.tax_basis if last else employee.tax_basis) == "week1_month1"
    cumulative = not week1
    to_date = _ytd_from(last.to_date) if last and last.to_date else YearToDate.zero()
    brought = employee.brought_forward if (employee.brought_forward or {}).get("tax_year") == tax_year else None
    this_pay = sum((slip.gross_pay for slip in slips), ZERO)
    this_tax = sum((slip.income_tax for slip in slips), ZERO)
    if last is None and brought:  # left before a first pay: the P45 passes on what the previous one said
        to_date = _ytd_from(brought)
    differs = (this_pay, this_tax) != (to_date.gross_pay, to_date.tax)
    return LeaverStatement(
        employee=employee, tax_year=tax_year, leave_date=employee.leave_date,
        paye_reference=get_settings(session).paye_reference, tax_code=last.tax_code if last else employee.tax_code,
        week1_month1=week1, frequency=last.run.frequency if last else None,
        last_period=_week_or_month(last.run) if last and cumulative else None,
        pay_to_date=to_date.gross_pay if cumulative else None, tax_to_date=to_date.tax if cumulative else None,
        pay_this_employment=this_pay if cumulative and differs else None,
        tax_this_employment=this_tax if cumulative and differs else None,
        student_loan_continues=bool(employee.plans), postgraduate_loan_continues=employee.postgraduate_loan)


@dataclass(frozen=True)
class NiLine:
    """One NI category letter's year on a P60: earnings at the LEL, LEL to PT, PT to UEL, employee NI."""

    letter: str
    at_lel: Decimal
    lel_to_pt: Decimal
    pt_to_uel: Decimal
    employee_ni: Decimal


@dataclass(frozen=True)
class EndOfYearCertificate:
    """A P60: the Income Tax (PAYE) Regulations 2003 reg. 67 (legislation.gov.uk/uksi/2003/2682/regulation/67):
    tax year, PAYE reference, name, NI number, works number, pay and tax in this employment, the code, and
    for someone taken on during the year the previous employment's pay and tax and the totals (reg. 67(3)); the
    NI earnings by threshold per category letter (Social Security (Contributions) Regulations 2001 Sch. 4
    para. 9, as reported by Croner-i, S) and the student and postgraduate loan deductions in whole pounds
    (HMRC's P60 form, "whole £s only", C)."""

    summary: "YearEndSummary"
    tax_year: str
    paye_reference: str | None
    ni_lines: list[NiLine]


def last_ended_tax_year(tenant, today: date) -> str:
    """The last tax year that has ended by `today` (the P60s being given out from 6 April to 31 May)."""
    return tax_year_of(tenant, rules_on(tenant, today).starts - timedelta(days=1))


def p60_years(tenant, employee: Employee, payslips: list[Payslip], today: date) -> list[str]:
    """The ended tax years the employee has a P60 for (paid in it, still employed on its last day), newest first."""
    years = []
    for tax_year in sorted({slip.run.tax_year for slip in payslips if slip.run.state == "paid"}, reverse=True):
        ends = rules_of_year(tenant, tax_year).ends
        if today > ends and (employee.leave_date is None or employee.leave_date >= ends):
            years.append(tax_year)
    return years


def end_of_year_certificate(session, tenant, employee: Employee, tax_year: str, today: date) -> EndOfYearCertificate:
    """An employee's P60 for `tax_year`: only once the year has ended, and only for someone still employed on its
    last day and paid in it (reg. 67(1)); otherwise a 409 naming `tax_year` (a leaver has their P45)."""
    rules = rules_of_year(tenant, tax_year)
    if today <= rules.ends:
        problem = _("the %(year)s tax year ends on %(day)s; P60s are given after it, by 31 May",
                    year=tax_year, day=rules.ends.isoformat())
        raise Conflict(_("P60: %(problem)s.", problem=problem), {"tax_year": [problem]})
    if employee.leave_date is not None and employee.leave_date < rules.ends:
        problem = _("%(name)s left on %(day)s, before the end of the tax year: a leaver gets a P45, not a P60",
                    name=employee.name, day=employee.leave_date.isoformat())
        raise Conflict(_("P60: %(problem)s.", problem=problem), {"tax_year": [problem]})
    summary = next((s for s in year_end_summaries(session, tax_year) if s.employee_id == employee.id), None)
    if summary is None:
        problem = _("%(name)s was not paid in %(year)s", name=employee.name, year=tax_year)
        raise Conflict(_("P60: %(problem)s.", problem=problem), {"tax_year": [problem]})
    lines: dict[str, dict[str, Decimal]] = {}
    for slip in _employee_year_payslips(session, employee, tax_year):
        if slip.run.state != "paid":
            continue
        line = lines.setdefault(slip.ni_category, defaultdict(lambda: ZERO))
        for key, value in (slip.ni_earnings or {}).items():
            line[key] += Decimal(value)
        line["employee_ni"] += slip.employee_ni
    return EndOfYearCertificate(
        summary=summary, tax_year=tax_year, paye_reference=get_settings(session).paye_reference,
        ni_lines=[NiLine(letter, values["at_lel"], values["lel_to_pt"], values["pt_to_uel"], values["employee_ni"])
                  for letter, values in lines.items()])


def year_end_pack_rows(session, tax_year: str, keys: tuple[str, ...]) -> list[dict]:
    """Per employee paid in `tax_year`, the rule pack's year-end figures `keys` from their last paid payslip's year
    to date (Italy: what the Certificazione Unica reports)."""
    last: dict[int, Payslip] = {}
    for payslip in _paid_payslips(session, tax_year):
        last[payslip.employee_id] = payslip
    rows = [{"name": payslip.employee_name, "employee_id": employee_id,
             "values": {key: (payslip.to_date or {}).get(key, "0") for key in keys}}
            for employee_id, payslip in last.items()]
    return sorted(rows, key=lambda row: (row["name"], row["employee_id"]))


def year_totals(session, tax_year: str) -> dict:
    """The co-op's paid runs of `tax_year` (what is due to HMRC per period) and the year's totals."""
    runs = session.scalars(select(PayRun).where(PayRun.tax_year == tax_year, PayRun.state == "paid")
                           .order_by(PayRun.pay_date, PayRun.id)).all()
    keys = (*FIGURES, "employment_allowance_used")
    totals = {key: sum((getattr(run, key) for run in runs), ZERO) for key in keys}
    totals["due_to_hmrc"] = sum((run.due_to_hmrc for run in runs), ZERO)
    totals["employer_cost"] = sum((run.employer_cost for run in runs), ZERO)
    return {"tax_year": tax_year, "runs": runs, "totals": totals}


def home_summary(session, today: date) -> dict:
    """The next pay date (an open run's, or the period after the last paid one) and the last paid run's cost."""
    last_paid = session.scalar(runs_query(state="paid").limit(1))
    upcoming = []
    for frequency in FREQUENCIES:
        latest = session.scalar(select(PayRun).where(PayRun.frequency == frequency)
                                .order_by(PayRun.pay_date.desc()).limit(1))
        if latest is None:
            continue
        if latest.state != "paid":
            upcoming.append((latest.pay_date, frequency))
            continue
        # the period after the last one paid, even when it is already late: a missed run must show
        upcoming.append((latest.pay_date + FREQUENCY_STEP[frequency], frequency))
    upcoming.sort()
    return {"next_pay_date": upcoming[0][0] if upcoming else None,
            "next_frequency": upcoming[0][1] if upcoming else None,
            "last_run": last_paid,
            "employees": session.scalar(select(func.count(Employee.id)).where(
                Employee.start_date <= today, (Employee.leave_date.is_(None)) | (Employee.leave_date >= today)))}


def workforce_summary(session, tax_year: str, on: date) -> dict:
    """The co-op's workforce for a report (call in its scope): aggregates only, never a name.

    Employees on `on` by pay basis and frequency, and from the paid runs of `tax_year` the highest and lowest
    gross pay of an employee paid in that year and their ratio (D.Lgs. 112/2017 art. 13 co. 1 is measured on
    gross annual pay; part-year employees are not annualised here, which the report says).
    """
    current = session.scalars(select(Employee).where(
        Employee.start_date <= on, (Employee.leave_date.is_(None)) | (Employee.leave_date >= on))).all()
    by_basis = defaultdict(int)
    for employee in current:
        by_basis[employee.pay_basis] += 1
    pay = [s.pay_this_employment for s in year_end_summaries(session, tax_year) if s.pay_this_employment > 0]
    highest, lowest = (max(pay), min(pay)) if pay else (None, None)
    ratio = (highest / lowest).quantize(Decimal("0.01")) if pay else None
    return {"employees": len(current), "by_pay_basis": dict(sorted(by_basis.items())), "paid_in_year": len(pay),
            "highest_gross": highest, "lowest_gross": lowest, "ratio": ratio}
