"""Payroll documents: the payslip PDF (platform documents base), the payslip email and the run's journal (CSV, XLSX).

The journal is for the co-op's accountant: one row per payslip with every figure, then the totals and
the employment allowance, with text a spreadsheet could run as a formula made inert (OWASP CSV injection).
"""

import io
from datetime import UTC, date, datetime, time
from decimal import ROUND_DOWN, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from consortium.db import as_utc
from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.exports import XLSX_MEDIA_TYPE, neutralise, to_csv
from consortium.i18n import LANGUAGES, _, format_locale, pgettext
from plugins.jurisdictions.base import get_jurisdiction
from tenants.payroll.labels import (
    AUTO_ENROLMENT_LABELS,
    FREQUENCY_LABELS,
    label,
)
from tenants.payroll.models import PayRun, Payslip
from tenants.payroll.service import line_text, ni_category_labels, note_text, readable, rules_of_year

PDF_MEDIA_TYPE = "application/pdf"
ZERO = Decimal("0.00")


def letterhead_of(tenant) -> Letterhead:
    """The co-op as printed at the top of its payslips, with numbers, money and dates in the reader's locale
    (en_GB or it_IT, as on the pages: `consortium.i18n.format_locale`), like the words around them."""
    address = [line for line in (tenant.address, tenant.city, tenant.postcode) if line]
    return Letterhead(name=tenant.name, address_lines=address, registration_number=tenant.registration_number,
                      currency=tenant.currency, locale=format_locale())


def employee_language(tenant) -> str:
    """The language an employee's payslip email and PDF are written in: the co-op's jurisdiction's
    (employees have no language of their own yet; a UK co-op's staff read English)."""
    language = get_jurisdiction(tenant.country).locale.split("_")[0]
    return language if language in LANGUAGES else "en"


def period_label(run: PayRun) -> str:
    """'Month 8 of 2026-27', 'Week 35 of 2026-27'."""
    if run.frequency == "monthly":
        return _("Month %(period)s of %(year)s", period=run.period, year=run.tax_year)
    return _("Week %(period)s of %(year)s", period=_week_number(run), year=run.tax_year)


def _week_number(run: PayRun) -> int:
    # HMRC numbers fortnightly and four-weekly periods by the last week they cover (RTI guidance, week numbers).
    return run.period * {"weekly": 1, "fortnightly": 2, "four_weekly": 4}[run.frequency]


def tax_code_text(payslip: Payslip) -> str:
    """The code as a payslip shows it: '1257L', 'S1257L', '1257L M1' / 'W1' on the non-cumulative basis."""
    if payslip.tax_basis != "week1_month1":
        return payslip.tax_code
    return f"{payslip.tax_code} {'M1' if payslip.run.frequency == 'monthly' else 'W1'}"


def deductions_of(payslip: Payslip, labels: dict | None = None) -> list[tuple[str, Decimal]]:
    """The payslip's deductions, statutory first, as (label, amount), leaving out what is nil; `labels` are the
    rule pack's names for the common figures where it has its own (Italy: IRPEF, INPS)."""
    labels = labels or {}
    rows = [(labels.get("income_tax") or _("Income tax"), payslip.income_tax),
            (labels.get("employee_ni") or _("National Insurance"), payslip.employee_ni)]
    plans = payslip.employee.plans
    if payslip.student_loan or plans:
        rows.append((_("Student loan (plan %(plans)s)", plans=", ".join(plans) or "-"), payslip.student_loan))
    if payslip.postgraduate_loan or payslip.employee.postgraduate_loan:
        rows.append((_("Postgraduate loan"), payslip.postgraduate_loan))
    if payslip.pension_employee or payslip.pension_refund:
        rows.append((_("Pension (employee)"), payslip.pension_employee))
    for line in payslip.deduction_lines:
        if line.amount:
            rows.append((line_text(line), line.amount))
    return rows


