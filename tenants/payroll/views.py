"""Payroll pages: pay runs (create, review against the previous period, calculate, approve, pay), payslips and
their lines, employees with their capital schedules, settings and the pension scheme, the year end."""

from datetime import timedelta

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from consortium import lists
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.forms import load_form, run_service
from consortium.i18n import _, format_date, pgettext

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.payroll import schemas, service
from tenants.payroll.labels import (
    ARRANGEMENT_LABELS,
    AUTO_ENROLMENT_LABELS,
    CAPITAL_KIND_LABELS,
    FREQUENCY_LABELS,
    LINE_KIND_LABELS,
    PAY_BASIS_LABELS,
    RUN_STATE_LABELS,
    SHORTFALL_LABELS,
    STARTER_LABELS,
    STUDENT_LOAN_LABELS,
    TAX_BASIS_LABELS,
    label,
)
from tenants.payroll.models import ENTERED_KINDS, FREQUENCIES, RUN_STATES, Employee, PayRun

blp = Blueprint("payroll", __name__, url_prefix="/t/<slug>/payroll", template_folder="templates")
WRITERS = ("payroll_clerk", "treasurer")
READERS = (*WRITERS, "viewer")
# The figures the review page sets against the previous period.
REVIEW_FIGURES = ("gross_pay", "income_tax", "employee_ni", "student_loan", "pension_employee", "capital_share",
                  "capital_loan", "net_pay", "employer_ni")
EMPLOYEE_BOOLEANS = ("postgraduate_loan", "pension_member", "pension_opted_out")


@blp.before_request
def _only_where_payroll_rules_exist():
    """A co-op whose jurisdiction has no payroll rule pack gets a page saying so, not a form that fails."""
    tenant = g.get("tenant")
    if tenant is not None and current_user.is_authenticated and current_user.tenant_roles(tenant.id) & set(READERS) \
            and not service.has_payroll(tenant):
        return render_template("payroll/unavailable.html", reason=service.no_payroll_reason(tenant))
    return None


def _can_edit() -> bool:
    return bool(current_user.tenant_roles(g.tenant.id) & set(WRITERS))


def _options(table: dict) -> list[tuple[str, str]]:
    return [(code, str(text)) for code, text in table.items()]


@blp.app_context_processor
def _payroll_labels():
    return {"payroll_label": label, "FREQUENCY_LABELS": FREQUENCY_LABELS, "RUN_STATE_LABELS": RUN_STATE_LABELS,
            "LINE_KIND_LABELS": LINE_KIND_LABELS, "payroll_ni_label": _ni_label,
            "TAX_BASIS_LABELS": TAX_BASIS_LABELS, "AUTO_ENROLMENT_LABELS": AUTO_ENROLMENT_LABELS,
            "CAPITAL_KIND_LABELS": CAPITAL_KIND_LABELS, "STUDENT_LOAN_LABELS": STUDENT_LOAN_LABELS,
            "payroll_note": service.note_text, "payroll_line": service.line_text}


def _ni_label(letter: str, tax_year: str | None = None) -> str:
    """An NI category letter with its label from the co-op's rule pack (of `tax_year`, else of today)."""
    labels = (service.ni_category_labels(g.tenant, tax_year) if tax_year
              else service.ni_category_labels_on(g.tenant, local_today()))
    return labels.get(letter, letter)


def _pack(on=None) -> dict:
    """What the pages need of the co-op's rule pack: whether employees carry a UK tax code, the pack's own
    employee and settings fields (labels in the reader's language), its names for the common figures, its
    payslip sections and its run exports."""
    rules = service.rules_on(g.tenant, on or local_today())

    def described(declared):
        return [{"name": f.name, "label": service.readable(f.label), "kind": f.kind, "required": f.required,
                 "options": [(code, service.readable(text)) for code, text in f.choices],
                 "default": f.default} for f in declared]

    labels = {key: service.readable(text) for key, text in rules.figure_labels().items()}
    return {"uses_tax_code": rules.uses_tax_code, "employee_fields": described(rules.employee_fields()),
            "settings_fields": described(rules.settings_fields()), "labels": labels,
            "sections": [(service.readable(title), [(key, service.readable(text)) for key, text in rows])
                         for title, rows in rules.payslip_sections()],
            "exports": {name: service.readable(text) for name, text in rules.run_exports().items()}}


