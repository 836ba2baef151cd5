"""Incubation pages: a mentor's weekly check-in (my projects, one project with its checklist, milestones,
notes, documents, stage move), and for consortium staff the pipeline, new projects, mentors, loans,
conversion, the checklist template, the lineage tree and the runner-obligation dashboard.
"""

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from consortium import lists
from consortium.auth import consortium_role_required
from consortium.clock import local_today
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.fields import query_int
from consortium.forms import flat_messages, load_form, run_service
from consortium.i18n import _, _l, lazy_pgettext
from consortium.models import Tenant, User
from consortium.tenancy import set_consortium_scope
from plugins.jurisdictions.base import available_jurisdictions, get_jurisdiction
from shared_services.incubation import lineage, schemas, service
from shared_services.incubation.api import download, invitation_link, max_document_bytes
from shared_services.incubation.models import (
    FOUNDER_ROLE_LABELS,
    FOUNDER_ROLES,
    LOAN_REQUEST_STATUS_LABELS,
    PATH,
    STAGE_LABELS,
    STAGES,
)

blp = Blueprint("incubation", __name__, url_prefix="/incubation", template_folder="templates")
OFFICERS = service.OFFICER_ROLES


def _project(project_id: int, *, write: bool = False):
    return service.project_for(db.session, current_user, project_id, write=write)


def _legal_forms():
    countries = {"it": _("Italy"), "uk": _("United Kingdom")}
    return [(form.code, f"{countries.get(code, get_jurisdiction(code).name)}: {form.label}")
            for code in available_jurisdictions() for form in get_jurisdiction(code).legal_forms()]


def _sponsors():
    return [(t.slug, t.name) for t in db.session.scalars(
        select(Tenant).where(Tenant.status == "active").order_by(Tenant.name))]


@blp.route("/", endpoint="my_projects")
@blp.route("/projects", endpoint="projects")
@login_required
def projects():
    """The projects you follow (all of them for consortium staff): stage, next milestone, overdue, last meeting."""
    rows = db.session.scalars(service.projects_query(db.session, current_user)).all()
    today = local_today()
    listing = lists.Listing(
        search=lambda s: f"{s.project.working_name} {s.project.sponsor.name} {s.project.locality or ''}",
        # Needing attention first: open projects before closed ones, the most overdue milestones first.
        sorts={"attention": lambda s: (s.project.stage == "closed", -s.overdue, s.project.working_name.casefold()),
               "name": lambda s: s.project.working_name, "sponsor": lambda s: s.project.sponsor.name,
               "stage": lambda s: STAGES.index(s.project.stage) if s.project.stage in STAGES else len(STAGES),
               "next": lambda s: s.next_milestone.due_on if s.next_milestone else None,
               "overdue": lambda s: s.overdue, "met": lambda s: s.last_met_on, "open": lambda s: s.open_required},
        default_sort="attention", descending=("overdue", "met", "open"),
        filters={"stage": {code: (STAGE_LABELS[code], lambda s, code=code: s.project.stage == code) for code in STAGES},
                 "overdue": {"1": (_l("with overdue milestones"), lambda s: s.overdue > 0)}},
        date=lambda s: s.project.started_on)
    summaries = listing.apply(db.session, service.project_summaries(db.session, rows, today))
    return render_template("incubation/projects.html", summaries=summaries, today=today,
                           is_officer=service.is_officer(current_user), labels=STAGE_LABELS)


@blp.route("/projects/new", methods=["GET", "POST"])
@consortium_role_required(*OFFICERS)
def new_project():
    """Open an incubation project."""
    errors = {}
    if request.method == "POST":
        data, errors = load_form(schemas.ProjectSchema(), request.form)
        if data is not None:
            project, errors = run_service(lambda: service.create_project(db.session, data, user=current_user,
                                                                         today=local_today()))
            if project is not None:
                flash(_("Project %(name)s opened. Add its founding group and mentors.", name=project.working_name))
                return redirect(url_for("incubation.project", project_id=project.id))
    return render_template("incubation/project_form.html", values=request.form, errors=errors, project=None,
                           sponsors=_sponsors(), legal_forms=_legal_forms()), 422 if errors else 200