def payslip_story(tenant, payslip: Payslip, letterhead: Letterhead) -> list:
    """The flowables of one payslip: what a UK employee expects to see (or, for a pack with its own payslip
    sections, the cedolino an Italian worker expects: `_pack_payslip_story`)."""
    run = payslip.run
    employee = payslip.employee
    locale = letterhead.locale
    rules = rules_of_year(tenant, run.tax_year)
    if rules.payslip_sections():
        return _pack_payslip_story(rules, payslip, letterhead)

    def amount(value: Decimal | None) -> str:
        return money(value if value is not None else ZERO, letterhead)

    facts = [
        (_("Employee"), payslip.employee_name),
        (_("Employee number"), str(employee.id)),
        (_("NI number"), employee.ni_number or _("not yet known")),
        (pgettext("HMRC", "Tax code"), tax_code_text(payslip)),
        (_("NI category"), ni_category_labels(tenant, run.tax_year).get(payslip.ni_category, payslip.ni_category)),
        (_("Pay date"), format_date(run.pay_date, format="long", locale=locale)),
        (_("Tax period"), f"{period_label(run)} ({label(FREQUENCY_LABELS, run.frequency)})"),
    ]
    story = [key_value_table(facts), heading(_("Payments"))]
    pay_rows = [[line_text(line), "" if line.hours is None else format_decimal(line.hours, locale=locale),
                 "" if line.rate is None else money(line.rate, letterhead), amount(line.amount)]
                for line in payslip.pay_lines]
    story.append(data_table([_("Description"), _("Hours"), pgettext("pay", "Rate"), _("Amount")], pay_rows,
                            numeric_columns={1, 2, 3}, wrap_columns={0},
                            totals_row=[_("Gross pay"), "", "", amount(payslip.gross_pay)]))
    deductions = deductions_of(payslip)
    story.append(heading(_("Deductions")))
    story.append(data_table([_("Description"), _("Amount")], [[text, amount(value)] for text, value in deductions],
                            numeric_columns={1}, wrap_columns={0},
                            totals_row=[_("Total deductions"), amount(sum((v for _t, v in deductions), ZERO))]))
    story.append(key_value_table([(_("Net pay"), amount(payslip.net_pay))]))
    to_date = {key: Decimal(value) for key, value in (payslip.to_date or {}).items()}
    story.append(heading(_("This tax year to date")))
    story.append(data_table(
        [_("Gross pay"), _("Taxable pay"), _("Income tax"), _("National Insurance"), _("Student loans"),
         _("Pension")],
        [[amount(to_date.get("gross_pay")), amount(to_date.get("taxable_pay")), amount(to_date.get("tax")),
          amount(to_date.get("employee_ni")),
          amount(to_date.get("student_loan", ZERO) + to_date.get("postgraduate_loan", ZERO)),
          amount(to_date.get("pension_employee"))]],
        numeric_columns={0, 1, 2, 3, 4, 5}))
    story.append(heading(_("Paid by your employer")))
    employer = [(_("Employer National Insurance"), amount(payslip.employer_ni)),
                (_("Employer pension contribution"), amount(payslip.pension_employer)),
                (_("Total cost of your pay to the co-op"), amount(payslip.employer_cost))]
    if payslip.auto_enrolment:
        employer.append((_("Pension auto-enrolment"), label(AUTO_ENROLMENT_LABELS, payslip.auto_enrolment)))
    story.append(key_value_table(employer))
    capital = []
    if payslip.capital_share_balance is not None:
        capital.append((_("Share capital still to pay"), amount(payslip.capital_share_balance)))
    if payslip.capital_loan_balance is not None:
        capital.append((_("Capital loan balance left"), amount(payslip.capital_loan_balance)))
    if capital:
        story.append(heading(_("Your capital in the co-op")))
        story.append(key_value_table(capital))
    return story + _closing_story(payslip, run)


def _closing_story(payslip: Payslip, run: PayRun) -> list:
    """The end of every payslip: the rule pack's notes, and "provisional" until the run is paid."""
    story = []
    if payslip.notes:
        story.append(heading(_("Notes")))
        story.extend(paragraph(note_text(note)) for note in payslip.notes)
    if run.state != "paid":
        story.append(paragraph(_("Provisional: this pay run is not paid yet.")))
    return story


