"""Annual-accounts pages: templates, upload with preview or error list, version history, submit."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from consortium import lists
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.forms import load_form, run_service
from consortium.i18n import _
from tenants.accounts import schemas, service
from tenants.accounts.api import original_file_response, read_upload, template_response
from tenants.accounts.models import STATUSES, AccountsVersion
from tenants.accounts.parsing import LINES_BY_CODE, line_label

blp = Blueprint("accounts", __name__, url_prefix="/t/<slug>/accounts", template_folder="templates")
READERS = ("treasurer", "viewer")
STATUS_LABELS = service.STATUS_LABELS


def _page(values: dict, errors: dict | None = None, issues=None, status: int = 200):
    years = db.session.scalars(
        select(AccountsVersion.year).distinct().order_by(AccountsVersion.year.desc())).all()
    listing = lists.Listing(
        search=[AccountsVersion.filename, AccountsVersion.return_comment, AccountsVersion.reopen_reason],
        sorts={"year": AccountsVersion.year, "uploaded": AccountsVersion.created_at,
               "profit": AccountsVersion.net_profit, "status": AccountsVersion.status},
        default_sort="year", default_desc=True, descending=("uploaded", "profit"),
        filters={"status": {code: (STATUS_LABELS[code], AccountsVersion.status == code) for code in STATUSES},
                 "year": {str(year): (str(year), AccountsVersion.year == year) for year in years}},
        date=AccountsVersion.created_at, date_is_timestamp=True)
    versions = listing.apply(db.session, service.versions_query())
    return render_template(
        "accounts/index.html", versions=versions, status_labels=STATUS_LABELS, values=values, errors=errors or {},
        issues=issues or [],
        default_year=local_today().year - 1, can_upload="treasurer" in current_user.tenant_roles(g.tenant.id),
        max_megabytes=current_app.config["ACCOUNTS_MAX_UPLOAD_BYTES"] / (1024 * 1024),
    ), status


@blp.route("/", methods=["GET"])
@tenant_role_required(*READERS)
def index():
    """Template downloads, the upload form and every version uploaded, by year."""
    return _page({})


@blp.route("/", methods=["POST"])
@tenant_role_required("treasurer")
def upload():
    """Upload a filled template: go to its preview, or show the errors by sheet, row and column."""
    data, errors = load_form(schemas.AccountsYearFormSchema(), {"year": request.form.get("year", "")})
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        errors = {**errors, "file": [_("choose the filled template (.xlsx or .csv)")]}
    if errors:
        return _page(request.form, errors, status=422)
    max_bytes = current_app.config["ACCOUNTS_MAX_UPLOAD_BYTES"]
    try:
        version = service.upload_accounts(
            db.session, tenant=g.tenant, year=data["year"], filename=storage.filename,
            data=read_upload(storage, max_bytes), uploaded_by=current_user.id, today=local_today(),
            max_bytes=max_bytes,
        )
    except service.AccountsFileRejected as rejected:
        flash(rejected.message, "error")
        return _page(request.form, rejected.field_errors, issues=rejected.issues, status=422)
    except ServiceError as refused:
        flash(refused.message, "error")
        return _page(request.form, refused.errors, status=refused.status)
    flash(_("Version %(version)s of %(year)s uploaded. Check the figures, then submit it.", version=version.version,
            year=version.year))
    return redirect(url_for("accounts.version_detail", accounts_id=version.id))


@blp.route("/template.xlsx")
@tenant_role_required(*READERS)
def template_xlsx():
    """The blank workbook, prefilled with last year."""
    return template_response("xlsx", local_today().year - 1)


@blp.route("/template.csv")
@tenant_role_required(*READERS)
def template_csv():
    """The blank CSV, prefilled with last year."""
    return template_response("csv", local_today().year - 1)


@blp.route("/<int:accounts_id>")
@tenant_role_required(*READERS)
def version_detail(accounts_id):
    """One version: the parsed figures, net profit, warnings, status and the consortium's comment."""
    return _version_page(service.get_version(db.session, accounts_id))


def _version_page(version, values: dict | None = None, errors: dict | None = None, status: int = 200):
    labels = {code: line_label(code) for code in LINES_BY_CODE}
    return render_template("accounts/version.html", version=version, labels=labels, values=values or {},
                           errors=errors or {}, today=local_today(), status_labels=STATUS_LABELS,
                           can_submit="treasurer" in current_user.tenant_roles(g.tenant.id)
                           and version.status == "draft"), status


@blp.route("/<int:accounts_id>/file")
@tenant_role_required(*READERS)
def version_file(accounts_id):
    """The file as uploaded."""
    return original_file_response(service.get_version(db.session, accounts_id))


@blp.route("/<int:accounts_id>/submit", methods=["POST"])
@tenant_role_required("treasurer")
def submit(accounts_id):
    """Submit a draft version to the consortium."""
    version = service.get_version(db.session, accounts_id)
    data, errors = load_form(schemas.AccountsSubmitSchema(), request.form)
    if data is None:
        flash(_("Please correct the fields marked below."), "error")
        return _version_page(version, request.form, errors, status=422)
    submitted, errors = run_service(lambda: service.submit_version(
        db.session, version, assembly_approved_on=data["assembly_approved_on"], today=local_today(),
        submitted_by=current_user.id))
    if submitted is None:
        return _version_page(service.get_version(db.session, accounts_id), request.form, errors, status=422)
    flash(_("Version %(version)s of %(year)s submitted to the consortium.", version=version.version,
            year=version.year))
    return redirect(url_for("accounts.version_detail", accounts_id=version.id))


def home_tasks(tenant) -> list[dict]:
    """The treasurer's accounts to-dos: last year's accounts not yet sent, versions returned for correction."""
    versions = service.list_versions(db.session)
    last_year = local_today().year - 1
    sent = any(v.year == last_year and v.status in ("submitted", "accepted") for v in versions)
    latest = {}
    for version in versions:  # newest version first within each year
        latest.setdefault(version.year, version)
    returned = sum(1 for version in latest.values() if version.status in ("returned", "reopened"))
    url = url_for("accounts.index", slug=tenant.slug)
    return [{"label": _("Accounts for %(year)s to submit", year=last_year), "count": 0 if sent else 1, "url": url},
            {"label": _("Accounts returned or reopened, to correct"), "count": returned, "url": url}]


def coop_section(tenant) -> dict:
    """The staff page of a co-op: the accounts it sent to the consortium (consortium scope)."""
    return {"submissions": db.session.scalars(service.submissions_query(tenant_id=tenant.id)).all()}