def _pack_defaults(pack: dict) -> dict:
    """A new employee's pack fields: each field's default, or the option named after the co-op's town (its comune)."""
    defaults = {}
    for declared in pack["employee_fields"]:
        by_town = [code for code, text in declared["options"] if text == g.tenant.city]
        defaults[declared["name"]] = by_town[0] if by_town else declared["default"]
    return defaults


def _pack_form_data(pack: dict, form) -> dict | None:
    """The pack's own fields out of a submitted form (checkboxes as "1" or "")."""
    if not pack["employee_fields"]:
        return None
    return {f["name"]: ("1" if form.get(f["name"]) == "y" else "") if f["kind"] == "boolean"
            else form.get(f["name"], "").strip() for f in pack["employee_fields"]}


def home_panel(tenant) -> dict:
    """The next pay date and the cost of the last paid run, for the co-op's home page."""
    return service.home_summary(db.session, local_today())


# --- pay runs ----------------------------------------------------------------------------------


@blp.route("/")
@tenant_role_required(*READERS)
def runs():
    """The pay runs, newest first, with the next pay date."""
    # PayRun.employer_cost, in SQL
    employer_cost = PayRun.gross_pay + PayRun.employer_ni - PayRun.employment_allowance_used + PayRun.pension_employer
    listing = lists.Listing(
        search=[PayRun.tax_year],
        sorts={"pay_date": PayRun.pay_date, "frequency": PayRun.frequency, "period": PayRun.period,
               "state": PayRun.state, "gross": PayRun.gross_pay, "net": PayRun.net_pay,
               "cost": employer_cost},
        default_sort="pay_date", default_desc=True, descending=("pay_date", "gross", "net", "cost"),
        filters={"state": {code: (RUN_STATE_LABELS[code], PayRun.state == code) for code in RUN_STATES},
                 "frequency": {code: (FREQUENCY_LABELS[code], PayRun.frequency == code) for code in FREQUENCIES}},
        date=PayRun.pay_date)
    rows = listing.apply(db.session, service.runs_query())
    return render_template("payroll/runs.html", runs=rows, summary=service.home_summary(db.session, local_today()),
                           can_edit=_can_edit())


@blp.route("/runs/new", methods=["GET", "POST"])
@tenant_role_required(*WRITERS)
def new_run():
    """Open a pay run for a frequency and pay date."""
    errors, values = {}, {"frequency": "monthly", "pay_date": local_today().isoformat()}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.RunCreateSchema(), request.form)
        if data is not None:
            run, errors = run_service(lambda: service.create_run(db.session, g.tenant, data, current_user.id))
            if run is not None:
                flash(_("Pay run for period %(period)s of %(year)s opened with %(count)s payslips.",
                        period=run.period, year=run.tax_year, count=len(run.payslips)))
                return redirect(url_for("payroll.run", run_id=run.id))
    return render_template("payroll/run_form.html", errors=errors, values=values,
                           frequencies=_options(FREQUENCY_LABELS), pack=_pack())


def _changes(payslip, previous) -> dict[str, bool]:
    """Which review figures differ from the previous period's payslip (all of them for a first payslip)."""
    if previous is None:
        return dict.fromkeys(REVIEW_FIGURES, False)
    return {key: getattr(payslip, key) != getattr(previous, key) for key in REVIEW_FIGURES}


