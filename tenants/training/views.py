"""A co-op's training pages: the compliance matrix (and its XLSX), records with certificates, external training
with its uploaded certificate, role requirements; and the public page that checks a certificate's code.
"""

import io

import marshmallow as ma
from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from consortium import lists
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.forms import flat_messages, load_form, run_service
from consortium.i18n import COUNTRY_LANGUAGES, _, _l
from consortium.models import Tenant
from consortium.tenancy import tenant_scope

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.training import schemas, service
from tenants.training.api import max_certificate_bytes, pdf_response, uploaded_certificate

READERS = ("treasurer", "payroll_clerk", "viewer")
WRITERS = ("treasurer",)
STATE_LABELS = {"valid": _l("Valid"), "expiring": _l("Expiring within 90 days"), "expired": _l("Expired"),
                "missing": _l("Missing")}
SOURCE_LABELS = {"pooled_session": _l("Pooled consortium session"), "external": _l("External course")}
EXTRA_ROLE_ROWS = 2

blp = Blueprint("training", __name__, url_prefix="/t/<slug>/training", template_folder="templates")
public = Blueprint("training_public", __name__, url_prefix="/training", template_folder="templates")


def home_panel(tenant) -> dict:
    """The co-op home's training summary: the share compliant and how many required courses expire soon."""
    overall = service.compliance_matrix(db.session, local_today()).overall
    return {"training": overall}


@blp.route("/")
@tenant_role_required(*READERS)
def matrix():
    """The compliance matrix: current workers by required course, with counts and percentages."""
    today = local_today()
    return render_template("training/matrix.html", matrix=service.compliance_matrix(db.session, today),
                           labels=STATE_LABELS, can_write=bool(current_user.tenant_roles(g.tenant.id) & set(WRITERS)))


@blp.route("/matrix.xlsx")
@tenant_role_required(*READERS)
def matrix_xlsx():
    """The matrix as a spreadsheet, coloured by state."""
    from tenants.training import documents
    content = documents.matrix_xlsx(service.compliance_matrix(db.session, local_today()), g.tenant)
    return send_file(io.BytesIO(content), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"training-matrix-{g.tenant.slug}-{local_today().isoformat()}.xlsx")


def _course_languages(ids=None) -> dict[int, str | None]:
    """Each catalogue course's language (its country's: Italian statutory courses keep their Italian titles), so an
    Italian title on an English page says it is Italian (WCAG 3.1.2); None for a course of any country."""
    return {course.id: COUNTRY_LANGUAGES.get(course.country) for course in service.courses(db.session, ids).values()}


def _records_page(errors=None, values=None, status=200):
    today = local_today()
    rows = db.session.scalars(service.records_query()).all()
    names = service.member_names(db.session, [r.member_id for r in rows])
    listing = lists.Listing(
        search=lambda r: f"{names.get(r.member_id, '')} {r.course_title} {r.provider or ''}",
        sorts={"worker": lambda r: names.get(r.member_id, ""), "course": lambda r: r.course_title,
               "completed": lambda r: r.completed_on, "expires": lambda r: r.expires_on},
        default_sort="completed", default_desc=True, descending=("completed",),
        filters={"validity": {"expired": (_l("expired"), lambda r: r.expires_on is not None and r.expires_on <= today),
                              "valid": (_l("valid"), lambda r: r.expires_on is None or r.expires_on > today)},
                 "source": {code: (label, lambda r, code=code: r.source == code)
                            for code, label in SOURCE_LABELS.items()}},
        date=lambda r: r.completed_on)
    records = listing.apply(db.session, rows)
    return render_template(
        "training/records.html", records=records, names=names, course_languages=_course_languages(),
        workers=service.current_workers(db.session, today),
        courses=service.courses_for(db.session, g.tenant.country),
        sources=SOURCE_LABELS, today=today, errors=errors or {}, values=values or {}, max_bytes=max_certificate_bytes(),
        can_write=bool(current_user.tenant_roles(g.tenant.id) & set(WRITERS))), status


