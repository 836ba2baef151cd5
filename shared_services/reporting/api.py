"""Reporting API: the consortium dashboard, annual report and consolidated social report for staff; each co-op's
dashboard and its social reports (draft, approve, file, PDF)."""

from flask import Response, current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.errors import ServiceError
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF or chart is made: a web worker starts without it (issue 16).
from shared_services.reporting import schemas, service, tables

STAFF = ("consortium_admin", "consortium_staff")
COOP_READERS = ("treasurer", "viewer")
COOP_WRITERS = ("treasurer",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

blp = Blueprint(
    "reporting_api",
    __name__,
    url_prefix="/api/v1/consortium",
    description="Consortium reporting: dashboard, exports, annual report, consolidated social report",
)
coop_blp = Blueprint(
    "coop_reporting_api",
    __name__,
    url_prefix="/api/v1/t/<slug>",
    description="A co-op's dashboard and its social reports (bilancio sociale)",
)


def download(data: bytes | str, mimetype: str, filename: str) -> Response:
    disposition = "inline" if mimetype == "application/pdf" else "attachment"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


def export_response(dashboard: dict, args: dict, stem: str) -> Response:
    """The dashboard's tables as one XLSX workbook, or one table (`table=`) as CSV."""
    all_tables = tables.dashboard_tables(dashboard)
    if args["format"] == "xlsx":
        return download(tables.to_xlsx(all_tables, stem), XLSX, f"{stem}.xlsx")
    chosen = next((t for t in all_tables if t.key == args.get("table")), None)
    if chosen is None:
        raise ServiceError(
            "Name the table to export as CSV.", {"table": [f"one of: {', '.join(t.key for t in all_tables)}"]}
        )
    return download(
        tables.to_csv(chosen), "text/csv", f"{stem}-{chosen.key}.csv"
    )


def figures_out(figures: dict, year: int) -> dict:
    """A dashboard or consolidated figures tree as the API gives it (Decimals as strings, ISO dates)."""
    return {"year": year, "previous_year": year - 1, "figures": service.jsonable(figures)}


def consortium_dashboard(args: dict) -> dict:
    """The consortium dashboard of the `year` asked."""
    return service.consortium_dashboard(db.session, args["year"], today=local_today())


def consortium_pdf(render, figures: dict, filename: str) -> Response:
    """A consortium PDF (`render(figures, consortium_name=...)`) as an inline download."""
    return download(render(figures, consortium_name=current_app.config["CONSORTIUM_NAME"]), "application/pdf", filename)


def report_out(report) -> dict:
    return {
        "id": report.id,
        "year": report.year,
        "state": report.state,
        "approved_on": report.approved_on,
        "filed_on": report.filed_on,
        "due_on": service.social_report_due(report.year),
        "sections": report.sections,
        "figures": service.report_figures(db.session, g.tenant, report),
        "updated_at": report.updated_at,
    }


# --------------------------------------------------------------------------- consortium


@blp.route("/reports/dashboard")
class DashboardResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.YearQuerySchema, location="query")
    @blp.response(200, schemas.DashboardSchema)
    def get(self, args):
        """The membership at a glance for `year` beside the year before; money grouped by currency."""
        return figures_out(consortium_dashboard(args), args["year"])


@blp.route("/reports/dashboard/export")
class DashboardExportResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.ExportQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    @blp.alt_response(200, content_type="text/csv", success=True, description="One table as CSV")
    def get(self, args):
        """Every dashboard table as XLSX (a sheet each), or one table as CSV (`;`-separated)."""
        return export_response(consortium_dashboard(args), args, f"dashboard-{args['year']}")


@blp.route("/reports/annual")
class AnnualReportResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.YearQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, args):
        """The consortium's annual report PDF: the dashboard's charts and tables."""
        from shared_services.reporting import documents
        year = args["year"]
        return consortium_pdf(documents.annual_report_pdf, consortium_dashboard(args), f"annual-report-{year}.pdf")


@blp.route("/social-reports/consolidated")
class ConsolidatedResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.YearQuerySchema, location="query")
    @blp.response(200, schemas.DashboardSchema)
    def get(self, args):
        """The consolidated social report's figures: the group's aggregates and how many co-ops filed."""
        return figures_out(service.consolidated_figures(db.session, args["year"], today=local_today()), args["year"])


