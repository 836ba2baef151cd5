"""Incubation API under `/api/v1/incubation`: projects, stages, checklists, milestones, notes, documents,
mentors, loan requests, conversion; the lineage tree and the runner-obligation dashboard.

Project routes are not `<slug>` routes: every one of them first looks the project up through
`service.project_for`, so a mentor asking for a project that is not theirs gets 404 whatever the route,
and only then checks whether the action needs a consortium officer (403).
"""

import io
from functools import wraps

from flask import current_app, send_file, url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import set_consortium_scope
from shared_services.incubation import lineage, schemas, service

OFFICERS = service.OFFICER_ROLES

blp = Blueprint("incubation_api", __name__, url_prefix="/api/v1/incubation",
                description="Strawberry-patch incubation: spin-out projects, mentors, lineage, runner obligation")


def load_project(project_id: int, *, write: bool = False, officer: str | None = None):
    """The project if the caller may see it (404 otherwise); `officer` names an action only staff may do (403)."""
    project = service.project_for(db.session, current_user, project_id, write=write)
    if officer:
        service.require_officer(current_user, officer)
        set_consortium_scope(db.session, True)
    return project


def with_mentors(project):
    """The project with its mentors attached for the detail view."""
    project.mentor_users = service.project_mentors(db.session, project.id)
    return project


@blp.route("/projects")
class ProjectsResource(MethodView):
    @login_required  # any signed-in user: what they see is decided per project
    @blp.arguments(schemas.ProjectQuerySchema, location="query")
    @blp.response(200, schemas.ProjectSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Projects you may see: all of them for consortium staff, your own for a mentor."""
        return service.projects_query(db.session, current_user, stage=filters.get("stage"))

    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.ProjectSchema)
    @blp.response(201, schemas.ProjectSchema)
    def post(self, data):
        """Open an incubation project (consortium staff)."""
        return with_mentors(service.create_project(db.session, data, user=current_user, today=local_today()))


def project_access(*, write: bool = False, officer: str | None = None):
    """Outermost on every project route: sign-in, then the project lookup (404 for a project not yours) before
    the body is even parsed; `officer` names an action only consortium staff may do (403). The view gets
    `project` instead of `project_id`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, project_id, **kwargs):
            return view(*args, project=load_project(project_id, write=write, officer=officer), **kwargs)

        return login_required(wrapped)

    return decorator


@blp.route("/projects/<int:project_id>")
class ProjectResource(MethodView):
    @project_access()
    @blp.response(200, schemas.ProjectSchema)
    def get(self, project):
        """One project with its founding group and mentors."""
        return with_mentors(project)

    @project_access(write=True)
    @blp.arguments(schemas.ProjectUpdateSchema)
    @blp.response(200, schemas.ProjectSchema)
    def patch(self, changes, project):
        """Change the project's description (the sponsor: consortium staff only)."""
        return with_mentors(service.update_project(db.session, project, changes, user=current_user))


@blp.route("/projects/<int:project_id>/stage")
class StageResource(MethodView):
    @project_access(write=True)
    @blp.arguments(schemas.StageMoveSchema)
    @blp.response(200, schemas.ProjectSchema)
    def post(self, move, project):
        """Move the project to its next stage, or pause, resume or close it (`override_reason`: officers)."""
        service.move_stage(db.session, project, move["to"], user=current_user, reason=move.get("reason"),
                           override_reason=move.get("override_reason"))
        return with_mentors(project)


@blp.route("/projects/<int:project_id>/stage-history")
class StageHistoryResource(MethodView):
    @project_access()
    @blp.response(200, schemas.StageChangeSchema(many=True))
    def get(self, project):
        """Every stage move, oldest first, with reasons and overrides."""
        return service.stage_history(db.session, project)


@blp.route("/projects/<int:project_id>/checklist")
class ChecklistResource(MethodView):
    @project_access()
    @blp.response(200, schemas.ChecklistItemSchema(many=True))
    def get(self, project):
        """The project's checklist items of every stage it has reached."""
        return service.checklist(db.session, project)


@blp.route("/projects/<int:project_id>/checklist/<int:item_id>")
class ChecklistItemResource(MethodView):
    @project_access(write=True)
    @blp.arguments(schemas.ChecklistTickSchema)
    @blp.response(200, schemas.ChecklistItemSchema)
    def patch(self, tick, project, item_id):
        """Tick or untick a checklist item."""
        return service.tick_item(db.session, project, item_id, tick["done"], user=current_user)