@blp.route("/records")
@tenant_role_required(*READERS)
def records():
    """Every training record of the co-op, newest first, and the form for training done elsewhere."""
    return _records_page()


@blp.route("/records", methods=["POST"])
@tenant_role_required(*WRITERS)
def add_record():
    """Record an external course with its certificate file."""
    data, errors = load_form(schemas.RecordSchema(), request.form)
    if data is not None:
        record, errors = run_service(lambda: service.record_external(
            db.session, g.tenant, data, today=local_today(), user_id=current_user.id,
            certificate=uploaded_certificate(request.files), max_bytes=max_certificate_bytes()))
        if record is not None:
            flash(_("%(course)s recorded; valid until %(until)s.", course=record.course_title,
                    until=record.expires_on.isoformat() if record.expires_on else _("no expiry")))
            return redirect(url_for("training.record", record_id=record.id))
    else:
        flash(_("Please correct the fields marked below."), "error")
    db.session.rollback()
    return _records_page(errors, request.form, 422)


@blp.route("/records/<int:record_id>")
@tenant_role_required(*READERS)
def record(record_id):
    """One record: the worker, course, dates, validity and its certificate."""
    from tenants.training import documents
    found = service.get_record(db.session, record_id)
    return render_template("training/record.html", record=found,
                           course_language=_course_languages([found.course_id]).get(found.course_id),
                           name=service.member_names(db.session, [found.member_id]).get(found.member_id, "—"),
                           sources=SOURCE_LABELS, verify_url=documents.verification_url(found.verification_code))


@blp.route("/records/<int:record_id>/certificate.pdf")
@tenant_role_required(*READERS)
def certificate(record_id):
    """The record's certificate PDF."""
    from tenants.training import documents
    found = service.get_record(db.session, record_id)
    return pdf_response(documents.certificate_pdf(db.session, g.tenant, found), documents.certificate_filename(found))


