"""Pooled training pages: for consortium staff the overview (co-ops' reported compliance), the catalogue,
sessions with each co-op's part, attendance and the recharge; for a co-op the open sessions and its own
enrolments.
"""

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from consortium import lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.forms import flat_messages, load_form, run_service
from consortium.i18n import _, _l
from consortium.models import Tenant
from plugins.jurisdictions.base import available_jurisdictions, get_jurisdiction
from shared_services.training import schemas, service
from shared_services.training.models import (
    COST_BASES,
    DELIVERIES,
    RESULTS,
    SESSION_STATES,
    SPLITS,
    TOPICS,
    TrainingCourse,
    TrainingEnrolment,
    TrainingSession,
)
from tenants.training import service as records

OFFICERS = ("consortium_admin", "consortium_staff")
COOP_READERS = ("treasurer", "payroll_clerk", "viewer")
COOP_WRITERS = ("treasurer",)
COUNTRIES = {"uk": "United Kingdom", "it": "Italia"}

blp = Blueprint("training_pool", __name__, url_prefix="/consortium/training", template_folder="templates")
coop_blp = Blueprint("training_enrol", __name__, url_prefix="/t/<slug>/pooled-training",
                     template_folder="templates")


def _labels():
    return {"topics": TOPICS, "deliveries": DELIVERIES, "cost_bases": COST_BASES, "splits": SPLITS,
            "states": SESSION_STATES, "results": RESULTS, "countries": COUNTRIES}


@blp.route("/")
@consortium_role_required(*OFFICERS)
def overview():
    """Each co-op's reported compliance (counts and percentages only) and the coming sessions."""
    coops, totals = service.consortium_overview(db.session)
    upcoming = db.session.scalars(service.sessions_query(upcoming_from=local_today()).limit(20)).all()
    return render_template("training_pool/overview.html", coops=coops, totals=totals, upcoming=upcoming,
                           **_labels())


def _courses_page(errors=None, values=None, status=200):
    listing = lists.Listing(
        search=lambda c: f"{c.title} {c.code} {c.standard or ''} {TOPICS.get(c.topic, '')}",
        sorts={"course": lambda c: c.title, "topic": lambda c: str(TOPICS.get(c.topic, c.topic)),
               "hours": lambda c: c.duration_hours, "validity": lambda c: c.validity_months},
        default_sort="course", descending=("hours", "validity"),
        filters={"topic": {code: (label, lambda c, code=code: c.topic == code) for code, label in TOPICS.items()},
                 "country": {code: (label, lambda c, code=code: c.country == code)
                             for code, label in COUNTRIES.items()},
                 "active": {"1": (_l("in the catalogue"), lambda c: c.active),
                            "0": (_l("retired"), lambda c: not c.active)}},
        endpoint="training_pool.courses")
    courses = listing.apply(db.session, db.session.scalars(service.courses_query()))
    return render_template("training_pool/courses.html", courses=courses, unconfirmed=service.unconfirmed_codes(),
                           errors=errors or {}, values=values or {}, **_labels()), status


@blp.route("/courses")
@consortium_role_required(*OFFICERS)
def courses():
    """The shared catalogue and the form for a new course."""
    return _courses_page()


@blp.route("/courses", methods=["POST"])
@consortium_role_required(*OFFICERS)
def add_course():
    """Add a course."""
    data, errors = load_form(schemas.CourseSchema(), request.form, booleans=("active",))
    if data is not None:
        made, errors = run_service(lambda: service.create_course(db.session, data))
        if made is not None:
            flash(_("%(title)s added to the catalogue.", title=made.title))
            return redirect(url_for("training_pool.courses"))
    db.session.rollback()
    return _courses_page(errors, request.form, 422)


@blp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@consortium_role_required(*OFFICERS)
def edit_course(course_id):
    """Change a course; records already made keep the validity they were given."""
    course = service.get_course(db.session, course_id)
    values, errors = schemas.CourseSchema().dump(course), {}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.CourseUpdateSchema(), request.form, booleans=("active",))
        if data is not None:
            for nullable in ("country", "duration_hours", "validity_months", "standard", "source"):
                data.setdefault(nullable, None)
            updated, errors = run_service(lambda: service.update_course(db.session, course, data))
            if updated is not None:
                flash(_("%(title)s updated.", title=course.title))
                return redirect(url_for("training_pool.courses"))
        db.session.rollback()
    return render_template("training_pool/course_form.html", course=course, values=values, errors=errors,
                           **_labels()), 422 if errors else 200