@blp.route("/runs/<int:run_id>")
@tenant_role_required(*READERS)
def run(run_id):
    """The review page: each employee's figures against the previous period, changes highlighted."""
    record = service.get_run(db.session, run_id)
    previous = service.previous_payslips(db.session, record)
    rows = [{"payslip": p, "previous": previous.get(p.employee_id),
             "changed": _changes(p, previous.get(p.employee_id))} for p in record.payslips]
    rows = _payslip_list().apply(db.session, rows)
    names = service.user_names(db.session, (record.created_by_id, record.calculated_by_id, record.approved_by_id,
                                            record.paid_by_id))
    settings = service.get_settings(db.session)
    pack = _pack(record.pay_date)
    figures = REVIEW_FIGURES if pack["uses_tax_code"] else tuple(
        key for key in REVIEW_FIGURES if key not in ("student_loan", "pension_employee"))
    return render_template("payroll/run.html", run=record, rows=rows, names=names, can_edit=_can_edit(),
                           remittances=service.remittances(db.session, record), figures=figures, pack=pack,
                           columns=_figure_labels(pack), relief=service.run_detail_total(
                               record, ("relief_employee", "relief_employer")),
                           must_be_other=record.calculated_by_id == current_user.id
                           and not settings.allow_self_approval)


def _payslip_list() -> lists.Listing:
    """The run page's payslips: by employee or any figure, calculated or not, changed since last period or not."""
    def figure(key):
        return lambda row: getattr(row["payslip"], key)

    return lists.Listing(
        search=lambda row: f"{row['payslip'].employee_name} {row['payslip'].tax_code}",
        sorts={"employee": lambda row: row["payslip"].employee_name, "tax_code": lambda row: row["payslip"].tax_code,
               **{key: figure(key) for key in REVIEW_FIGURES}},
        default_sort="employee", descending=REVIEW_FIGURES,
        page_size=100,  # a review reads the whole run: a co-op's run fits on one page unless it is a large one
        filters={"calculated": {"1": (_("calculated"), lambda row: row["payslip"].calculated),
                                "0": (_("to calculate"), lambda row: not row["payslip"].calculated)},
                 "changed": {"1": (_("changed since the previous period"),
                                   lambda row: row["previous"] is not None and any(row["changed"].values())),
                             "0": (_("as in the previous period"),
                                   lambda row: row["previous"] is not None and not any(row["changed"].values())),
                             "new": (_("no payslip in the previous period"), lambda row: row["previous"] is None)}})