def _pack_payslip_story(rules, payslip: Payslip, letterhead: Letterhead) -> list:
    """A payslip laid out by the rule pack's own fields and sections (Italy: the cedolino: period, CCNL level,
    competenze, trattenute, imponibili, IRPEF lorda, detrazioni, netto, TFR, progressivi annui)."""
    run, employee = payslip.run, payslip.employee
    details = payslip.details or {}
    labels = {key: readable(text) for key, text in rules.figure_labels().items()}

    def amount(value) -> str:
        return money(Decimal(value if value is not None else ZERO), letterhead)

    own = employee.jurisdiction_fields or {}
    facts = [(_("Employee"), payslip.employee_name), (_("Employee number"), str(employee.id))]
    for declared in rules.employee_fields():
        value = own.get(declared.name, "")
        if declared.choices:
            value = readable(dict(declared.choices).get(value, value))
        if value and declared.kind != "boolean":
            facts.append((readable(declared.label), value))
    facts += [(_("Employed since"), format_date(employee.start_date, format="long", locale=letterhead.locale)),
              (_("Pay date"), format_date(run.pay_date, format="long", locale=letterhead.locale)),
              (_("Period"), _("Month %(period)s of %(year)s", period=run.period, year=run.tax_year))]
    story = [key_value_table(facts), heading(_("Payments"))]
    rows = [[line_text(line), amount(line.amount)] for line in payslip.pay_lines]
    additional_months = dict(rules.payslip_sections()[0][1])
    for key in ("tredicesima", "quattordicesima"):
        if Decimal(details.get(key, "0")):
            rows.append([readable(additional_months.get(key, "")), amount(details[key])])
    story.append(data_table([_("Description"), _("Amount")], rows, numeric_columns={1}, wrap_columns={0},
                            totals_row=[_("Gross pay"), amount(payslip.gross_pay)]))
    deductions = deductions_of(payslip, labels)
    story.append(heading(_("Deductions")))
    story.append(data_table([_("Description"), _("Amount")], [[text, amount(value)] for text, value in deductions],
                            numeric_columns={1}, wrap_columns={0},
                            totals_row=[_("Total deductions"), amount(sum((v for _t, v in deductions), ZERO))]))
    story.append(key_value_table([(_("Net pay"), amount(payslip.net_pay))]))
    for title, section in rules.payslip_sections()[1:]:
        shown = [(readable(text), amount(details[key])) for key, text in section
                 if details.get(key) not in (None, "0.00")]
        if shown:
            story.append(heading(readable(title)))
            story.append(key_value_table(shown))
    return story + _closing_story(payslip, run)


def payslip_pdf(session, tenant, payslip: Payslip) -> tuple[bytes, str]:
    """(PDF bytes, file name) of one payslip; the same payslip always gives the same bytes."""
    letterhead = letterhead_of(tenant)
    run = payslip.run
    created = as_utc(run.paid_at or run.calculated_at or run.created_at)
    content = build_pdf(letterhead, _("Payslip"), payslip_story(tenant, payslip, letterhead), created_at=created,
                        subject=f"{payslip.employee_name} - {period_label(run)}")
    return content, f"payslip-{run.tax_year}-{run.frequency}-{run.period:02d}-{payslip.employee_id}.pdf"


def payslip_email(tenant, payslip: Payslip) -> tuple[str, str]:
    """(subject, body) of the email an employee gets when their pay run is paid (the PDF goes with it)."""
    letterhead = letterhead_of(tenant)
    run = payslip.run
    subject = _("Your payslip from %(coop)s for %(period)s", coop=tenant.name, period=period_label(run))
    lines = [
        _("Hello %(name)s,", name=payslip.employee_name), "",
        _("Your pay for %(period)s is paid on %(day)s.", period=period_label(run),
          day=format_date(run.pay_date, format="long", locale=letterhead.locale)), "",
        _("Gross pay: %(amount)s", amount=money(payslip.gross_pay, letterhead)),
        *_statutory_lines(tenant, payslip, letterhead),
        _("Net pay: %(amount)s", amount=money(payslip.net_pay, letterhead)), "",
        _("Your full payslip is attached (PDF)."),
    ]
    return subject, "\n".join(lines)