@blp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit_project(project_id):
    """Change a project's description."""
    project = _project(project_id, write=True)
    values, errors = schemas.ProjectSchema().dump(project), {}
    if request.method == "POST":
        values = request.form
        form = request.form.copy()
        if not service.is_officer(current_user) or form.get("sponsor") == project.sponsor.slug:
            form.pop("sponsor", None)
        data, errors = load_form(schemas.ProjectUpdateSchema(), form)
        if data is not None:
            updated, errors = run_service(lambda: service.update_project(db.session, project, data, user=current_user))
            if updated is not None:
                flash(_("Project updated."))
                return redirect(url_for("incubation.project", project_id=project.id))
    return render_template("incubation/project_form.html", values=values, errors=errors, project=project,
                           sponsors=_sponsors(), legal_forms=_legal_forms()), 422 if errors else 200


def _project_page(project, *, errors=None, form=None, values=None, status=200):
    today = local_today()
    refused = session.pop(REFUSED_KEY, None)
    if refused and refused.get("project_id") == project.id and form is None:
        errors, form, values = refused["errors"], refused["form"], refused["values"]
    officer = service.is_officer(current_user)
    can_write = officer or project.tenant_id is None
    items = service.checklist(db.session, project)
    summary = service.project_summaries(db.session, [project], today)[0]
    users = []
    if officer:
        users = db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name)).all()
    return render_template(
        "incubation/project.html", project=project, today=today, is_officer=officer, can_write=can_write,
        labels=STAGE_LABELS, path=PATH, summary=summary,
        current_items=[i for i in items if i.stage == project.stage],
        earlier_items=[i for i in items if i.stage != project.stage],
        moves=service.allowed_moves(project),
        milestones=db.session.scalars(service.milestones_query(project)).all(),
        notes=db.session.scalars(service.notes_query(project)).all(),
        documents=db.session.scalars(service.documents_query(project)).all(),
        mentors=service.project_mentors(db.session, project.id), users=users,
        loan_requests=db.session.scalars(service.loan_requests_query(project)).all(),
        history=service.stage_history(db.session, project), founder_roles=FOUNDER_ROLES,
        founder_role_labels=FOUNDER_ROLE_LABELS, loan_status_labels=LOAN_REQUEST_STATUS_LABELS,
        conversion_blockers=service.conversion_blockers(db.session, project),
        treasurers=service.first_treasurers(db.session, project.tenant_id) if project.tenant_id else [],
        allowed_types=service.allowed_description(),
        legal_forms=_legal_forms(), max_bytes=max_document_bytes(),
        errors=errors or {}, form=form, values=values or {},
    ), status


@blp.route("/projects/<int:project_id>")
@login_required
def project(project_id):
    """One project: stage and checklist, milestones, notes, documents, founders, mentors, loans, history."""
    return _project_page(_project(project_id))


REFUSED_KEY = "incubation_refused_form"
# The fields of each form of the project page (milestone-N and loan-N by their kind); an error about
# anything else (the stage, the sponsor, the project) is shown in the form's summary without a link.
FORM_FIELDS = {"stage": ("to", "reason", "override_reason"), "milestones": ("title", "due_on", "owner"),
               "milestone": ("done_on",), "notes": ("met_on", "attendees", "decisions", "next_steps"),
               "documents": ("file",), "founders": ("name", "role", "email"), "mentors": ("user_id",),
               "loans": ("amount", "months", "purpose"), "loan": ("annual_rate", "method", "first_due", "note"),
               "convert": ("slug", "name", "legal_form", "registration_number", "vat_number", "founding_date",
                           "treasurer_email", "treasurer_name", "override_reason")}


def _act(project, form_name: str, schema, action, done, *, booleans=(), form=None):
    """Validate a project-page form and run `action(data)`, then go back to the project page (303).

    On refusal nothing is saved, and the page opened after the redirect shows the errors beside the fields
    with what was typed, so the browser never stays on the POST address (reloading it would post again).
    """
    form = request.form if form is None else form
    data, errors = (load_form(schema, form, booleans=booleans) if schema is not None else ({}, {}))
    target = url_for("incubation.project", project_id=project.id) + f"#{form_name}"
    if data is not None:
        result, errors = run_service(lambda: action(data))
        if not errors:
            flash(done if isinstance(done, str) else done(result))
            return redirect(target)
    else:
        flash(_("Please correct the fields marked below."), "error")
    db.session.rollback()
    fields = FORM_FIELDS.get(form_name.split("-")[0], ())
    shown = {}
    for key, messages in errors.items():
        shown.setdefault(key if key in fields else "_schema", []).extend(str(m) for m in flat_messages(messages))
    session[REFUSED_KEY] = {"project_id": project.id, "form": form_name, "values": {
        key: value for key, value in form.items() if key != "csrf_token"}, "errors": shown}
    return redirect(target)