@blp.route("/projects/<int:project_id>/milestones")
class MilestonesResource(MethodView):
    @project_access()
    @blp.response(200, schemas.MilestoneSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, project):
        """The project's milestones, open ones first by due date."""
        return service.milestones_query(project)

    @project_access(write=True)
    @blp.arguments(schemas.MilestoneSchema)
    @blp.response(201, schemas.MilestoneSchema)
    def post(self, data, project):
        """Add a milestone (not due before the project started)."""
        return service.add_milestone(db.session, project, data)


@blp.route("/projects/<int:project_id>/milestones/<int:milestone_id>")
class MilestoneResource(MethodView):
    @project_access(write=True)
    @blp.arguments(schemas.MilestoneDoneSchema)
    @blp.response(200, schemas.MilestoneSchema)
    def patch(self, data, project, milestone_id):
        """Record that a milestone was reached (or open it again with `done_on: null`)."""
        return service.complete_milestone(db.session, project, milestone_id, data["done_on"], today=local_today())


@blp.route("/projects/<int:project_id>/notes")
class NotesResource(MethodView):
    @project_access()
    @blp.response(200, schemas.NoteSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, project):
        """Meeting notes, newest first."""
        return service.notes_query(project)

    @project_access(write=True)
    @blp.arguments(schemas.NoteSchema)
    @blp.response(201, schemas.NoteSchema)
    def post(self, data, project):
        """Write up a meeting."""
        return service.add_note(db.session, project, data, user=current_user)


def max_document_bytes() -> int:
    """The upload limit for project documents (config `INCUBATION_MAX_DOCUMENT_BYTES`, 5 MB by default)."""
    return int(current_app.config.get("INCUBATION_MAX_DOCUMENT_BYTES", service.DEFAULT_MAX_DOCUMENT_BYTES))


def download(document):
    """A stored document as an attachment, never rendered inline by the browser."""
    response = send_file(io.BytesIO(document.content), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/projects/<int:project_id>/documents")
class DocumentsResource(MethodView):
    @project_access()
    @blp.response(200, schemas.DocumentSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, project):
        """The project's documents, newest first."""
        return service.documents_query(project)

    @project_access(write=True)
    @blp.arguments(schemas.DocumentUploadSchema, location="files")
    @blp.response(201, schemas.DocumentSchema)
    def post(self, files, project):
        """Upload a document (multipart `file`): PDF, PNG, JPEG, DOCX, XLSX, ODT or plain text, size-limited."""
        upload = files["file"]
        return service.add_document(db.session, project, upload.filename, upload.read(max_document_bytes() + 1),
                                    user=current_user, max_bytes=max_document_bytes())


@blp.route("/projects/<int:project_id>/documents/<int:document_id>")
class DocumentResource(MethodView):
    @project_access()
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "the file, as an attachment"}})
    def get(self, project, document_id):
        """Download a document."""
        return download(service.get_document(db.session, project, document_id))


@blp.route("/projects/<int:project_id>/founders")
class FoundersResource(MethodView):
    @project_access()
    @blp.response(200, schemas.FounderSchema(many=True))
    def get(self, project):
        """The founding group."""
        return project.founders

    @project_access(write=True)
    @blp.arguments(schemas.FounderSchema)
    @blp.response(201, schemas.FounderSchema)
    def post(self, data, project):
        """Add someone to the founding group."""
        return service.add_founder(db.session, project, data)


@blp.route("/projects/<int:project_id>/founders/<int:founder_id>")
class FounderResource(MethodView):
    @project_access(write=True)
    @blp.response(204)
    def delete(self, project, founder_id):
        """Take someone out of the founding group."""
        service.remove_founder(db.session, project, founder_id)


@blp.route("/projects/<int:project_id>/mentors")
class MentorsResource(MethodView):
    @project_access()
    @blp.response(200, schemas.MentorSchema(many=True))
    def get(self, project):
        """The project's mentors."""
        return service.project_mentors(db.session, project.id)

    @project_access(officer="assign mentors")
    @blp.arguments(schemas.MentorAssignSchema)
    @blp.response(201, schemas.MentorSchema)
    def post(self, data, project):
        """Make a user a mentor of the project (consortium staff)."""
        return service.assign_mentor(db.session, project, user_id=data.get("user_id"), email=data.get("email"))


@blp.route("/projects/<int:project_id>/mentors/<int:user_id>")
class MentorResource(MethodView):
    @project_access(officer="remove mentors")
    @blp.response(204)
    def delete(self, project, user_id):
        """Remove a mentor: their access to the project ends at once (consortium staff)."""
        service.remove_mentor(db.session, project, user_id)