# --- P45 and P60 ---------------------------------------------------------------------------------


def _pounds(value: Decimal, letterhead: Letterhead) -> str:
    """Whole pounds, rounded down, as HMRC's P60 shows loan deductions ("whole £s only")."""
    return money(value.to_integral_value(rounding=ROUND_DOWN), letterhead)


def _basis_text(week1_month1: bool) -> str:
    return _("Week 1 / month 1 (X)") if week1_month1 else _("Cumulative")


def _yes(flag: bool) -> str:
    return "Y" if flag else ""


def p45_pdf(tenant, statement) -> tuple[bytes, str]:
    """(PDF bytes, file name) of a leaver's P45: Part 1A (the employee's copy, with pay and tax in this
    employment) and Parts 2 and 3 (for a new employer or Jobcentre Plus), box by box as HMRC's form numbers
    them (P45(Continuous)(E) Part 1A; PAYE Regulations 2003 reg. 36(4) Table 2). Since Real Time Information
    the leaving date goes to HMRC on the FPS and Part 1 is not sent (HMRC manual CSLM10211)."""
    letterhead = letterhead_of(tenant)
    locale = letterhead.locale
    employee = statement.employee

    def amount(value):
        return "" if value is None else money(value, letterhead)

    period = ""
    if statement.last_period is not None:
        period = (_("Month %(number)s", number=statement.last_period) if statement.frequency == "monthly"
                  else _("Week %(number)s", number=statement.last_period))
    boxes = [
        (_("1 Employer PAYE reference"), statement.paye_reference or _("not set (Payroll settings)")),
        (_("2 Employee's National Insurance number"), employee.ni_number or _("not known")),
        (_("3 Name"), employee.name),
        (_("4 Leaving date"), format_date(statement.leave_date, format="long", locale=locale)),
        (_("5 Student Loan deductions to continue"), _yes(statement.student_loan_continues)),
        (_("5 Postgraduate Loan deductions to continue"), _yes(statement.postgraduate_loan_continues)),
        (_("6 Tax code at leaving date"), f"{statement.tax_code} ({_basis_text(statement.week1_month1)})"),
        (_("7 Last entries: week or month number"), period),
        (_("7 Total pay to date"), amount(statement.pay_to_date)),
        (_("7 Total tax to date"), amount(statement.tax_to_date)),
    ]
    employer = ", ".join(line for line in (tenant.name, *letterhead.address_lines) if line)
    address = ", ".join(line for line in (employee.street, employee.city, employee.postcode) if line)
    story = [heading(_("Part 1A: copy for the employee")),
             paragraph(_("Tax year %(year)s. Keep this part safe: copies are not available.",
                         year=statement.tax_year)),
             key_value_table(boxes + [
                 (_("8 Total pay in this employment"), amount(statement.pay_this_employment)),
                 (_("8 Total tax in this employment"), amount(statement.tax_this_employment)),
                 (_("9 Works or payroll number"), str(employee.id)),
                 (_("11 Date of birth"), format_date(employee.date_of_birth, format="long", locale=locale)),
                 (_("12 Employee's private address"), address),
                 (_("Employer"), employer)])]
    if statement.week1_month1:
        story.append(paragraph(_("The tax code is used on the week 1 / month 1 basis, so boxes 7 and 8 have no "
                                 "entries (HMRC's P45).")))
    elif statement.pay_this_employment is None:
        story.append(paragraph(_("No entry at box 8: the amounts in this employment are those at box 7.")))
    story += [heading(_("Parts 2 and 3: for your new employer")),
              paragraph(_("Give both parts to your new employer (or to Jobcentre Plus if you claim benefits), or "
                          "they will use an emergency code and you may pay too much tax.")),
              key_value_table(boxes + [(_("Employer"), employer)])]
    created = datetime.combine(statement.leave_date, time(), UTC)
    content = build_pdf(letterhead, _("P45: details of employee leaving work"), story, created_at=created,
                        subject=f"P45 {employee.name} {statement.tax_year}")
    return content, f"p45-{statement.tax_year}-{employee.id}.pdf"