@blp.route("/projects/<int:project_id>/stage", methods=["POST"])
@login_required
def move_stage(project_id):
    """Move the project on (or pause, resume, close it)."""
    project = _project(project_id, write=True)
    return _act(project, "stage", schemas.StageMoveSchema(), lambda data: service.move_stage(
        db.session, project, data["to"], user=current_user, reason=data.get("reason"),
        override_reason=data.get("override_reason")),
        lambda change: _("Project moved to %(stage)s.", stage=str(STAGE_LABELS[change.to_stage]).lower()))


@blp.route("/projects/<int:project_id>/checklist/<int:item_id>", methods=["POST"])
@login_required
def tick_item(project_id, item_id):
    """Tick or untick a checklist item."""
    project = _project(project_id, write=True)
    return _act(project, "checklist", schemas.ChecklistTickSchema(), lambda data: service.tick_item(
        db.session, project, item_id, data["done"], user=current_user), _("Checklist updated."), booleans=("done",))


@blp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@login_required
def add_milestone(project_id):
    """Add a milestone."""
    project = _project(project_id, write=True)
    return _act(project, "milestones", schemas.MilestoneSchema(),
                lambda data: service.add_milestone(db.session, project, data), _("Milestone added."))


@blp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@login_required
def complete_milestone(project_id, milestone_id):
    """Mark a milestone reached on the date the user gives (today if none), or open it again."""
    project = _project(project_id, write=True)
    if request.form.get("reopen") == "y":
        return _act(project, "milestones", None, lambda data: service.complete_milestone(
            db.session, project, milestone_id, None), _("Milestone opened again."))
    form = request.form.copy()
    form["done_on"] = form.get("done_on") or local_today().isoformat()
    return _act(project, f"milestone-{milestone_id}", schemas.MilestoneDoneSchema(), lambda data: (
        service.complete_milestone(db.session, project, milestone_id, data["done_on"], today=local_today())),
        _("Milestone marked reached."), form=form)


@blp.route("/projects/<int:project_id>/notes", methods=["POST"])
@login_required
def add_note(project_id):
    """Write up a meeting."""
    project = _project(project_id, write=True)
    return _act(project, "notes", schemas.NoteSchema(),
                lambda data: service.add_note(db.session, project, data, user=current_user), _("Meeting note saved."))


@blp.route("/projects/<int:project_id>/documents", methods=["POST"])
@login_required
def upload_document(project_id):
    """Upload a document."""
    project = _project(project_id, write=True)
    upload = request.files.get("file")

    def store(_data):
        if upload is None or not upload.filename:
            raise ServiceError(_("Choose a file to upload."), {"file": [_("choose a file to upload")]})
        return service.add_document(db.session, project, upload.filename, upload.read(max_document_bytes() + 1),
                                    user=current_user, max_bytes=max_document_bytes())

    return _act(project, "documents", None, store, lambda document: _("%(file)s uploaded.", file=document.filename))


@blp.route("/projects/<int:project_id>/documents/<int:document_id>")
@login_required
def download_document(project_id, document_id):
    """Download a document."""
    return download(service.get_document(db.session, _project(project_id), document_id))


@blp.route("/projects/<int:project_id>/founders", methods=["POST"])
@login_required
def add_founder(project_id):
    """Add someone to the founding group."""
    project = _project(project_id, write=True)
    return _act(project, "founders", schemas.FounderSchema(),
                lambda data: service.add_founder(db.session, project, data), _("Founder added."))


@blp.route("/projects/<int:project_id>/founders/<int:founder_id>/delete", methods=["POST"])
@login_required
def remove_founder(project_id, founder_id):
    """Take someone out of the founding group."""
    project = _project(project_id, write=True)
    return _act(project, "founders", None, lambda data: service.remove_founder(db.session, project, founder_id),
                _("Founder removed."))


@blp.route("/projects/<int:project_id>/mentors", methods=["POST"])
@login_required
def assign_mentor(project_id):
    """Make a user a mentor of the project (consortium staff)."""
    project = _project(project_id)
    return _act(project, "mentors", schemas.MentorAssignSchema(), lambda data: (
        service.require_officer(current_user, "assign mentors"),
        service.assign_mentor(db.session, project, user_id=data.get("user_id"), email=data.get("email")))[1],
        lambda mentor: _("%(name)s now mentors this project.", name=mentor.name))