def invitation_link(secret: str) -> str:
    """The one-time link an invited first treasurer chooses their password at."""
    return url_for("directory.accept_invitation", secret=secret, _external=True)


@blp.route("/projects/<int:project_id>/convert")
class ConvertResource(MethodView):
    @project_access(officer="turn a project into a member co-op")
    @blp.arguments(schemas.ConvertSchema)
    @blp.response(201, schemas.TenantRefSchema)
    def post(self, data, project):
        """Turn the registered project into a member co-op: tenant, sponsor as parent, founders as members.

        Refused while required items of the `registered` checklist are open unless `override_reason` says why;
        `treasurer_email` (and `treasurer_name` for someone without an account) names its first treasurer, who
        gets the role, or an invitation email with a one-time link when new.
        """
        return service.convert_project(db.session, project, data, user=current_user, today=local_today(),
                                       invitation_url=invitation_link)


@blp.route("/projects/<int:project_id>/loan-requests")
class LoanRequestsResource(MethodView):
    @project_access()
    @blp.response(200, schemas.LoanRequestSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, project):
        """The project's loan requests, newest first."""
        return service.loan_requests_query(project)

    @project_access(write=True)
    @blp.arguments(schemas.LoanRequestSchema)
    @blp.response(201, schemas.LoanRequestSchema)
    def post(self, data, project):
        """Ask the mutual fund for a start-up loan; consortium staff decide."""
        return service.request_loan(db.session, project, data, user=current_user)


@blp.route("/projects/<int:project_id>/loan-requests/<int:request_id>/grant")
class LoanGrantResource(MethodView):
    @project_access(officer="grant a loan")
    @blp.arguments(schemas.LoanGrantSchema)
    @blp.response(200, schemas.LoanRequestSchema)
    def post(self, terms, project, request_id):
        """Grant the request as a mutual-fund loan (its exposure limit applies) and link it (consortium staff)."""
        loan_request = service.get_loan_request(db.session, project, request_id)
        return service.grant_loan_request(db.session, project, loan_request, terms, user=current_user,
                                          today=local_today())


@blp.route("/projects/<int:project_id>/loan-requests/<int:request_id>/refuse")
class LoanRefuseResource(MethodView):
    @project_access(officer="refuse a loan request")
    @blp.arguments(schemas.LoanRefuseSchema)
    @blp.response(200, schemas.LoanRequestSchema)
    def post(self, data, project, request_id):
        """Refuse the request, saying why (consortium staff)."""
        loan_request = service.get_loan_request(db.session, project, request_id)
        return service.refuse_loan_request(db.session, loan_request, data["note"], user=current_user)


@blp.route("/checklist-template")
class TemplateResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.TemplateItemSchema(many=True))
    def get(self):
        """The checklist template, stage by stage (consortium staff)."""
        service.ensure_default_template(db.session)
        return db.session.scalars(service.template_query()).all()

    @consortium_role_required(*OFFICERS)
    @blp.arguments(schemas.TemplateItemSchema)
    @blp.response(201, schemas.TemplateItemSchema)
    def post(self, data):
        """Add an item to a stage's checklist; projects entering the stage from now on get it."""
        return service.add_template_item(db.session, data)


@blp.route("/checklist-template/<int:template_item_id>")
class TemplateItemResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(204)
    def delete(self, template_item_id):
        """Retire an item (projects that already have it keep their copy)."""
        service.retire_template_item(db.session, template_item_id)


@blp.route("/lineage")
class LineageResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.LineageSchema)
    def get(self):
        """Every co-op under the co-op that sponsored it, as generations, with live projects as leaves."""
        return lineage.lineage_tree(db.session)


@blp.route("/obligations")
class ObligationsResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.ObligationsOutSchema)
    def get(self):
        """Each member co-op's runner obligation, most urgent first; the pipeline and median days per stage."""
        overview = service.obligations(db.session, local_today())
        overview.obligations = schemas.obligation_rows(overview.obligations)
        return overview


@blp.route("/obligations/rule")
class ObligationRuleResource(MethodView):
    @consortium_role_required(*OFFICERS)
    @blp.response(200, schemas.ObligationRuleSchema)
    def get(self):
        """The consortium's runner rule."""
        return service.get_rule(db.session)

    @consortium_role_required("consortium_admin")
    @blp.arguments(schemas.ObligationRuleSchema)
    @blp.response(200, schemas.ObligationRuleSchema)
    def put(self, changes):
        """Change the runner rule (consortium admin)."""
        return service.update_rule(db.session, changes, user=current_user)