def _issuers():
    return list(db.session.scalars(select(Tenant).where(Tenant.status == "active").order_by(Tenant.name)))


def _vat_options() -> list[tuple[str, str]]:
    """Every installed jurisdiction's VAT categories today, labelled (the code is only the value sent)."""
    options = []
    for code in available_jurisdictions():
        jurisdiction = get_jurisdiction(code)
        options += [(c.code, f"{jurisdiction.name}: {c.label}") for c in jurisdiction.vat_categories(local_today())]
    return options


def _sessions_page(errors=None, values=None, status=200):
    courses = db.session.scalars(service.courses_query(active=True)).all()
    today = local_today()
    listing = lists.Listing(
        search=lambda s: f"{s.course.title} {s.course.code or ''} {s.place or ''} {s.link or ''} {s.trainer}",
        sorts={"date": lambda s: s.held_on, "course": lambda s: s.course.title,
               "where": lambda s: s.place or s.link or "", "trainer": lambda s: s.trainer,
               "free": lambda s: s.seats - s.booked},
        default_sort="date", default_desc=True, descending=("date", "free"),
        filters={"state": {code: (label, lambda s, code=code: s.state == code)
                           for code, label in SESSION_STATES.items()},
                 "when": {"coming": (_l("coming"), lambda s: s.held_on >= today),
                          "past": (_l("past"), lambda s: s.held_on < today)}},
        date=lambda s: s.held_on, endpoint="training_pool.sessions")
    return render_template(
        "training_pool/sessions.html", sessions=listing.apply(db.session, db.session.scalars(service.sessions_query())),
        course_options=[(c.id, c.title) for c in courses],
        issuer_options=[(t.slug, f"{t.name} ({t.currency})") for t in _issuers()], vat_options=_vat_options(),
        today=local_today(), errors=errors or {}, values=values or {}, **_labels()), status


@blp.route("/sessions")
@consortium_role_required(*OFFICERS)
def sessions():
    """Every pooled session and the form to schedule one."""
    return _sessions_page()


@blp.route("/sessions", methods=["POST"])
@consortium_role_required(*OFFICERS)
def add_session():
    """Schedule a pooled session."""
    data, errors = load_form(schemas.SessionSchema(), request.form)
    if data is not None:
        made, errors = run_service(lambda: service.create_session(db.session, data, today=local_today()))
        if made is not None:
            flash(_("Session of %(course)s on %(date)s scheduled.", course=made.course.title,
                    date=made.held_on.isoformat()))
            return redirect(url_for("training_pool.session", session_id=made.id))
    db.session.rollback()
    return _sessions_page(errors, request.form, 422)


def _session_page(training, errors=None, status=200):
    parts = service.session_parts(db.session, training)
    # A refused attendance form: what is wrong with the results is tied to them, the rest is about the session.
    shown = {}
    for key, messages in (errors or {}).items():
        shown.setdefault("results" if key.split(".")[0] == "results" else "_schema", []).extend(flat_messages(messages))
    total, shares = service.cost_split(db.session, training) if training.state != "open" else (None, [])
    return render_template(
        "training_pool/session.html", training=training, parts=parts, total=total, shares=shares,
        recharges=service.recharges_of(db.session, training), currency=service.invoicing_currency(db.session,
                                                                                                   training),
        issuer=db.session.get(Tenant, training.invoicing_tenant_id), today=local_today(), errors=shown,
        values=request.form, **_labels()), status


@blp.route("/sessions/<int:session_id>")
@consortium_role_required(*OFFICERS)
def session(session_id):
    """One session: each co-op's part, attendance and results, the cost split and the recharge invoices."""
    return _session_page(service.get_session(db.session, session_id))


@blp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@consortium_role_required(*OFFICERS)
def attendance(session_id):
    """Record every enrolled worker's result (the form has one `result-<enrolment id>` per attendee)."""
    training = service.get_session(db.session, session_id)
    results = [{"enrolment_id": int(key.removeprefix("result-")), "result": value}
               for key, value in request.form.items() if key.startswith("result-") and value
               and key.removeprefix("result-").isdigit()]
    data, errors = _load(schemas.AttendanceSchema(), {"results": results})
    if data is not None:
        done, errors = run_service(lambda: service.record_attendance(db.session, training, data["results"],
                                                                     today=local_today(), user_id=current_user.id))
        if done is not None:
            flash(_("Attendance recorded: %(passed)s passed.", passed=sum(p.passed for p in done)))
            return redirect(url_for("training_pool.session", session_id=training.id))
    db.session.rollback()
    return _session_page(service.get_session(db.session, session_id), errors, 422)