@blp.route("/projects/<int:project_id>/mentors/<int:user_id>/delete", methods=["POST"])
@login_required
def remove_mentor(project_id, user_id):
    """Remove a mentor (consortium staff): their access ends at once."""
    project = _project(project_id)
    return _act(project, "mentors", None, lambda data: (
        service.require_officer(current_user, "remove mentors"),
        service.remove_mentor(db.session, project, user_id)), _("Mentor removed."))


@blp.route("/projects/<int:project_id>/loan-requests", methods=["POST"])
@login_required
def request_loan(project_id):
    """Ask the mutual fund for a start-up loan."""
    project = _project(project_id, write=True)
    return _act(project, "loans", schemas.LoanRequestSchema(),
                lambda data: service.request_loan(db.session, project, data, user=current_user),
                _("Loan request sent to the consortium."))


@blp.route("/projects/<int:project_id>/loan-requests/<int:request_id>/grant", methods=["POST"])
@login_required
def grant_loan(project_id, request_id):
    """Grant a loan request through the mutual fund (consortium staff)."""
    project = _project(project_id)

    def grant(terms):
        service.require_officer(current_user, "grant a loan")
        set_consortium_scope(db.session, True)
        loan_request = service.get_loan_request(db.session, project, request_id)
        return service.grant_loan_request(db.session, project, loan_request, terms, user=current_user,
                                          today=local_today())

    return _act(project, f"loan-{request_id}", schemas.LoanGrantSchema(), grant,
                lambda loan_request: _("Loan granted (fund loan %(id)s).", id=loan_request.loan_id))


@blp.route("/projects/<int:project_id>/loan-requests/<int:request_id>/refuse", methods=["POST"])
@login_required
def refuse_loan(project_id, request_id):
    """Refuse a loan request (consortium staff)."""
    project = _project(project_id)
    return _act(project, f"loan-{request_id}", schemas.LoanRefuseSchema(), lambda data: service.refuse_loan_request(
        db.session, service.get_loan_request(db.session, project, request_id), data["note"], user=current_user),
        _("Loan request refused."))


@blp.route("/projects/<int:project_id>/convert", methods=["POST"])
@login_required
def convert(project_id):
    """Turn the registered project into a member co-op (consortium staff)."""
    project = _project(project_id)

    def run(data):
        service.require_officer(current_user, "turn a project into a member co-op")
        set_consortium_scope(db.session, True)
        return service.convert_project(db.session, project, data, user=current_user, today=local_today(),
                                       invitation_url=invitation_link)

    return _act(project, "convert", schemas.ConvertSchema(), run, lambda tenant: _(
        "%(name)s is now a member co-op; its founders are in its members register and its first treasurer "
        "has the role (an invitation email is on its way to anyone new).", name=tenant.name))



# --- consortium pages -------------------------------------------------------------------------


@blp.route("/checklist-template", methods=["GET", "POST"])
@consortium_role_required(*OFFICERS)
def checklist_template():
    """The checklist every project works through, stage by stage; add or retire items."""
    errors, status = {}, 200
    service.ensure_default_template(db.session)
    if request.method == "POST":
        data, errors = load_form(schemas.TemplateItemSchema(), request.form, booleans=("required",))
        if data is not None:
            item, errors = run_service(lambda: service.add_template_item(db.session, data))
            if item is not None:
                flash(_("“%(item)s” added to %(stage)s.", item=item.label, stage=str(STAGE_LABELS[item.stage]).lower()))
                return redirect(url_for("incubation.checklist_template"))
        status = 422
    items = db.session.scalars(service.template_query()).all()
    return render_template("incubation/checklist_template.html", items=items, errors=errors, values=request.form,
                           path=PATH, labels=STAGE_LABELS, stage_options=[(s, STAGE_LABELS[s]) for s in PATH]), status


@blp.route("/checklist-template/<int:template_item_id>/retire", methods=["POST"])
@consortium_role_required(*OFFICERS)
def retire_template_item(template_item_id):
    """Retire a checklist template item."""
    item = service.retire_template_item(db.session, template_item_id)
    flash(_("“%(item)s” retired; projects that have it keep their copy.", item=item.label))
    return redirect(url_for("incubation.checklist_template"))


def _lineage_view():
    query = (request.args.get("q") or "").strip()[:100]
    depth = query_int("generations", minimum=0, maximum=1000)
    tree = lineage.lineage_tree(db.session)
    shown = lineage.filter_tree(tree, query=query or None, max_generation=depth if depth and depth > 0 else None)
    svg = lineage.lineage_svg(shown, project_url=lambda pid: url_for("incubation.project", project_id=pid))
    return tree, shown, svg, query, depth


