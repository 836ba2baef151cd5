"""Reporting pages: the consortium dashboard with its charts, exports and PDFs for staff; each co-op's dashboard
beside the consortium's medians and its social reports."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from consortium import lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.fields import query_int
from consortium.forms import load_form, run_service
from consortium.i18n import _

# `documents` and `charts` (reportlab) are imported where a PDF or chart is made: a worker starts without them.
from shared_services.reporting import schemas, service, tables
from shared_services.reporting.api import (
    COOP_READERS,
    COOP_WRITERS,
    STAFF,
    consortium_pdf,
    download,
    export_response,
)
from shared_services.reporting.models import STATE_LABELS
from tenants.members.service import CATEGORY_LABELS

blp = Blueprint("reporting", __name__, url_prefix="/consortium/reports", template_folder="templates")
coop_blp = Blueprint("coop_reporting", __name__, url_prefix="/t/<slug>", template_folder="templates")


@blp.context_processor
@coop_blp.context_processor
def _labels():
    return {
        "state_labels": STATE_LABELS,
        "section_labels": service.SECTION_LABELS,
        "sections": service.SECTIONS,
        "category_labels": CATEGORY_LABELS,
        "revenue_labels": tables.REVENUE_LABELS,
        "Money": tables.Money,
        "Percent": tables.Percent,
    }


def _year() -> int:
    return query_int("year", local_today().year - 1, minimum=2000, maximum=2100)


def _svg(drawing, label) -> Markup:
    # reportlab's own SVG: text it draws is escaped by renderSVG; the label by charts._attr
    from shared_services.reporting import charts
    return Markup(charts.svg(drawing, label))  # noqa: S704


# --------------------------------------------------------------------------- consortium staff


@blp.route("/")
@consortium_role_required(*STAFF)
def dashboard():
    """The membership at a glance for a year, beside the year before."""
    year = _year()
    d = service.consortium_dashboard(db.session, year, today=local_today())
    shown = tables.dashboard_tables(d)
    svgs = {t.key: _svg(t.chart, t.title) for t in shown if t.chart is not None}
    return render_template(
        "reporting/dashboard.html",
        d=d,
        tables=shown,
        svgs=svgs,
        year=year,
        states=service.social_report_states(db.session, year),
    )


@blp.route("/export")
@consortium_role_required(*STAFF)
def export():
    """The dashboard's tables as XLSX, or one as CSV."""
    year = _year()
    file_format = request.args.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        abort(400, _("format must be xlsx or csv"))
    d = service.consortium_dashboard(db.session, year, today=local_today())
    if file_format == "csv" and request.args.get("table") not in {t.key for t in tables.dashboard_tables(d)}:
        abort(400, _("Name the table to export."))
    return export_response(d, {"format": file_format, "table": request.args.get("table")}, f"dashboard-{year}")


@blp.route("/annual.pdf")
@consortium_role_required(*STAFF)
def annual_pdf():
    """The annual report PDF."""
    from shared_services.reporting import documents
    year = _year()
    d = service.consortium_dashboard(db.session, year, today=local_today())
    return consortium_pdf(documents.annual_report_pdf, d, f"annual-report-{year}.pdf")


@blp.route("/consolidated.pdf")
@consortium_role_required(*STAFF)
def consolidated_pdf():
    """The consolidated social report PDF."""
    from shared_services.reporting import documents
    year = _year()
    c = service.consolidated_figures(db.session, year, today=local_today())
    return consortium_pdf(documents.consolidated_pdf, c, f"consolidated-social-report-{year}.pdf")


# --------------------------------------------------------------------------- a co-op


@coop_blp.route("/reports/", endpoint="dashboard", methods=["GET", "POST"])
@tenant_role_required(*COOP_READERS)
def dashboard_coop():
    """The co-op's own dashboard beside the consortium's medians; a UK society's treasurer states its year end
    and total assets here (the AR30 date and the audit test follow)."""
    from shared_services.reporting import charts
    year = _year()
    errors, values = {}, {}
    if request.method == "POST":
        if not current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS):
            abort(403)
        values = request.form
        data, errors = load_form(schemas.YearFactsSchema(), request.form)
        if data is not None:
            saved, errors = run_service(lambda: service.set_year_facts(
                db.session, g.tenant, year, year_end=data["year_end"], total_assets=data["total_assets"]))
            if saved is not None:
                flash(_("Saved."))
                return redirect(url_for("coop_reporting.dashboard", year=year))
    d = service.coop_dashboard(db.session, g.tenant, year)
    cur, prev = d["current"], d["previous"]
    cats = [c for c in CATEGORY_LABELS if cur["members"]["by_category"].get(c) or prev["members"]["by_category"].get(c)]
    chart = cats and charts.bar_chart(  # a register with no members has nothing to draw
        _("Members by stakeholder category (31 December)"),
        [str(CATEGORY_LABELS[c]) for c in cats],
        {
            str(year): [cur["members"]["by_category"].get(c, 0) for c in cats],
            str(year - 1): [prev["members"]["by_category"].get(c, 0) for c in cats],
        },
    )
    revenue_svg = None
    if cur["accounts"]:
        lines = list(tables.REVENUE_LABELS)
        revenue_svg = _svg(
            charts.bar_chart(
                _("Revenue by source"),
                [str(tables.REVENUE_LABELS[x]) for x in lines],
                {
                    str(year): [cur["accounts"][x] for x in lines],
                    **({str(year - 1): [prev["accounts"][x] for x in lines]} if prev["accounts"] else {}),
                },
                label_format=charts.money_label,
            ),
            _("Revenue by source"),
        )
    return render_template(
        "reporting/coop_dashboard.html",
        d=d,
        year=year,
        members_svg=_svg(chart, _("Members by stakeholder category")) if chart else None,
        revenue_svg=revenue_svg,
        errors=errors,
        values=values,
        can_edit=bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS)),
    ), 422 if errors else 200