def _load(schema, raw: dict) -> tuple[dict | None, dict]:
    """Validate a form's multi-valued fields with the API's schema."""
    try:
        return schema.load(raw), {}
    except ma.ValidationError as error:
        flash(_("Please correct the fields marked below."), "error")
        return None, error.messages


@blp.route("/sessions/<int:session_id>/recharge", methods=["POST"])
@consortium_role_required(*OFFICERS)
def recharge(session_id):
    """Confirm the split and raise the recharge invoices."""
    training = service.get_session(db.session, session_id)
    made, errors = run_service(lambda: service.recharge(db.session, training, today=local_today()))
    if made is not None:
        flash(_("%(count)s recharge invoices issued.", count=len(made)))
        return redirect(url_for("training_pool.session", session_id=training.id))
    db.session.rollback()
    return _session_page(service.get_session(db.session, session_id), errors, 422)


# --- a co-op's page ---------------------------------------------------------------------------


def _enrolment_list(today) -> lists.Listing:
    """The co-op's enrolments: by worker or course, result (or still to come), course and the session's date."""
    held = TrainingSession.held_on
    no_result = TrainingEnrolment.result.is_(None)
    results = {code: (label, TrainingEnrolment.result == code) for code, label in RESULTS.items()}
    return lists.Listing(
        search=[TrainingEnrolment.attendee_name, TrainingCourse.title, TrainingCourse.code],
        sorts={"date": held, "course": TrainingCourse.title, "worker": TrainingEnrolment.attendee_name,
               "result": TrainingEnrolment.result},
        default_sort="date", default_desc=True, descending=("date",),
        filters={"result": {"coming": (_l("to come"), no_result & (held >= today)),
                            "awaiting": (_l("awaiting results"), no_result & (held < today)), **results},
                 "course": {str(course_id): (title, TrainingCourse.id == course_id)
                            for course_id, title in service.enrolled_courses(db.session)}},
        date=held, endpoint="training_enrol.coop_sessions")


def _coop_page(errors=None, status=200):
    today = local_today()
    # A refusal is about the workers ticked (`member_ids`, `member_ids.2`) or the session as a whole.
    shown = {}
    for key, messages in (errors or {}).items():
        field = "member_ids" if key.split(".")[0] == "member_ids" else "_schema"
        shown.setdefault(field, []).extend(flat_messages(messages))
    return render_template(
        "training_pool/coop_sessions.html",
        sessions=[s for s in db.session.scalars(service.sessions_query(upcoming_from=today, state="open"))
                  if s.course.country in (None, g.tenant.country)],  # a UK co-op is not offered Italian law
        today=today,
        enrolments=_enrolment_list(today).apply(db.session, service.enrolments_query()),
        workers=records.current_workers(db.session, today), errors=shown,
        refused=request.form.get("session_id", type=int), chosen=request.form.getlist("member_ids"),
        can_write=bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS)), **_labels()), status


@coop_blp.route("")
@tenant_role_required(*COOP_READERS)
def coop_sessions():
    """The consortium's open sessions with seats left, and the co-op's own enrolments."""
    return _coop_page()


@coop_blp.route("", methods=["POST"])
@tenant_role_required(*COOP_WRITERS)
def enrol():
    """Enrol ticked workers on one session."""
    data, errors = _load(schemas.EnrolSchema(), {"session_id": request.form.get("session_id", ""),
                                                 "member_ids": request.form.getlist("member_ids")})
    if data is not None:
        made, errors = run_service(lambda: service.enrol(db.session, g.tenant, data["session_id"],
                                                         data["member_ids"], today=local_today(),
                                                         user_id=current_user.id))
        if made is not None:
            flash(_("%(count)s workers enrolled.", count=len(made)))
            return redirect(url_for("training_enrol.coop_sessions", **lists.request_state()))
    db.session.rollback()
    return _coop_page(errors, 422)