@blp.route("/records/<int:record_id>/file")
@tenant_role_required(*READERS)
def certificate_file(record_id):
    """The certificate file uploaded with an external record, as an attachment."""
    found = service.get_record(db.session, record_id)
    if found.certificate_content is None:
        abort(404)
    response = send_file(io.BytesIO(found.certificate_content), mimetype=found.certificate_type, as_attachment=True,
                         download_name=found.certificate_filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _roles_from_form(form) -> list[dict]:
    """Role rows of the requirements form (`roles-N-name`, `-all`, `-course`, `-member`); blank rows dropped."""
    roles = []
    index = 0
    while f"roles-{index}-name" in form:
        name = form.get(f"roles-{index}-name", "").strip()
        if name:
            roles.append({"name": name, "all_workers": form.get(f"roles-{index}-all") == "y",
                          "course_ids": form.getlist(f"roles-{index}-course"),
                          "member_ids": form.getlist(f"roles-{index}-member")})
        index += 1
    return roles


# The requirements form's inputs (`roles-0-name`, `-course`, `-member`) by the schema's field names.
ROLE_INPUTS = {"name": "name", "all_workers": "all", "course_ids": "course", "member_ids": "member"}


def _role_errors(errors: dict) -> dict[str, list[str]]:
    """Errors of the role rows keyed by their inputs' names, from the schema's nested errors
    ({"roles": {0: {"name": [...]}}}) or the service's ("roles.0.name"); anything else as it came."""
    flat = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if key == "roles" and isinstance(messages, dict):
            for index, row in messages.items():
                for name, row_messages in (row.items() if isinstance(row, dict) else [("name", row)]):
                    flat[f"roles-{index}-{ROLE_INPUTS.get(name, name)}"] = flat_messages(row_messages)
        elif len(parts) == 3 and parts[0] == "roles" and parts[1].isdigit():
            flat[f"roles-{parts[1]}-{ROLE_INPUTS.get(parts[2], parts[2])}"] = flat_messages(messages)
        else:
            flat[key] = flat_messages(messages)
    return flat


def _requirements_page(roles, errors=None, status=200):
    today = local_today()
    rows = roles + [service.RoleRequirement(None, "", False)] * EXTRA_ROLE_ROWS
    labels = {}
    for index in range(len(rows)):
        labels.update({f"roles-{index}-name": _("Name of role %(num)s", num=index + 1),
                       f"roles-{index}-course": _("Courses role %(num)s requires", num=index + 1),
                       f"roles-{index}-member": _("Workers in role %(num)s", num=index + 1)})
    return render_template(
        "training/requirements.html", roles=rows, labels=labels,
        courses=service.courses_for(db.session, g.tenant.country, {c for r in roles for c in r.course_ids}),
        workers=service.current_workers(db.session, today), errors=_role_errors(errors or {}),
        can_write=bool(current_user.tenant_roles(g.tenant.id) & set(WRITERS))), status


@blp.route("/requirements")
@tenant_role_required(*READERS)
def requirements():
    """Which courses each role requires and who holds each role."""
    return _requirements_page(service.requirements(db.session))


@blp.route("/requirements", methods=["POST"])
@tenant_role_required(*WRITERS)
def save_requirements():
    """Replace the co-op's roles and requirements."""
    data, errors = load_form_roles(request.form)
    if data is not None:
        saved, errors = run_service(lambda: service.replace_requirements(db.session, g.tenant.id, data["roles"],
                                                                         today=local_today()))
        if saved is not None:
            flash(_("Requirements saved: %(count)s roles.", count=len(saved)))
            return redirect(url_for("training.matrix"))
    else:
        flash(_("Please correct the fields marked below."), "error")
    db.session.rollback()
    shown = [service.RoleRequirement(None, r["name"], r["all_workers"],
                                     [int(c) for c in r["course_ids"] if c.isdigit()],
                                     [int(m) for m in r["member_ids"] if m.isdigit()])
             for r in _roles_from_form(request.form)]
    return _requirements_page(shown, errors, 422)


def load_form_roles(form) -> tuple[dict | None, dict]:
    """Validate the requirements form with the API's schema."""
    try:
        return schemas.RequirementsSchema().load({"roles": _roles_from_form(form)}), {}
    except ma.ValidationError as error:
        return None, error.messages


# --- public certificate check ------------------------------------------------------------------


def _record_for_code(code: str):
    """The record a code names, looked up in the scope of the co-op the code starts with (or None)."""
    tenant_part, _sep, rest = code.partition("-")
    if not tenant_part.isdigit() or not rest:
        return None
    tenant = db.session.get(Tenant, int(tenant_part))
    if tenant is None:
        return None
    with tenant_scope(db.session, tenant.id):
        found = service.find_by_verification_code(db.session, code)
        if found is None:
            return None
        return {"name": service.member_names(db.session, [found.member_id]).get(found.member_id, "—"),
                "course": found.course_title, "completed_on": found.completed_on, "expires_on": found.expires_on,
                "valid": found.expires_on is None or found.expires_on > local_today()}


@public.route("/verify", methods=["GET"])
def verify_form():
    """Type in a certificate's code."""
    code = request.args.get("code", "").strip().upper()
    if code:
        return redirect(url_for("training_public.verify", code=code))
    return render_template("training/verify.html", code="", found=None, asked=False)


@public.route("/verify/<code>")
def verify(code):
    """What a certificate's code proves: name, course, date and validity, and nothing else."""
    code = code.strip().upper()[:40]
    found = _record_for_code(code)
    return render_template("training/verify.html", code=code, found=found, asked=True), 200 if found else 404


def home_tasks(tenant) -> list[dict]:
    """Training to-dos: required courses expired or missing, and those expiring within 90 days."""
    overall = service.compliance_matrix(db.session, local_today()).overall
    url = url_for("training.matrix", slug=tenant.slug)
    return [{"label": _("Required training expired or missing"), "count": overall.expired + overall.missing,
             "url": url},
            {"label": _("Required training expiring within 90 days"), "count": overall.expiring, "url": url}]


def coop_section(tenant) -> dict:
    """The staff page of a co-op: the training compliance it reports to the consortium (counts, no names)."""
    reports = [r for r in service.compliance_reports(db.session) if r.tenant_id == tenant.id]
    return {"training": reports[0] if reports else None}
