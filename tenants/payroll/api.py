"""Payroll API: `/api/v1/t/<slug>/employees`, `/pay-runs` (calculate, approve, pay, journal), `/payslips`.

Payroll is private to the co-op: only its payroll clerks and treasurers write here, its viewers read;
consortium roles have no route in.
"""

from flask import Response, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.errors import Conflict
from consortium.exports import XLSX_MEDIA_TYPE
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.payroll import schemas, service

WRITERS = ("payroll_clerk", "treasurer")
READERS = (*WRITERS, "viewer")

blp = Blueprint("payroll_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="Payroll: employees, pay runs, payslips, journals and year-end figures")


@blp.before_request
def _only_where_payroll_rules_exist():
    """409 with the reason for a co-op whose jurisdiction has no payroll rule pack (after the role check
    would pass: others get the usual 403/404)."""
    tenant = g.get("tenant")
    if tenant is not None and current_user.is_authenticated and current_user.tenant_roles(tenant.id) & set(READERS) \
            and not service.has_payroll(tenant):
        reason = service.no_payroll_reason(tenant)
        raise Conflict(reason, {"country": [reason]})


def _employee_out(employee):
    """The employee with the linked member's Type B disadvantaged flag, read through the members service."""
    member = service.linked_member(db.session, employee)
    employee.disadvantaged = bool(member and member.disadvantaged)
    return employee


@blp.route("/employees")
class EmployeesResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.EmployeeSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """The co-op's employees, by name."""
        return service.employees_query()

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.EmployeeSchema)
    @blp.response(201, schemas.EmployeeOutSchema)
    def post(self, data):
        """Take on an employee; an invalid NI number or tax code is a 422 naming the field, nothing saved."""
        return _employee_out(service.add_employee(db.session, g.tenant, data, local_today()))


@blp.route("/employees/<int:employee_id>")
class EmployeeResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.EmployeeOutSchema)
    def get(self, employee_id):
        """One employee, with the linked member's Type B disadvantaged flag and capital schedules."""
        return _employee_out(service.get_employee(db.session, employee_id))

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.EmployeeUpdateSchema)
    @blp.response(200, schemas.EmployeeOutSchema)
    def patch(self, changes, employee_id):
        """Change an employee (a new tax code, a leaving date, an opt-out)."""
        employee = service.get_employee(db.session, employee_id)
        return _employee_out(service.update_employee(db.session, g.tenant, employee, changes, local_today()))


@blp.route("/employees/<int:employee_id>/capital-schedules")
class CapitalSchedulesResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.CapitalScheduleSchema(many=True))
    def get(self, employee_id):
        """The employee's share subscription and capital-loan repayment schedules with their balances."""
        return service.get_employee(db.session, employee_id).capital_schedules

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.CapitalScheduleSchema)
    @blp.response(201, schemas.CapitalScheduleSchema)
    def post(self, data, employee_id):
        """Start a share subscription in instalments (adds to the member's shares subscribed) or a loan repayment."""
        return service.add_capital_schedule(db.session, service.get_employee(db.session, employee_id), data)


@blp.route("/pay-runs")
class RunsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.RunQuerySchema, location="query")
    @blp.response(200, schemas.RunSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Pay runs, newest pay date first; filter by tax year or state."""
        return service.runs_query(tax_year=filters.get("tax_year"), state=filters.get("state"))

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.RunCreateSchema)
    @blp.response(201, schemas.RunSchema)
    def post(self, data):
        """Open a run for a frequency and pay date; a second run for the same period is a 409 naming `pay_date`."""
        return service.create_run(db.session, g.tenant, data, current_user.id)


@blp.route("/pay-runs/<int:run_id>")
class RunResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.RunSchema)
    def get(self, run_id):
        """One pay run with its totals."""
        return service.get_run(db.session, run_id)


@blp.route("/pay-runs/<int:run_id>/calculate")
class CalculateResource(MethodView):
    @tenant_role_required(*WRITERS)
    @blp.response(200, schemas.RunSchema)
    def post(self, run_id):
        """Calculate every payslip from the tax year's rule pack; net pay below zero is refused or capped."""
        return service.calculate_run(db.session, g.tenant, service.get_run(db.session, run_id), current_user.id)


@blp.route("/pay-runs/<int:run_id>/approve")
class ApproveResource(MethodView):
    @tenant_role_required(*WRITERS)
    @blp.response(200, schemas.RunSchema)
    def post(self, run_id):
        """Approve a calculated run; 403 naming `approved_by` when its calculator approves and a second is needed."""
        return service.approve_run(db.session, service.get_run(db.session, run_id), current_user.id)


@blp.route("/pay-runs/<int:run_id>/pay")
class PayResource(MethodView):
    @tenant_role_required(*WRITERS)
    @blp.response(200, schemas.RunSchema)
    def post(self, run_id):
        """Mark an approved run paid: locked from now on; capital instalments posted; payslip notices emailed."""
        return service.pay_run(db.session, g.tenant, service.get_run(db.session, run_id), current_user.id)


@blp.route("/pay-runs/<int:run_id>/payslips")
class RunPayslipsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.PayslipSchema(many=True))
    def get(self, run_id):
        """Every payslip of the run with its lines and figures."""
        return service.get_run(db.session, run_id).payslips