def p60_pdf(tenant, certificate) -> tuple[bytes, str]:
    """(PDF bytes, file name) of an employee's P60 end of year certificate, in the blocks of HMRC's form."""
    letterhead = letterhead_of(tenant)
    summary = certificate.summary
    employer = ", ".join(line for line in (tenant.name, *letterhead.address_lines) if line)
    year_end = f"20{certificate.tax_year[5:7]}"  # "2026-27" ends on 5 April 2027
    story = [
        key_value_table([(_("Tax year to 5 April"), year_end),
                         (_("Employee"), summary.name),
                         (_("National Insurance number"), summary.ni_number or _("not known")),
                         (_("Works or payroll number"), str(summary.employee_id))]),
        heading(_("Pay and Income Tax details")),
        data_table(["", _("Pay"), _("Tax deducted")], [
            [_("In previous employment(s)"), money(summary.pay_previous, letterhead),
             money(summary.tax_previous, letterhead)],
            [_("In this employment"), money(summary.pay_this_employment, letterhead),
             money(summary.tax_this_employment, letterhead)]],
            numeric_columns={1, 2}, wrap_columns={0},
            totals_row=[_("Total for year"), money(summary.pay_previous + summary.pay_this_employment, letterhead),
                        money(summary.tax_previous + summary.tax_this_employment, letterhead)]),
        key_value_table([(_("Final tax code"), summary.final_tax_code)]),
        heading(_("National Insurance contributions in this employment")),
        data_table([_("NIC letter"), _("Earnings at the LEL"), _("Earnings above the LEL, up to the PT"),
                    _("Earnings above the PT, up to the UEL"), _("Employee's contributions above the PT")],
                   [[line.letter, _pounds(line.at_lel, letterhead), _pounds(line.lel_to_pt, letterhead),
                     _pounds(line.pt_to_uel, letterhead), money(line.employee_ni, letterhead)]
                    for line in certificate.ni_lines],
                   numeric_columns={1, 2, 3, 4}, wrap_columns={1, 2, 3, 4}),
        heading(_("Other details")),
        key_value_table([
            (_("Student Loan deductions in this employment (whole £s only)"),
             _pounds(summary.student_loan, letterhead)),
            (_("Postgraduate Loan deductions in this employment (whole £s only)"),
             _pounds(summary.postgraduate_loan, letterhead)),
            (_("Employer PAYE reference"), certificate.paye_reference or _("not set (Payroll settings)")),
            (_("Employer"), employer)]),
        paragraph(_("This form shows your total pay for Income Tax purposes in this employment for the year. "
                    "Keep it safe: you may need it for a tax return or as proof of income.")),
    ]
    created = datetime.combine(date.fromisoformat(f"{year_end}-04-05"), time(), UTC)
    content = build_pdf(letterhead, _("P60 End of Year Certificate"), story, created_at=created,
                        subject=f"P60 {summary.name} {certificate.tax_year}")
    return content, f"p60-{certificate.tax_year}-{summary.employee_id}.pdf"


def _statutory_lines(tenant, payslip: Payslip, letterhead: Letterhead) -> list[str]:
    labels = {key: readable(text) for key, text in rules_of_year(tenant, payslip.run.tax_year).figure_labels().items()}
    if labels:
        return [f"{labels[key]}: {money(getattr(payslip, key), letterhead)}" for key in ("income_tax", "employee_ni")
                if key in labels]
    return [_("Income tax: %(amount)s", amount=money(payslip.income_tax, letterhead)),
            _("National Insurance: %(amount)s", amount=money(payslip.employee_ni, letterhead))]


# --- journal -----------------------------------------------------------------------------------

JOURNAL_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                   "postgraduate_loan", "pension_employee", "pension_employer", "other_deductions", "capital_share",
                   "capital_loan", "net_pay")


def _journal_header() -> list[str]:
    return [_("Employee number"), _("Employee"), _("NI number"), pgettext("HMRC", "Tax code"), _("NI category"),
            _("Gross pay"), _("Taxable pay"), _("Income tax"), _("Employee NI"), _("Employer NI"), _("Student loan"),
            _("Postgraduate loan"), _("Employee pension"), _("Employer pension"), _("Other deductions"),
            _("Share capital instalment"), _("Capital loan repayment"), _("Net pay"), _("Employer cost")]