@coop_blp.route("/social-reports/", methods=["GET", "POST"])
@tenant_role_required(*COOP_READERS)
def social_reports():
    """The co-op's social reports; the treasurer starts a year's report."""
    can_edit = bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS))
    errors, values = {}, {"year": local_today().year - 1}
    if request.method == "POST":
        if not can_edit:
            abort(403)
        values = request.form
        data, errors = load_form(schemas.SocialReportCreateSchema(), {"year": request.form.get("year", "")})
        if data is not None:
            report, errors = run_service(lambda: service.create_report(db.session, g.tenant, data))
            if report is not None:
                flash(_("Social report %(year)s started.", year=report.year))
                return redirect(url_for("coop_reporting.social_report", report_id=report.id))
    listing = lists.Listing(
        search=lambda r: f"{r.year} {STATE_LABELS[r.state]}",
        sorts={"year": lambda r: r.year, "state": lambda r: str(STATE_LABELS[r.state]),
               "approved": lambda r: r.approved_on, "filed": lambda r: r.filed_on},
        default_sort="year", default_desc=True, descending=("year", "approved", "filed"),
        filters={"state": {code: (label, lambda r, code=code: r.state == code)
                           for code, label in STATE_LABELS.items()}},
        endpoint="coop_reporting.social_reports")
    reports = listing.apply(db.session, db.session.scalars(service.reports_query()))
    return render_template(
        "reporting/social_reports.html",
        reports=reports,
        errors=errors,
        values=values,
        can_edit=can_edit,
        due=service.social_report_due,
    ), 422 if errors else 200


def _sections_from_form(form) -> dict:
    return {
        key: {"text": form.get(f"{key}_text", ""), "omission_reason": form.get(f"{key}_omission", "")}
        for key in service.SECTION_KEYS
    }


def _form_errors(errors: dict) -> dict:
    """Service error keys (sections.people.omission_reason) as the form's field names (people_omission)."""
    out = {}
    for key, messages in errors.items():
        if key.startswith("sections."):
            parts = key.split(".")
            key = f"{parts[1]}_{'omission' if parts[-1] == 'omission_reason' else 'text'}"
        out[key] = messages
    return out


@coop_blp.route("/social-reports/<int:report_id>", methods=["GET", "POST"])
@tenant_role_required(*COOP_READERS)
def social_report(report_id):
    """One social report: its sections with the platform's figures, the text the co-op writes, approval, filing."""
    report = service.get_report(db.session, report_id)
    can_edit = bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS))
    errors = {}
    sections = report.sections or {}
    if request.method == "POST":
        if not can_edit:
            abort(403)
        action = request.form.get("action", "save")
        sections = _sections_from_form(request.form) if action in ("save", "approve") else sections
        result = None
        if action in ("save", "approve"):
            result, errors = run_service(lambda: service.update_report(db.session, report, {"sections": sections}))
        if action == "approve" and not errors:
            data, errors = load_form(schemas.ApproveSchema(), {"approved_on": request.form.get("approved_on", "")})
            if data is not None:
                result, errors = run_service(
                    lambda: service.approve_report(
                        db.session, g.tenant, report, data["approved_on"], today=local_today()
                    )
                )
        if action == "file":
            data, errors = load_form(schemas.FileSchema(), {"filed_on": request.form.get("filed_on", "")})
            if data is not None:
                result, errors = run_service(
                    lambda: service.file_report(db.session, report, data["filed_on"], today=local_today())
                )
        if result is not None and not errors:
            flash(
                {
                    "save": _("Saved."),
                    "approve": _("Approved: the figures are frozen as they stand today."),
                    "file": _("Filing recorded."),
                }[action]
            )
            return redirect(url_for("coop_reporting.social_report", report_id=report.id))
        errors = _form_errors(errors)
        report = service.get_report(db.session, report_id)
    figures = service.report_figures(db.session, g.tenant, report)
    return render_template(
        "reporting/social_report.html",
        report=report,
        figures=figures,
        errors=errors,
        values=request.form if request.method == "POST" else {},
        sections_text=sections,
        can_edit=can_edit,
        due=service.social_report_due(report.year),
        today=local_today(),
        labels_by_field=_field_labels(),
        training_hours_text=service.training_hours_text,
        legal_form_name=tables.legal_form_name,
    ), 422 if errors else 200


def _field_labels() -> dict:
    labels = {"approved_on": _("Approved by the assembly on"), "filed_on": _("Filed on"), "year": _("Year")}
    for key, label in service.SECTIONS:
        labels[f"{key}_text"] = str(label)
        labels[f"{key}_omission"] = _("%(section)s: reason for omission", section=label)
    return labels


@coop_blp.route("/social-reports/<int:report_id>/pdf")
@tenant_role_required(*COOP_READERS)
def social_report_pdf(report_id):
    """The social report as a PDF in the reader's language."""
    from shared_services.reporting import documents
    report = service.get_report(db.session, report_id)
    figures = service.report_figures(db.session, g.tenant, report)
    return download(
        documents.social_report_pdf(report, figures, tenant=g.tenant),
        "application/pdf",
        f"social-report-{g.tenant.slug}-{report.year}.pdf",
    )