@blp.route("/pay-runs/<int:run_id>/journal")
class JournalResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.JournalQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
    def get(self, query, run_id):
        """The payroll journal for the accountant, as CSV or XLSX (`format=csv|xlsx`), or one of the co-op's rule
        pack's exports of a calculated run: for Italy `format=lul`, the month's Libro Unico del Lavoro entries (CSV,
        layout in docs/payroll.md); 422 naming `format` for an export the co-op's pack does not have."""
        from tenants.payroll import documents
        run = service.get_run(db.session, run_id)
        if query["format"] in ("csv", "xlsx"):
            content, media_type, filename = documents.journal(run, query["format"], g.tenant)
        else:
            content, media_type, filename = service.run_export(db.session, g.tenant, run, query["format"])
        return Response(content, mimetype=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/pay-runs/<int:run_id>/remittances")
class RemittancesResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    def get(self, run_id):
        """The capital-loan repayments the run collected, per lender and loan, with the balance left."""
        rows = service.remittances(db.session, service.get_run(db.session, run_id))
        return [{**row, "amount": str(row["amount"]),
                 "balance_after": None if row["balance_after"] is None else str(row["balance_after"])}
                for row in rows]


@blp.route("/payslips/<int:payslip_id>")
class PayslipResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.PayslipSchema)
    def get(self, payslip_id):
        """One payslip."""
        return service.get_payslip(db.session, payslip_id)


@blp.route("/payslips/<int:payslip_id>/lines")
class PayslipLinesResource(MethodView):
    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.PayrollLineSchema)
    @blp.response(201, schemas.PayrollLineSchema)
    def post(self, data, payslip_id):
        """Add a pay item or deduction; the run goes back to draft; a paid or approved run answers 409."""
        return service.add_line(db.session, service.get_payslip(db.session, payslip_id), data)


@blp.route("/payslips/<int:payslip_id>/pdf")
class PayslipPdfResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/pdf": {}}}})
    def get(self, payslip_id):
        """The payslip as a PDF."""
        from tenants.payroll import documents
        payslip = service.get_payslip(db.session, payslip_id)
        return _pdf(*documents.payslip_pdf(db.session, g.tenant, payslip))


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/employees/<int:employee_id>/p45")
class P45Resource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/pdf": {}}}})
    def get(self, employee_id):
        """A leaver's P45 (Parts 1A, 2 and 3) as a PDF; 409 naming `leave_date` before they have left, or
        `payslips` while a pay run of theirs in that tax year is not paid."""
        from tenants.payroll import documents
        employee = service.get_employee(db.session, employee_id)
        return _pdf(*documents.p45_pdf(g.tenant, service.leaver_statement(db.session, g.tenant, employee)))


@blp.route("/employees/<int:employee_id>/p60")
class P60Resource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.YearEndQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/pdf": {}}}})
    def get(self, query, employee_id):
        """The employee's P60 for a tax year that has ended (default: the last one) as a PDF; 409 naming
        `tax_year` for a year not ended, a leaver (who has a P45) or someone not paid that year."""
        from tenants.payroll import documents
        employee = service.get_employee(db.session, employee_id)
        today = local_today()
        tax_year = query.get("tax_year") or service.last_ended_tax_year(g.tenant, today)
        certificate = service.end_of_year_certificate(db.session, g.tenant, employee, tax_year, today)
        return _pdf(*documents.p60_pdf(g.tenant, certificate))


@blp.route("/payroll-settings")
class SettingsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.PayrollSettingsSchema)
    def get(self):
        """Approval rule, net-pay shortfall rule, employment allowance claim and the pension scheme."""
        return service.get_settings(db.session)

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.PayrollSettingsSchema)
    @blp.response(200, schemas.PayrollSettingsSchema)
    def patch(self, changes):
        """Change the payroll settings."""
        return service.update_settings(db.session, changes, g.tenant, local_today())


@blp.route("/payroll/year-end")
class YearEndResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.YearEndQuerySchema, location="query")
    @blp.response(200, schemas.YearEndSchema)
    def get(self, query):
        """A tax year's P60 figures per employee and the co-op's totals of tax, NI, loans and pension."""
        tax_year = query.get("tax_year") or service.tax_year_of(g.tenant, local_today())
        return {"tax_year": tax_year, "employees": service.year_end_summaries(db.session, tax_year),
                "totals": service.year_totals(db.session, tax_year)["totals"]}