@blp.route("/lineage")
@consortium_role_required(*OFFICERS)
def lineage_page():
    """The lineage tree: every co-op under its sponsor, by generation; search it or fold deep generations."""
    tree, shown, svg, query, depth = _lineage_view()
    return render_template("incubation/lineage.html", tree=tree, shown=shown, svg=svg, query=query,
                           depth=depth, generations=lineage.by_generation(shown["roots"]),
                           node_label=lineage.node_label, node_founded=lineage.node_founded)


@blp.route("/lineage.svg")
@consortium_role_required(*OFFICERS)
def lineage_svg():
    """The lineage picture alone, as an SVG file (same filters as the page)."""
    _tree, _shown, svg, _query, _depth = _lineage_view()
    return Response(svg, mimetype="image/svg+xml")


@blp.route("/obligations")
@consortium_role_required(*OFFICERS)
def obligations():
    """The runner obligation: each member co-op, most urgent first; the pipeline; median time per stage."""
    overview = service.obligations(db.session, local_today())
    return render_template("incubation/obligations.html", overview=overview, labels=STAGE_LABELS, path=PATH,
                           stages=STAGES, errors={}, is_admin=current_user.has_consortium_role("consortium_admin"),
                           obligations=_obligation_list().apply(db.session, overview.obligations))


OBLIGATION_STATUS_LABELS = {"overdue": _l("overdue"), "due": lazy_pgettext("obligation", "due"),
                            "in_progress": _l("in progress"), "met": _l("met")}
_URGENCY = {"overdue": 0, "due": 1, "in_progress": 2, "met": 3}


def _obligation_list() -> lists.Listing:
    """The runner obligations, most urgent first (the service's order: status, then days left, then name)."""
    return lists.Listing(
        search=lambda o: f"{o.name} {' '.join(o.spin_outs + o.open_projects)}",
        sorts={"coop": lambda o: o.name, "founded": lambda o: o.founding_date, "members": lambda o: o.members,
               "turnover": lambda o: o.turnover,
               "status": lambda o: (_URGENCY[o.status], o.days_left if o.days_left is not None else 10**6,
                                    o.name.casefold()),
               "deadline": lambda o: o.deadline if o.status != "met" else None,
               "left": lambda o: o.days_left},
        default_sort="status", descending=("members", "turnover"),
        filters={"status": {code: (label, lambda o, code=code: o.status == code)
                            for code, label in OBLIGATION_STATUS_LABELS.items()}},
        date=lambda o: o.deadline, endpoint="incubation.obligations")


@blp.route("/obligations/rule", methods=["POST"])
@consortium_role_required("consortium_admin")
def obligation_rule():
    """Change the runner rule (consortium admin)."""
    data, errors = load_form(schemas.ObligationRuleSchema(), request.form)
    if data is not None:
        data.setdefault("member_threshold", None)
        data.setdefault("turnover_threshold", None)
        rule, errors = run_service(lambda: service.update_rule(db.session, data, user=current_user))
        if rule is not None:
            flash(_("Runner rule saved."))
            return redirect(url_for("incubation.obligations"))
    db.session.rollback()
    overview = service.obligations(db.session, local_today())
    return render_template("incubation/obligations.html", overview=overview, labels=STAGE_LABELS, path=PATH,
                           stages=STAGES, errors=errors, is_admin=True,
                           obligations=_obligation_list().apply(db.session, overview.obligations)), 422


def staff_home_tasks(_tenant=None) -> list[dict]:
    """Staff to-dos: projects with milestones past their due date."""
    late = service.overdue_milestones(db.session, local_today())
    return [{"label": _l("Incubation projects with overdue milestones"), "count": len({p.id for _m, p in late}),
             "url": url_for("incubation.projects")}]


def mentor_home_tasks(_tenant=None) -> list[dict]:
    """The mentor's to-dos: overdue milestones of their projects, and milestones due in the next seven days."""
    today = local_today()
    mine = service.mentored_project_ids(db.session, current_user.id)
    late = [m for m, p in service.overdue_milestones(db.session, today) if p.id in mine]
    soon = [m for project in db.session.scalars(service.projects_query(db.session, current_user))
            for m in db.session.scalars(service.milestones_query(project))
            if m.done_on is None and today <= m.due_on <= today + timedelta(days=7)]
    url = url_for("incubation.my_projects")
    return [{"label": _l("Milestones overdue in your projects"), "count": len(late), "url": url},
            {"label": _l("Milestones due this week"), "count": len(soon), "url": url}]