def journal_rows(run: PayRun) -> list[list]:
    """The journal's rows: one per payslip, a totals row, then the employment allowance and what is due to HMRC."""
    rows = []
    for payslip in run.payslips:
        rows.append([payslip.employee_id, payslip.employee_name, payslip.employee.ni_number or "",
                     tax_code_text(payslip), payslip.ni_category,
                     *[getattr(payslip, key) for key in JOURNAL_FIGURES], payslip.employer_cost])
    totals = [sum((getattr(p, key) for p in run.payslips), ZERO) for key in JOURNAL_FIGURES]
    rows.append(["", _("Total"), "", "", "", *totals, sum((p.employer_cost for p in run.payslips), ZERO)])
    blank = [""] * (len(_journal_header()) - 2)
    rows.append(["", _("Employment allowance used"), *blank[:-1], run.employment_allowance_used])
    rows.append(["", _("Due to HMRC for the period"), *blank[:-1], run.due_to_hmrc])
    return rows


PACK_JOURNAL_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "other_deductions",
                        "capital_share", "capital_loan", "net_pay")
PACK_JOURNAL_DETAILS = ("tfr_accrual", "relief_employee", "relief_employer")


def _pack_journal(rules, run: PayRun) -> tuple[list[str], list[list]]:
    """The journal of a pack with its own fields: its identity fields and names for the figures, its details."""
    labels = {key: readable(text) for key, text in rules.figure_labels().items()}
    identity = [f for f in rules.employee_fields() if f.kind == "text" or f.name == "ccnl_level"]
    titles = {key: readable(text) for _title, rows in rules.payslip_sections() for key, text in rows}
    header = [_("Employee number"), _("Employee"), *[readable(f.label) for f in identity],
              *[labels.get(key) or _journal_header()[5 + JOURNAL_FIGURES.index(key)] for key in PACK_JOURNAL_FIGURES],
              *[titles.get(key, key) for key in PACK_JOURNAL_DETAILS], _("Employer cost")]
    rows = []
    for payslip in run.payslips:
        own, details = payslip.employee.jurisdiction_fields or {}, payslip.details or {}
        rows.append([payslip.employee_id, payslip.employee_name, *[own.get(f.name, "") for f in identity],
                     *[getattr(payslip, key) for key in PACK_JOURNAL_FIGURES],
                     *[Decimal(details.get(key, "0")) for key in PACK_JOURNAL_DETAILS], payslip.employer_cost])
    width = len(PACK_JOURNAL_FIGURES) + len(PACK_JOURNAL_DETAILS) + 1
    totals = [sum((row[-width + index] for row in rows), ZERO) for index in range(width)]
    rows.append(["", _("Total"), *[""] * len(identity), *totals])
    return header, rows


def journal(run: PayRun, journal_format: str, tenant=None) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the run's journal as `csv` or `xlsx` (`tenant`: the co-op, whose rule
    pack may lay the journal out with its own fields)."""
    stem = f"payroll-journal-{run.tax_year}-{run.frequency}-{run.period:02d}"
    rules = rules_of_year(tenant, run.tax_year) if tenant is not None else None
    if rules is not None and rules.payslip_sections():
        (header, rows), first_amount = _pack_journal(rules, run), 3
    else:
        header, rows, first_amount = _journal_header(), journal_rows(run), 6
    if journal_format == "xlsx":
        from openpyxl import Workbook  # openpyxl loads when a workbook is made (issue 16: not in every worker's memory)

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Journal")[:31]
        sheet.append(header)
        for row in rows:
            sheet.append([neutralise(value) for value in row])
        for column in sheet.iter_cols(min_col=first_amount, max_col=len(header), min_row=2):
            for cell in column:
                cell.number_format = "#,##0.00"
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue(), XLSX_MEDIA_TYPE, f"{stem}.xlsx"
    return to_csv(header, rows), "text/csv", f"{stem}.csv"