def _sections(pack: dict, details: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The pack's payslip sections with the figures this payslip has (nil ones left out), the first one (the
    additional months' pay, as on the PDF) excluded: its figures are payments, listed with the pay lines."""
    shown = [(title, [(text, details[key]) for key, text in rows if details.get(key) not in (None, "0.00")])
             for title, rows in pack["sections"][1:]]
    return [(title, rows) for title, rows in shown if rows]


def _additional_pay(pack: dict, details: dict) -> list[tuple[str, str, str]]:
    """The additional months' pay of the payslip (tredicesima, quattordicesima): (description, kind, amount)."""
    if not pack["sections"]:
        return []
    title, rows = pack["sections"][0]
    return [(text, title, details[key]) for key, text in rows if details.get(key) not in (None, "0.00")]


def _figure_labels(pack: dict) -> dict:
    """Column labels of the common figures, the pack's own where it names them otherwise."""
    return {"gross_pay": _("Gross pay"), "income_tax": _("Income tax"), "employee_ni": _("Employee NI"),
            "student_loan": _("Student loan"), "pension_employee": _("Pension"), "capital_share": _("Share capital"),
            "capital_loan": _("Capital loan"), "net_pay": _("Net pay"), "employer_ni": _("Employer NI"),
            "taxable_pay": _("Taxable pay"), **pack["labels"]}


def _transition(run_id: int, action, done: str):
    record = service.get_run(db.session, run_id)
    result, _errors = run_service(lambda: action(record))
    if result is not None:
        flash(done)
    return redirect(url_for("payroll.run", run_id=record.id))


@blp.route("/runs/<int:run_id>/calculate", methods=["POST"])
@tenant_role_required(*WRITERS)
def calculate(run_id):
    """Calculate (or recalculate) the run."""
    return _transition(run_id, lambda r: service.calculate_run(db.session, g.tenant, r, current_user.id),
                       _("Pay run calculated. Another person now reviews and approves it."))


@blp.route("/runs/<int:run_id>/approve", methods=["POST"])
@tenant_role_required(*WRITERS)
def approve(run_id):
    """Approve the calculated run."""
    return _transition(run_id, lambda r: service.approve_run(db.session, r, current_user.id),
                       _("Pay run approved."))


@blp.route("/runs/<int:run_id>/pay", methods=["POST"])
@tenant_role_required(*WRITERS)
def pay(run_id):
    """Mark the approved run paid: it is locked from now on."""
    return _transition(run_id, lambda r: service.pay_run(db.session, g.tenant, r, current_user.id),
                       _("Pay run paid and locked. Payslip notices are on their way to employees with an email."))


def _journal(run_id: int, journal_format: str) -> Response:
    from tenants.payroll import documents
    content, media_type, filename = documents.journal(service.get_run(db.session, run_id), journal_format, g.tenant)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/runs/<int:run_id>/journal.csv")
@tenant_role_required(*READERS)
def journal_csv(run_id):
    """The run's journal as CSV."""
    return _journal(run_id, "csv")


@blp.route("/runs/<int:run_id>/journal.xlsx")
@tenant_role_required(*READERS)
def journal_xlsx(run_id):
    """The run's journal as XLSX."""
    return _journal(run_id, "xlsx")


@blp.route("/runs/<int:run_id>/export/<export_name>")
@tenant_role_required(*READERS)
def run_export(run_id, export_name):
    """One of the rule pack's exports of the run (Italy: the month's Libro Unico del Lavoro entries)."""
    content, media_type, filename = service.run_export(db.session, g.tenant, service.get_run(db.session, run_id),
                                                       export_name)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- payslips ----------------------------------------------------------------------------------


@blp.route("/payslips/<int:payslip_id>")
@tenant_role_required(*READERS)
def payslip(payslip_id, errors=None, values=None):
    """One payslip: its lines (add or remove while the run is open), figures and year to date."""
    from tenants.payroll import documents
    record = service.get_payslip(db.session, payslip_id)
    pack = _pack(record.run.pay_date)
    return render_template("payroll/payslip.html", payslip=record, run=record.run, can_edit=_can_edit(),
                           deductions=documents.deductions_of(record, pack["labels"]), errors=errors or {},
                           pack=pack, labels=_figure_labels(pack), sections=_sections(pack, record.details or {}),
                           additional_pay=_additional_pay(pack, record.details or {}),
                           values=values or {"kind": "overtime"}, tax_code=documents.tax_code_text(record),
                           kinds=[(kind, str(LINE_KIND_LABELS[kind])) for kind in ENTERED_KINDS],
                           to_date=record.to_date or {})


@blp.route("/payslips/<int:payslip_id>/lines", methods=["POST"])
@tenant_role_required(*WRITERS)
def add_line(payslip_id):
    """Add a pay item or deduction."""
    record = service.get_payslip(db.session, payslip_id)
    data, errors = load_form(schemas.PayrollLineSchema(), request.form, booleans=("pensionable",))
    if data is not None:
        line, errors = run_service(lambda: service.add_line(db.session, record, data))
        if line is not None:
            flash(_("%(what)s added; calculate the run again.", what=service.line_text(line)))
            return redirect(url_for("payroll.payslip", payslip_id=record.id))
    return payslip(payslip_id, errors=errors, values=request.form)


@blp.route("/payslips/<int:payslip_id>/lines/delete", methods=["POST"])
@tenant_role_required(*WRITERS)
def delete_line(payslip_id):
    """Remove an entered line (its id comes in the form)."""
    record = service.get_payslip(db.session, payslip_id)
    line_id = request.form.get("line_id", type=int) or 0
    _result, errors = run_service(lambda: service.remove_line(db.session, record, line_id) or True)
    if not errors:
        flash(_("Line removed; calculate the run again."))
    return redirect(url_for("payroll.payslip", payslip_id=record.id))


@blp.route("/payslips/<int:payslip_id>/pdf")
@tenant_role_required(*READERS)
def payslip_pdf(payslip_id):
    """The payslip PDF."""
    from tenants.payroll import documents
    record = service.get_payslip(db.session, payslip_id)
    return _pdf(*documents.payslip_pdf(db.session, g.tenant, record))


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- employees ---------------------------------------------------------------------------------


@blp.route("/employees/")
@tenant_role_required(*READERS)
def employees():
    """Everyone on the payroll, current and past."""
    today = local_today()
    current = (Employee.start_date <= today) & (Employee.leave_date.is_(None) | (Employee.leave_date >= today))
    listing = lists.Listing(
        search=[Employee.name, Employee.email, Employee.tax_code, Employee.ni_number],
        sorts={"name": Employee.name, "frequency": Employee.pay_frequency, "tax_code": Employee.tax_code,
               "ni": Employee.ni_category, "started": Employee.start_date, "left": Employee.leave_date},
        default_sort="name", descending=("started", "left"),
        filters={"employed": {"1": (_("employed today"), current), "0": (pgettext("employees", "left"), ~current)},
                 "frequency": {code: (FREQUENCY_LABELS[code], Employee.pay_frequency == code)
                               for code in FREQUENCIES},
                 "member": {"1": (_("worker members"), Employee.member_id.is_not(None)),
                            "0": (_("non-members"), Employee.member_id.is_(None))}},
        date=Employee.start_date)
    rows = listing.apply(db.session, service.employees_query())
    return render_template("payroll/employees.html", employees=rows, can_edit=_can_edit(), today=local_today(),
                           pack=_pack())


def _member_options() -> list[tuple[str, str]]:
    from tenants.members import service as members

    workers = db.session.scalars(members.members_query(category="worker")).all()
    return [("", _("Not a member"))] + [(str(m.id), m.name) for m in workers]


def _employee_form(employee, values, errors):
    return render_template(
        "payroll/employee_form.html", employee=employee, values=values, errors=errors, members=_member_options(),
        pack=_pack(),
        frequencies=_options(FREQUENCY_LABELS), tax_bases=_options(TAX_BASIS_LABELS),
        pay_bases=_options(PAY_BASIS_LABELS), plans=_options(STUDENT_LOAN_LABELS),
        categories=list(service.ni_category_labels_on(g.tenant, local_today()).items()),
        declarations=[("", _("None (a P45 or an existing employee)"))] + _options(STARTER_LABELS))


def _employee_data(schema):
    form = request.form.to_dict()
    form["student_loan_plans"] = ",".join(request.form.getlist("student_loan_plans"))
    pack = _pack()
    own = _pack_form_data(pack, request.form)
    for declared in pack["employee_fields"]:
        form.pop(declared["name"], None)
    data, errors = load_form(schema, form, booleans=EMPLOYEE_BOOLEANS)
    if data is not None and own is not None:
        data["jurisdiction_fields"] = own
    return data, errors


@blp.route("/employees/new", methods=["GET", "POST"])
@tenant_role_required(*WRITERS)
def new_employee():
    """Take on an employee."""
    errors, values = {}, {"pay_frequency": "monthly", "tax_basis": "cumulative", "ni_category": "A",
                          "pay_basis": "salary", "start_date": local_today().isoformat(),
                          **_pack_defaults(_pack())}
    if request.method == "POST":
        values = request.form
        data, errors = _employee_data(schemas.EmployeeSchema())
        if data is not None:
            employee, errors = run_service(lambda: service.add_employee(db.session, g.tenant, data, local_today()))
            if employee is not None:
                flash(_("%(name)s is on the payroll with tax code %(code)s.", name=employee.name,
                        code=employee.tax_code) if employee.tax_code else
                      _("%(name)s is on the payroll.", name=employee.name))
                return redirect(url_for("payroll.employee", employee_id=employee.id))
    return _employee_form(None, values, errors)


@blp.route("/employees/<int:employee_id>")
@tenant_role_required(*READERS)
def employee(employee_id, errors=None, values=None):
    """One employee: their record, the linked member's Type B flag, capital schedules and payslips."""
    record = service.get_employee(db.session, employee_id)
    payslips = service.employee_payslips(db.session, record)
    today = local_today()
    pack = _pack()
    own = record.jurisdiction_fields or {}
    pack_rows = [(f["label"], dict(f["options"]).get(own.get(f["name"], ""), own.get(f["name"], "")) if f["options"]
                  else (_("yes") if own.get(f["name"]) == "1" else _("no")) if f["kind"] == "boolean"
                  else own.get(f["name"], "")) for f in pack["employee_fields"]]
    return render_template("payroll/employee.html", employee=record, member=service.linked_member(db.session, record),
                           pack=pack, pack_rows=pack_rows,
                           p60_years=service.p60_years(g.tenant, record, payslips, today),
                           can_edit=_can_edit(), payslips=payslips, errors=errors or {},
                           values=values or {"start_on": local_today().isoformat()},
                           capital_kinds=_options(CAPITAL_KIND_LABELS))


@blp.route("/employees/<int:employee_id>/p45.pdf")
@tenant_role_required(*READERS)
def p45_pdf(employee_id):
    """A leaver's P45; back to the employee's page, saying why, when there is none to give yet."""
    from tenants.payroll import documents
    record = service.get_employee(db.session, employee_id)
    statement, _errors = run_service(lambda: service.leaver_statement(db.session, g.tenant, record))
    if statement is None:
        return redirect(url_for("payroll.employee", employee_id=record.id))
    return _pdf(*documents.p45_pdf(g.tenant, statement))


@blp.route("/employees/<int:employee_id>/p60.pdf")
@tenant_role_required(*READERS)
def p60_pdf(employee_id):
    """The employee's P60 for `?tax_year=` (default: the last tax year that has ended)."""
    from tenants.payroll import documents
    record = service.get_employee(db.session, employee_id)
    today = local_today()
    certificate, _errors = run_service(lambda: service.end_of_year_certificate(
        db.session, g.tenant, record, request.args.get("tax_year") or service.last_ended_tax_year(g.tenant, today),
        today))
    if certificate is None:
        return redirect(url_for("payroll.employee", employee_id=record.id))
    return _pdf(*documents.p60_pdf(g.tenant, certificate))


@blp.route("/employees/<int:employee_id>/edit", methods=["GET", "POST"])
@tenant_role_required(*WRITERS)
def edit_employee(employee_id):
    """Change an employee's record."""
    record = service.get_employee(db.session, employee_id)
    errors, values = {}, schemas.EmployeeSchema().dump(record)
    values["student_loan_plans"] = record.plans
    values.update(record.jurisdiction_fields or {})
    if request.method == "POST":
        values = request.form
        data, errors = _employee_data(schemas.EmployeeUpdateSchema())
        if data is not None:
            for key in service.EMPLOYEE_NULLABLE:
                data.setdefault(key, None)
            data.setdefault("student_loan_plans", ())
            if not _pack()["employee_fields"]:
                data.pop("jurisdiction_fields", None)
            updated, errors = run_service(lambda: service.update_employee(db.session, g.tenant, record, data,
                                                                          local_today()))
            if updated is not None:
                flash(_("%(name)s updated.", name=record.name))
                return redirect(url_for("payroll.employee", employee_id=record.id))
    return _employee_form(record, values, errors)


@blp.route("/employees/<int:employee_id>/capital", methods=["POST"])
@tenant_role_required(*WRITERS)
def add_capital_schedule(employee_id):
    """Start a share subscription in instalments or a capital-loan repayment."""
    record = service.get_employee(db.session, employee_id)
    data, errors = load_form(schemas.CapitalScheduleSchema(), request.form)
    if data is not None:
        schedule, errors = run_service(lambda: service.add_capital_schedule(db.session, record, data))
        if schedule is not None:
            flash(_("%(what)s started.", what=label(CAPITAL_KIND_LABELS, schedule.kind)))
            return redirect(url_for("payroll.employee", employee_id=record.id))
    return employee(employee_id, errors=errors, values=request.form)


# --- settings and year end ---------------------------------------------------------------------


@blp.route("/settings", methods=["GET", "POST"])
@tenant_role_required(*WRITERS)
def settings():
    """Approval rule, net-pay shortfall rule, employment allowance and the pension scheme."""
    pack = _pack()
    current = service.get_settings(db.session)
    errors, values = {}, {**schemas.PayrollSettingsSchema().dump(current), **(current.jurisdiction_settings or {})}
    if request.method == "POST":
        values = request.form
        form = request.form.to_dict()
        own = {f["name"]: form.pop(f["name"], "").strip() for f in pack["settings_fields"]}
        data, errors = load_form(schemas.PayrollSettingsSchema(), form,
                                 booleans=("allow_self_approval", "claims_employment_allowance"))
        if data is not None and own:
            data["jurisdiction_settings"] = own
        if data is not None:
            saved, errors = run_service(lambda: service.update_settings(db.session, data, g.tenant, local_today()))
            if saved is not None:
                flash(_("Payroll settings saved."))
                return redirect(url_for("payroll.settings"))
    return render_template("payroll/settings.html", errors=errors, values=values, pack=pack,
                           arrangements=_options(ARRANGEMENT_LABELS), shortfalls=_options(SHORTFALL_LABELS))


@blp.route("/year-end")
@tenant_role_required(*READERS)
def year_end():
    """A tax year's figures per employee (P60-like) and the co-op's totals due to HMRC per period."""
    years = service.tax_years(db.session)
    tax_year = request.args.get("tax_year") if request.args.get("tax_year") in years else (years[0] if years else None)
    summaries = service.year_end_summaries(db.session, tax_year) if tax_year else []
    totals = service.year_totals(db.session, tax_year) if tax_year else None
    rules = service.rules_of_year(g.tenant, tax_year) if tax_year else service.rules_on(g.tenant, local_today())
    pack = _pack(rules.ends)
    columns = [(key, service.readable(text)) for key, text in rules.year_end_columns()]
    pack_rows = service.year_end_pack_rows(db.session, tax_year, tuple(k for k, _t in columns)) if columns and \
        tax_year else []
    return render_template("payroll/year_end.html", years=years, tax_year=tax_year, summaries=summaries,
                           totals=totals, frequencies=FREQUENCIES, pack=pack, pack_columns=columns,
                           pack_rows=pack_rows, labels=_figure_labels(pack))


def home_tasks(tenant) -> list[dict]:
    """The payroll clerk's to-dos: pay runs not yet paid, and the next pay date when it is within a week."""
    today = local_today()
    open_runs = [run for run in db.session.scalars(service.runs_query()) if run.state != "paid"]
    summary = service.home_summary(db.session, today)
    next_date = summary["next_pay_date"]
    url = url_for("payroll.runs", slug=tenant.slug)
    tasks = [{"label": _("Pay runs to finish"), "count": len(open_runs), "url": url}]
    if next_date is not None and not open_runs and next_date <= today + timedelta(days=7):
        tasks.append({"label": _("A pay run to prepare for %(date)s", date=format_date(next_date)), "count": 1,
                      "url": url})
    return tasks
