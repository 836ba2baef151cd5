"""Pooled training API: the catalogue and sessions under `/api/v1/consortium/training` (consortium staff write,
any signed-in user reads the catalogue and the session list), attendance and recharges (staff), and each
co-op's own enrolments under `/api/v1/t/<slug>/training/enrolments`.
"""

from functools import wraps

from flask import abort, g
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from shared_services.training import schemas, service

OFFICERS = ("consortium_admin", "consortium_staff")
COOP_READERS = ("treasurer", "payroll_clerk", "viewer")
COOP_WRITERS = ("treasurer",)

def member_or_staff_required(view):
    """Signed in and holding a consortium role or a role in some co-op: the catalogue and sessions are the
    consortium's offer to its members, not public."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_required(view)(*args, **kwargs)
        if not (current_user.has_consortium_role(*OFFICERS) or current_user.tenant_ids):
            abort(403, "This needs a consortium role or a role in a member co-op.")
        return view(*args, **kwargs)

    return wrapped


blp = Blueprint("training_pool_api", __name__, url_prefix="/api/v1/consortium/training",
                description="Pooled consortium training: course catalogue, sessions, attendance, recharges")
coop_blp = Blueprint("training_enrolments_api", __name__, url_prefix="/api/v1/t/<slug>/training/enrolments",
                     description="A co-op's enrolments on pooled training sessions")


@blp.route("/courses")
class CoursesResource(MethodView):
    @member_or_staff_required
    @blp.arguments(schemas.CourseQuerySchema, location="query")
    @blp.response(200, schemas.CourseSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """The shared course catalogue, by title (consortium staff and every co-op's users)."""
        return service.courses_query(**filters)

    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.CourseSchema)
    @blp.response(201, schemas.CourseSchema)
    def post(self, data):
        """Add a course (consortium staff)."""
        return service.create_course(db.session, data)


@blp.route("/courses/<int:course_id>")
class CourseResource(MethodView):
    @member_or_staff_required
    @blp.response(200, schemas.CourseSchema)
    def get(self, course_id):
        """One course."""
        return service.get_course(db.session, course_id)

    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.CourseUpdateSchema)
    @blp.response(200, schemas.CourseSchema)
    def patch(self, changes, course_id):
        """Change a course (records already made keep their validity)."""
        return service.update_course(db.session, service.get_course(db.session, course_id), changes)


@blp.route("/sessions")
class SessionsResource(MethodView):
    @member_or_staff_required
    @blp.arguments(schemas.SessionQuerySchema, location="query")
    @blp.response(200, schemas.SessionSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Pooled sessions, soonest first, with seats left (consortium staff and every co-op's users)."""
        return service.sessions_query(upcoming_from=local_today() if filters.get("upcoming") else None,
                                      state=filters.get("state"))

    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.SessionSchema)
    @blp.response(201, schemas.SessionSchema)
    def post(self, data):
        """Schedule a pooled session (consortium staff)."""
        return service.create_session(db.session, data, today=local_today())


def _detail(training):
    training.parts = service.session_parts(db.session, training)
    return training


@blp.route("/sessions/<int:session_id>")
class SessionResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.SessionDetailSchema)
    def get(self, session_id):
        """A session with each co-op's part: who it booked and, after the session, their results (staff)."""
        return _detail(service.get_session(db.session, session_id))


@blp.route("/sessions/<int:session_id>/attendance")
class AttendanceResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.AttendanceSchema)
    @blp.response(200, schemas.SessionDetailSchema)
    def post(self, data, session_id):
        """Record every enrolled worker's result once; each pass becomes a record in the worker's co-op."""
        training = service.get_session(db.session, session_id)
        # The parts as recorded, not read again: the reader may not read the rows the app role has just written
        # (on Citus, docs/scaling.md).
        training.parts = service.record_attendance(db.session, training, data["results"], today=local_today(),
                                                   user_id=current_user.id)
        return training


@blp.route("/sessions/<int:session_id>/recharge")
class RechargeResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(201, schemas.RechargeSchema(many=True))
    def post(self, session_id):
        """Split the session's cost and raise one issued recharge invoice per co-op."""
        return service.recharge(db.session, service.get_session(db.session, session_id), today=local_today())


@blp.route("/overview")
class OverviewResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.OverviewSchema)
    def get(self):
        """Per co-op compliance as each co-op reported it: counts and percentages, never a named worker."""
        coops, totals = service.consortium_overview(db.session)
        return {"coops": coops, "totals": {k: (str(v) if v is not None and k == "percent_compliant" else v)
                                           for k, v in totals.items()}}


@coop_blp.route("")
class EnrolmentsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.arguments(schemas.EnrolmentQuerySchema, location="query")
    @coop_blp.response(200, schemas.EnrolmentSchema(many=True))
    @coop_blp.paginate(SQLPage)
    def get(self, filters):
        """The co-op's own enrolments, newest session first."""
        return service.enrolments_query(**filters)

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.EnrolSchema)
    @coop_blp.response(201, schemas.EnrolmentSchema(many=True))
    def post(self, data):
        """Enrol the co-op's workers on a session, up to the seats left (treasurer); all or nothing."""
        return service.enrol(db.session, g.tenant, data["session_id"], data["member_ids"], today=local_today(),
                             user_id=current_user.id)