@blp.route("/social-reports/consolidated/pdf")
class ConsolidatedPdfResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.YearQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, args):
        """The consolidated social report as a PDF, in the eight sections of D.M. 4 July 2019."""
        from shared_services.reporting import documents
        return consortium_pdf(documents.consolidated_pdf,
                              service.consolidated_figures(db.session, args["year"], today=local_today()),
                              f"consolidated-social-report-{args['year']}.pdf")


# --------------------------------------------------------------------------- a co-op


@coop_blp.route("/reports/dashboard")
class CoopDashboardResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.arguments(schemas.YearQuerySchema, location="query")
    @coop_blp.response(200, schemas.DashboardSchema)
    def get(self, args):
        """The co-op's own figures for `year` and the year before, beside the consortium's medians (no names)."""
        return figures_out(service.coop_dashboard(db.session, g.tenant, args["year"]), args["year"])


def year_facts_out(year: int) -> dict:
    facts = service.year_facts(db.session, year)
    year_end = service.year_end_of(db.session, year)
    return {"year": year, "year_end": year_end, "total_assets": facts.total_assets if facts else None,
            "ar30_due": service.ar30_due(year_end)}


@coop_blp.route("/reports/year-facts")
class YearFactsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.arguments(schemas.YearQuerySchema, location="query")
    @coop_blp.response(200, schemas.YearFactsSchema)
    def get(self, args):
        """The financial year's end (31 December unless stated) and total assets, with the AR30 due date."""
        return year_facts_out(args["year"])

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.YearQuerySchema, location="query")
    @coop_blp.arguments(schemas.YearFactsSchema)
    @coop_blp.response(200, schemas.YearFactsSchema)
    def put(self, args, data):
        """State the financial year's end (a day within `year`) and the total assets on it."""
        service.set_year_facts(db.session, g.tenant, args["year"], year_end=data["year_end"],
                               total_assets=data["total_assets"])
        return year_facts_out(args["year"])


@coop_blp.route("/social-reports")
class SocialReportsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.SocialReportSchema(many=True))
    def get(self):
        """The co-op's social reports, newest year first."""
        return [report_out(r) for r in db.session.scalars(service.reports_query())]

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.SocialReportCreateSchema)
    @coop_blp.response(201, schemas.SocialReportSchema)
    def post(self, data):
        """Start the social report of a year (a draft; the platform fills its figures)."""
        return report_out(service.create_report(db.session, g.tenant, data))


@coop_blp.route("/social-reports/<int:report_id>")
class SocialReportResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.SocialReportSchema)
    def get(self, report_id):
        """One social report with its figures (frozen once approved)."""
        return report_out(service.get_report(db.session, report_id))

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.SocialReportUpdateSchema)
    @coop_blp.response(200, schemas.SocialReportSchema)
    def patch(self, data, report_id):
        """Change a draft's sections (text, or the reason a section is omitted); an approved report is frozen."""
        report = service.get_report(db.session, report_id)
        return report_out(service.update_report(db.session, report, data))


@coop_blp.route("/social-reports/<int:report_id>/approve")
class ApproveResource(MethodView):
    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.ApproveSchema)
    @coop_blp.response(200, schemas.SocialReportSchema)
    def post(self, data, report_id):
        """Record the assembly's approval: checks every section and the date, then freezes the figures."""
        report = service.get_report(db.session, report_id)
        return report_out(
            service.approve_report(db.session, g.tenant, report, data["approved_on"], today=local_today())
        )


@coop_blp.route("/social-reports/<int:report_id>/file")
class FileResource(MethodView):
    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.FileSchema)
    @coop_blp.response(200, schemas.SocialReportSchema)
    def post(self, data, report_id):
        """Record the day the approved report was filed at the register."""
        report = service.get_report(db.session, report_id)
        return report_out(service.file_report(db.session, report, data["filed_on"], today=local_today()))


@coop_blp.route("/social-reports/<int:report_id>/pdf")
class SocialReportPdfResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, content_type="application/pdf")
    def get(self, report_id):
        """The social report as a PDF in the reader's language (Italian or English)."""
        from shared_services.reporting import documents
        report = service.get_report(db.session, report_id)
        figures = service.report_figures(db.session, g.tenant, report)
        return download(documents.social_report_pdf(report, figures, tenant=g.tenant), "application/pdf",
                        f"social-report-{g.tenant.slug}-{report.year}.pdf")
