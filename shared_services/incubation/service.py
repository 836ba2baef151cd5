"""Incubation rules: who may see a project, stage moves and their checklists, milestones, notes, documents,
loan requests, conversion into a member co-op, and the runner-obligation dashboard.

Plain functions taking a session; they flush, never commit. Projects are consortium records: consortium
staff see them all, a mentor only the projects they hold the mentor role on (anything else is not found).
"""

import io
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

from sqlalchemy import case, func, select

from consortium.db import as_utc, utcnow
from consortium.directory.service import create_tenant, create_user, send_invitation
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _, _l, force_locale, format_date, format_number
from consortium.models import RoleAssignment, Tenant, User
from consortium.tenancy import app_role_scope, tenant_scope
from plugins.jurisdictions.base import UnknownJurisdiction, get_jurisdiction
from shared_services.incubation.models import (
    LOAN_REQUEST_STATUS_LABELS,
    PATH,
    STAGE_LABELS,
    STAGES,
    ChecklistItem,
    ChecklistTemplateItem,
    FoundingPerson,
    IncubationProject,
    LoanRequest,
    MeetingNote,
    Milestone,
    ObligationRule,
    ProjectDocument,
    StageChange,
)
from tenants.accounts.service import latest_accepted_turnovers
from tenants.members.service import add_member, current_member_counts, member_count_reached_on

OFFICER_ROLES = ("consortium_admin", "consortium_staff")
DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DEFAULT_YEARS_FROM_FOUNDING = 5
PROJECT_FIELDS = ("working_name", "need", "locality", "country", "intended_legal_form", "intended_type", "started_on")

# What the consortium starts from; it edits the template afterwards (items are retired, never deleted).
# The labels are stored in the consortium's language when the template is first seeded.
DEFAULT_CHECKLIST = {
    "idea": [(_l("Need described with the sponsor co-op"), True), (_l("First meeting with the mentor held"), True)],
    "founding_group_formed": [(_l("At least three founders committed"), True), (_l("Roles agreed in the group"), True),
                              (_l("Founders met the sponsor's board"), False)],
    "business_plan": [(_l("Business plan written"), True), (_l("Cash-flow forecast for 3 years"), True),
                      (_l("Premises identified"), False)],
    "registered": [(_l("Rules adopted"), True), (_l("Registration number obtained"), True),
                   (_l("Bank account opened"), True), (_l("First board elected"), True)],
    "trading": [(_l("First contract signed"), True), (_l("First year's accounts approved"), True)],
    "independent": [],
}


class Forbidden(ServiceError):
    """The caller may see the project but not do this to it."""

    status = 403


# --- access ---------------------------------------------------------------------------------


def is_officer(user: User) -> bool:
    """True for consortium staff and admins, who see and run every project."""
    return user.has_consortium_role(*OFFICER_ROLES)


def mentored_project_ids(session, user_id: int) -> set[int]:
    """The projects a user currently holds the mentor role on (read from the database, never a cache)."""
    return set(session.scalars(select(RoleAssignment.project_id).where(
        RoleAssignment.user_id == user_id, RoleAssignment.role == "mentor", RoleAssignment.project_id.is_not(None))))


def project_for(session, user: User, project_id: int, *, write: bool = False) -> IncubationProject:
    """The project if `user` may see it (write: may change it); otherwise not found, never a hint it exists.

    Consortium staff may read and write every project. A mentor reads the projects they mentor and writes
    them until conversion; afterwards the incubation history stays readable but is closed to changes.
    """
    project = session.get(IncubationProject, project_id)
    if project is None:
        raise NotFound(_("No incubation project %(id)s.", id=project_id))
    if is_officer(user):
        return project
    if project_id not in mentored_project_ids(session, user.id):
        raise NotFound(_("No incubation project %(id)s.", id=project_id))
    if write and project.tenant_id is not None:
        raise Forbidden(_("This project has become a member co-op: its incubation history is read-only for mentors."))
    return project


def projects_query(session, user: User, *, stage: str | None = None):
    """SELECT of the projects `user` may see (all for consortium staff, their own for a mentor), by name."""
    query = select(IncubationProject).order_by(IncubationProject.working_name, IncubationProject.id)
    if not is_officer(user):
        query = query.where(IncubationProject.id.in_(mentored_project_ids(session, user.id) or {-1}))
    if stage:
        query = query.where(IncubationProject.stage == stage)
    return query


def require_officer(user: User, action: str) -> None:
    """Refuse `action` (a phrase naming it, for readers of the code) unless the user is consortium staff."""
    if not is_officer(user):
        raise Forbidden(_("Only consortium staff can do this."))


# --- projects -------------------------------------------------------------------------------


def _active_sponsor(session, slug: str) -> Tenant:
    sponsor = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if sponsor is None:
        raise field_error("sponsor", _("no co-op with slug '%(slug)s'", slug=slug))
    if sponsor.status != "active":
        raise field_error("sponsor", _("'%(slug)s' is not an active member co-op", slug=slug))
    return sponsor


def _check_legal_form(project: IncubationProject) -> None:
    try:
        jurisdiction = get_jurisdiction(project.country)
    except UnknownJurisdiction as error:
        raise field_error("country", _("unknown jurisdiction '%(code)s'", code=project.country)) from error
    known = {form.code for form in jurisdiction.legal_forms()}
    if project.intended_legal_form not in known:
        raise field_error("intended_legal_form", _("'%(form)s' is not a legal form in %(country)s; choose one of "
                                                   "%(known)s", form=project.intended_legal_form,
                                                   country=project.country, known=", ".join(sorted(known))))


def create_project(session, data: dict, *, user: User, today: date, now: datetime | None = None) -> IncubationProject:
    """Open an incubation project (consortium staff): sponsor, need, intended form, founding group."""
    require_officer(user, "open an incubation project")
    sponsor = _active_sponsor(session, data["sponsor"])
    project = IncubationProject(sponsor=sponsor, stage="idea", country=data.get("country") or sponsor.country,
                                started_on=data.get("started_on") or today)
    for name in PROJECT_FIELDS:
        if data.get(name) is not None:
            setattr(project, name, data[name])
    _check_legal_form(project)
    for index, person in enumerate(data.get("founders") or []):
        _check_founder(person, f"founding_group[{index}]")
        project.founders.append(FoundingPerson(**person))
    session.add(project)
    session.flush()
    session.add(StageChange(project_id=project.id, from_stage=None, to_stage="idea", at=now or utcnow(),
                            by_user_id=user.id))
    _open_checklist(session, project, "idea")
    session.flush()
    return project


def update_project(session, project: IncubationProject, changes: dict, *, user: User) -> IncubationProject:
    """Change a project's description; only consortium staff change its sponsor."""
    if "sponsor" in changes:
        require_officer(user, "change a project's sponsor")
        if project.tenant_id is not None:
            raise field_error("sponsor", _("the project is already a member co-op; change the co-op's record instead"))
        project.sponsor = _active_sponsor(session, changes["sponsor"])
    for name in PROJECT_FIELDS:
        if name in changes:
            if changes[name] is None and name in ("working_name", "country", "intended_legal_form", "started_on"):
                raise field_error(name, _("may not be empty"))
            setattr(project, name, changes[name])
    _check_legal_form(project)
    first_due = session.scalar(select(func.min(Milestone.due_on)).where(Milestone.project_id == project.id))
    if first_due is not None and first_due < project.started_on:
        raise field_error("started_on", _("a milestone is already due on %(date)s, before this date",
                                          date=format_date(first_due)))
    session.flush()
    return project


def _check_founder(person: dict, where: str) -> None:
    if not (person.get("name") or "").strip():
        raise field_error(where, _("give the person's name"))


def add_founder(session, project: IncubationProject, data: dict) -> FoundingPerson:
    """Add someone to the founding group (before conversion; afterwards they join the co-op's register)."""
    if project.tenant_id is not None:
        raise field_error("project", _("the project is already a member co-op: add people to its members register"))
    _check_founder(data, "name")
    person = FoundingPerson(project=project, **data)
    session.add(person)
    session.flush()
    return person


def remove_founder(session, project: IncubationProject, founder_id: int) -> None:
    """Take someone out of the founding group."""
    person = session.scalar(select(FoundingPerson).where(FoundingPerson.project_id == project.id,
                                                         FoundingPerson.id == founder_id))
    if person is None:
        raise NotFound(_("No founder %(id)s in this project.", id=founder_id))
    if project.tenant_id is not None:
        raise field_error("project", _("the project is already a member co-op: its founding group is history"))
    session.delete(person)
    session.flush()


# --- mentors --------------------------------------------------------------------------------


def project_mentors(session, project_id: int) -> list[User]:
    """The users who hold the mentor role on the project, by name."""
    return list(session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == "mentor", RoleAssignment.project_id == project_id).order_by(User.name)))


def assign_mentor(session, project: IncubationProject, *, user_id: int | None = None,
                  email: str | None = None) -> User:
    """Give a user the mentor role on this project (by user id or email)."""
    if user_id is not None:
        mentor = session.get(User, user_id)
        where = "user_id"
    elif email:
        mentor = session.scalar(select(User).where(User.email == email.strip().lower()))
        where = "email"
    else:
        raise field_error("user_id", _("choose the mentor (a user or an email)"))
    if mentor is None or not mentor.is_active:
        raise field_error(where, _("no active user with this id") if where == "user_id"
                          else _("no active user with this email"))
    if project.id in mentored_project_ids(session, mentor.id):
        raise Conflict(_("%(email)s already mentors this project", email=mentor.email),
                       {where: [_("already a mentor here")]})
    session.add(RoleAssignment(user_id=mentor.id, role="mentor", project_id=project.id))
    session.flush()
    return mentor


def remove_mentor(session, project: IncubationProject, user_id: int) -> None:
    """End a mentor's access to the project: the role row goes, and with it every right to the project."""
    grant = session.scalar(select(RoleAssignment).where(
        RoleAssignment.user_id == user_id, RoleAssignment.role == "mentor", RoleAssignment.project_id == project.id))
    if grant is None:
        raise NotFound(_("User %(id)s does not mentor this project.", id=user_id))
    session.delete(grant)
    session.flush()


# --- checklists and stages ------------------------------------------------------------------


def ensure_default_template(session) -> None:
    """Seed the checklist template once (the consortium edits it afterwards; retired items keep it non-empty)."""
    from flask import current_app

    if session.scalar(select(func.count(ChecklistTemplateItem.id))):
        return
    with force_locale(current_app.config["CONSORTIUM_LANGUAGE"]):
        for stage, items in DEFAULT_CHECKLIST.items():
            for position, (label, required) in enumerate(items):
                session.add(ChecklistTemplateItem(stage=stage, label=str(label), required=required,
                                                  position=position))
    session.flush()


def _path_position(stage_column):
    return case({stage: index for index, stage in enumerate(PATH)}, value=stage_column)


def template_query(stage: str | None = None):
    """SELECT of the active checklist template items, by stage and position."""
    query = select(ChecklistTemplateItem).where(ChecklistTemplateItem.active.is_(True))
    if stage:
        query = query.where(ChecklistTemplateItem.stage == stage)
    return query.order_by(_path_position(ChecklistTemplateItem.stage), ChecklistTemplateItem.position,
                          ChecklistTemplateItem.id)


def add_template_item(session, data: dict) -> ChecklistTemplateItem:
    """Add an item to a stage's checklist; projects entering the stage from now on get it."""
    ensure_default_template(session)
    position = session.scalar(select(func.coalesce(func.max(ChecklistTemplateItem.position), -1)).where(
        ChecklistTemplateItem.stage == data["stage"])) + 1
    item = ChecklistTemplateItem(stage=data["stage"], label=data["label"], required=data.get("required", True),
                                 position=position)
    session.add(item)
    session.flush()
    return item


def retire_template_item(session, item_id: int) -> ChecklistTemplateItem:
    """Take an item off the template (projects that already have it keep their copy)."""
    item = session.get(ChecklistTemplateItem, item_id)
    if item is None or not item.active:
        raise NotFound(_("No checklist template item %(id)s.", id=item_id))
    item.active = False
    session.flush()
    return item


def _open_checklist(session, project: IncubationProject, stage: str) -> None:
    ensure_default_template(session)
    have = set(session.scalars(select(ChecklistItem.template_item_id).where(ChecklistItem.project_id == project.id)))
    for template in session.scalars(template_query(stage)):
        if template.id not in have:
            session.add(ChecklistItem(project_id=project.id, template_item_id=template.id, stage=stage,
                                      label=template.label, required=template.required, position=template.position))


def checklist(session, project: IncubationProject, stage: str | None = None) -> list[ChecklistItem]:
    """The project's checklist items (of one stage, or all), in path order."""
    query = select(ChecklistItem).where(ChecklistItem.project_id == project.id)
    if stage:
        query = query.where(ChecklistItem.stage == stage)
    return list(session.scalars(query.order_by(_path_position(ChecklistItem.stage), ChecklistItem.position,
                                               ChecklistItem.id)))


def tick_item(session, project: IncubationProject, item_id: int, done: bool, *, user: User,
              now: datetime | None = None) -> ChecklistItem:
    """Mark a checklist item done (or not done again)."""
    item = session.scalar(select(ChecklistItem).where(ChecklistItem.project_id == project.id,
                                                      ChecklistItem.id == item_id))
    if item is None:
        raise NotFound(_("No checklist item %(id)s in this project.", id=item_id))
    if done and item.done_at is None:
        item.done_at, item.done_by_user_id = now or utcnow(), user.id
    elif not done:
        item.done_at, item.done_by_user_id = None, None
    session.flush()
    return item


def allowed_moves(project: IncubationProject) -> list[str]:
    """The stages the project may move to from where it is: none once closed or turned into a member co-op
    (the co-op's own records carry its story on from there)."""
    if project.stage == "closed" or project.tenant_id is not None:
        return []
    if project.stage == "paused":
        return [project.paused_from or "idea", "closed"]
    index = PATH.index(project.stage)
    following = [PATH[index + 1]] if index + 1 < len(PATH) else []
    return [*following, "paused", "closed"]


def move_stage(session, project: IncubationProject, to: str, *, user: User, reason: str | None = None,
               override_reason: str | None = None, now: datetime | None = None) -> StageChange:
    """Move the project one step along its path (or pause, resume, close it).

    No skipping; a closed project stays closed; pausing and closing need a reason; the current stage
    cannot be left forward while its required checklist items are open, unless a consortium officer
    overrides with a reason (kept on the stage-history row, so the audit log shows it); `registered`
    is left only once the project has become a member co-op.
    """
    if to not in STAGES:
        raise field_error("to", _("unknown stage '%(stage)s'; stages are %(stages)s", stage=to,
                                  stages=", ".join(STAGES)))
    override_reason = (override_reason or "").strip() or None
    reason = (reason or "").strip() or None
    if override_reason and not is_officer(user):
        raise Forbidden(_("Only a consortium officer can override the checklist."))
    if project.stage == "closed":
        raise field_error("to", _("the project is closed (%(reason)s); a closed project cannot move",
                                  reason=project.closed_reason))
    if project.tenant_id is not None:
        raise field_error("to", _("the project is the member co-op %(name)s now; its stages are over",
                                  name=project.tenant.name))
    allowed = allowed_moves(project)
    if to not in allowed:
        here = STAGE_LABELS[project.stage]
        raise field_error("to", _("cannot move from %(here)s to %(to)s: stages cannot be skipped or walked back; "
                                  "from %(here)s the project can go to %(allowed)s", here=here,
                                  to=STAGE_LABELS[to], allowed=", ".join(str(STAGE_LABELS[s]) for s in allowed)))
    if to in ("paused", "closed") and not reason:
        raise field_error("reason", _("say why the project is paused") if to == "paused"
                          else _("say why the project is closed"))
    overridden = None
    forward = to in PATH and project.stage in PATH
    if forward:
        if project.stage == "registered" and project.tenant_id is None:
            raise field_error("to", _("convert the project into a member co-op before it moves on to trading"))
        open_items = [item.label for item in checklist(session, project, project.stage)
                      if item.required and item.done_at is None]
        if open_items and not override_reason:
            raise field_error("to", _("%(stage)s still has required checklist items open: %(items)s (a consortium "
                                      "officer may override with a reason)", stage=STAGE_LABELS[project.stage],
                                      items="; ".join(open_items)))
        overridden = "; ".join(open_items) or None
    change = StageChange(project_id=project.id, from_stage=project.stage, to_stage=to, at=now or utcnow(),
                         by_user_id=user.id, reason=reason, override_reason=override_reason,
                         overridden_items=overridden)
    if to == "paused":
        project.paused_from = project.stage
    elif project.stage == "paused":
        project.paused_from = None
    if to == "closed":
        project.closed_reason = reason
    project.stage = to
    session.add(change)
    if to in PATH:
        _open_checklist(session, project, to)
    session.flush()
    return change


def stage_history(session, project: IncubationProject) -> list[StageChange]:
    """The project's stage moves, oldest first."""
    return list(session.scalars(select(StageChange).where(StageChange.project_id == project.id)
                                .order_by(StageChange.at, StageChange.id)))


# --- milestones, notes ----------------------------------------------------------------------


def milestones_query(project: IncubationProject):
    """SELECT of the project's milestones: open ones first, by due date."""
    return (select(Milestone).where(Milestone.project_id == project.id)
            .order_by(Milestone.done_on.is_not(None), Milestone.due_on, Milestone.id))


def add_milestone(session, project: IncubationProject, data: dict) -> Milestone:
    """Add a milestone; it cannot fall due before the project started."""
    if data["due_on"] < project.started_on:
        raise field_error("due_on", _("must not be before the project started (%(date)s)",
                                      date=format_date(project.started_on)))
    milestone = Milestone(project_id=project.id, title=data["title"], due_on=data["due_on"], owner=data.get("owner"))
    session.add(milestone)
    session.flush()
    return milestone


def complete_milestone(session, project: IncubationProject, milestone_id: int, done_on: date | None, *,
                       today: date | None = None) -> Milestone:
    """Record the date a milestone was reached (None: open it again); not before the project, not after `today`."""
    milestone = session.scalar(select(Milestone).where(Milestone.project_id == project.id,
                                                       Milestone.id == milestone_id))
    if milestone is None:
        raise NotFound(_("No milestone %(id)s in this project.", id=milestone_id))
    if done_on is not None and done_on < project.started_on:
        raise field_error("done_on", _("must not be before the project started (%(date)s)",
                                       date=format_date(project.started_on)))
    if done_on is not None and today is not None and done_on > today:
        raise field_error("done_on", _("must not be in the future"))
    milestone.done_on = done_on
    session.flush()
    return milestone


def notes_query(project: IncubationProject):
    """SELECT of the project's meeting notes, newest meeting first."""
    return (select(MeetingNote).where(MeetingNote.project_id == project.id)
            .order_by(MeetingNote.met_on.desc(), MeetingNote.id.desc()))


def add_note(session, project: IncubationProject, data: dict, *, user: User) -> MeetingNote:
    """Write up a meeting."""
    if data["met_on"] < project.started_on:
        raise field_error("met_on", _("must not be before the project started (%(date)s)",
                                      date=format_date(project.started_on)))
    note = MeetingNote(project_id=project.id, author_id=user.id, **data)
    session.add(note)
    session.flush()
    return note


# --- documents ------------------------------------------------------------------------------

# Detected type -> (stored MIME type, file-name endings that may carry it).
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "text": ("text/plain; charset=utf-8", (".txt", ".md", ".csv")),
}
def allowed_description() -> str:
    """The kinds of file a project keeps, for messages and the upload form."""
    return _("PDF, PNG, JPEG, DOCX, XLSX, ODT or plain text")


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "odt"
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def detect_document_type(content: bytes) -> str | None:
    """The kind of file `content` is, by its first bytes (not its name), or None if not one we keep."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text"


def add_document(session, project: IncubationProject, filename: str, content: bytes, *, user: User,
                 max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> ProjectDocument:
    """Keep a file with the project: at most `max_bytes`, and only the types we can open safely."""
    filename = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not filename:
        raise field_error("file", _("the file has no name"))
    if len(content) == 0:
        raise field_error("file", _("the file is empty"))
    if len(content) > max_bytes:
        raise field_error("file", _("%(file)s is %(size)s bytes; the limit is %(limit)s bytes", file=filename,
                                      size=format_number(len(content)), limit=format_number(max_bytes)))
    kind = detect_document_type(content)
    if kind is None:
        raise field_error("file", _("%(file)s is not a %(types)s file", file=filename, types=allowed_description()))
    mimetype, endings = DOCUMENT_TYPES[kind]
    if not filename.lower().endswith(endings):
        raise field_error("file", _("%(file)s contains %(kind)s data; name it with %(endings)s", file=filename,
                                      kind=kind.upper(), endings=" / ".join(endings)))
    document = ProjectDocument(project_id=project.id, filename=filename, content_type=mimetype, size=len(content),
                               content=content, uploaded_by_user_id=user.id)
    session.add(document)
    session.flush()
    return document


def documents_query(project: IncubationProject):
    """SELECT of the project's documents, newest first (content not loaded)."""
    return (select(ProjectDocument).where(ProjectDocument.project_id == project.id)
            .order_by(ProjectDocument.uploaded_at.desc(), ProjectDocument.id.desc()))


def get_document(session, project: IncubationProject, document_id: int) -> ProjectDocument:
    """One of the project's documents."""
    document = session.scalar(select(ProjectDocument).where(ProjectDocument.project_id == project.id,
                                                            ProjectDocument.id == document_id))
    if document is None:
        raise NotFound(_("No document %(id)s in this project.", id=document_id))
    return document


# --- start-up loans -------------------------------------------------------------------------


def request_loan(session, project: IncubationProject, data: dict, *, user: User) -> LoanRequest:
    """Ask the mutual fund for a start-up loan; consortium staff decide."""
    if project.stage == "closed":
        raise field_error("project", _("the project is closed"))
    pending = session.scalar(select(LoanRequest.id).where(LoanRequest.project_id == project.id,
                                                          LoanRequest.status == "requested"))
    if pending is not None:
        raise Conflict(_("Loan request %(id)s is still waiting for a decision.", id=pending),
                       {"amount": [_("a request is pending")]})
    loan_request = LoanRequest(project_id=project.id, amount=data["amount"], months=data["months"],
                               purpose=data["purpose"], status="requested", requested_by_user_id=user.id)
    session.add(loan_request)
    session.flush()
    return loan_request


def loan_requests_query(project: IncubationProject | None = None, *, status: str | None = None):
    """SELECT of loan requests (one project's, or every project's), newest first."""
    query = select(LoanRequest).order_by(LoanRequest.requested_at.desc(), LoanRequest.id.desc())
    if project is not None:
        query = query.where(LoanRequest.project_id == project.id)
    if status:
        query = query.where(LoanRequest.status == status)
    return query


def get_loan_request(session, project: IncubationProject, request_id: int) -> LoanRequest:
    """One of the project's loan requests."""
    loan_request = session.scalar(select(LoanRequest).where(LoanRequest.project_id == project.id,
                                                            LoanRequest.id == request_id))
    if loan_request is None:
        raise NotFound(_("No loan request %(id)s in this project.", id=request_id))
    return loan_request


def _undecided(loan_request: LoanRequest) -> None:
    if loan_request.status != "requested":
        status = LOAN_REQUEST_STATUS_LABELS[loan_request.status]
        raise Conflict(_("Loan request %(id)s was already %(status)s.", id=loan_request.id, status=status),
                       {"status": [_("already %(status)s", status=status)]})


def grant_loan_request(session, project: IncubationProject, loan_request: LoanRequest, terms: dict, *,
                       user: User, today: date) -> LoanRequest:
    """Grant the request through the mutual fund (which checks its exposure limit) and link the loan."""
    require_officer(user, "grant a loan")
    _undecided(loan_request)
    from shared_services.mutual_fund.service import grant_loan

    loan = grant_loan(
        session, incubation_project_id=project.id, borrower_name=project.working_name,
        principal=loan_request.amount, annual_rate=terms["annual_rate"], months=loan_request.months,
        method=terms["method"], first_due=terms["first_due"], granted_on=today, granted_by=user.id,
    )
    loan_request.status, loan_request.loan_id = "granted", loan.id
    loan_request.decided_by_user_id, loan_request.decided_at = user.id, utcnow()
    loan_request.decision_note = terms.get("note")
    session.flush()
    return loan_request


def refuse_loan_request(session, loan_request: LoanRequest, note: str, *, user: User) -> LoanRequest:
    """Refuse the request, saying why."""
    require_officer(user, "refuse a loan request")
    _undecided(loan_request)
    if not (note or "").strip():
        raise field_error("note", _("say why the request is refused"))
    loan_request.status, loan_request.decision_note = "refused", note.strip()
    loan_request.decided_by_user_id, loan_request.decided_at = user.id, utcnow()
    session.flush()
    return loan_request


# --- conversion -----------------------------------------------------------------------------


def conversion_blockers(session, project: IncubationProject) -> list[str]:
    """The required items of the `registered` checklist still open: a project converts once they are done."""
    return [item.label for item in checklist(session, project, "registered") if item.required and item.done_at is None]


def convert_project(session, project: IncubationProject, data: dict, *, user: User, today: date,
                    invitation_url=None) -> Tenant:
    """Turn a registered project into a member co-op, in one transaction.

    Allowed only at the `registered` stage with its required checklist items done, or with a consortium
    officer's override reason (kept on the project with the items it skipped). The new tenant is created
    through the directory (slug, legal form, VAT, sponsor and cycle checks), with the project's sponsor as its
    parent; the founding group becomes its first members register entries; the person named as first treasurer
    gets the treasurer role in it (an existing user by email, else a new user invited by email through the
    outbox: `invitation_url(secret)` makes the one-time link). The project keeps its history, points at the
    co-op and moves no further.
    """
    require_officer(user, "turn a project into a member co-op")
    if project.tenant_id is not None:
        raise Conflict(_("Project %(id)s is already the member co-op '%(slug)s'.", id=project.id,
                         slug=project.tenant.slug), {"project": [_("already converted")]})
    if project.stage != "registered":
        raise field_error("stage", _("a project is converted at the registered stage; this one is at %(stage)s",
                                     stage=STAGE_LABELS[project.stage]))
    override_reason = (data.get("override_reason") or "").strip() or None
    open_items = conversion_blockers(session, project)
    if open_items and not override_reason:
        raise field_error("override_reason", _(
            "the registered checklist still has required items open: %(items)s; tick them, or give the reason "
            "to convert anyway", items="; ".join(open_items)))
    treasurer_email = (data.get("treasurer_email") or "").strip().lower()
    if not treasurer_email:
        raise field_error("treasurer_email", _("name the new co-op's first treasurer"))
    treasurer = session.scalar(select(User).where(User.email == treasurer_email))
    if treasurer is None and not (data.get("treasurer_name") or "").strip():
        raise field_error("treasurer_name", _("%(email)s has no account yet: give their name to invite them",
                                              email=treasurer_email))
    if treasurer is not None and not treasurer.is_active:
        raise field_error("treasurer_email", _("%(email)s may not log in (account disabled)", email=treasurer_email))
    founding_date = data.get("founding_date") or today
    founders = list(project.founders)
    # Every write below is made by one role, the app role (the co-op's rows in its scope), never partly by the
    # consortium reader: on Citus the founders' rows on the worker could not see a tenant the reader's connection
    # had written, and Citus refuses reference-table writes by two roles in one transaction (docs/scaling.md).
    with app_role_scope(session):
        tenant = create_tenant(session, {
            "slug": data["slug"], "name": data.get("name") or project.working_name,
            "legal_form": data.get("legal_form") or project.intended_legal_form,
            "country": data.get("country") or project.country,
            **{name: data[name] for name in ("currency", "registration_number", "vat_number", "address", "city",
                                             "postcode") if data.get(name) is not None},
            "founding_date": founding_date, "sponsor": project.sponsor.slug,
        })
        project.tenant_id, project.converted_at = tenant.id, utcnow()
        if open_items:
            project.conversion_override_reason = override_reason
            project.conversion_overridden_items = "; ".join(open_items)
        session.flush()
        _appoint_first_treasurer(session, tenant, treasurer, treasurer_email, data.get("treasurer_name"),
                                 invitation_url)
        with tenant_scope(session, tenant.id):
            for person in founders:
                add_member(session, {"name": person.name, "category": person.role, "email": person.email,
                                     "joined_on": founding_date})
    return tenant


def _appoint_first_treasurer(session, tenant: Tenant, treasurer: User | None, email: str, name: str | None,
                             invitation_url) -> None:
    from flask import current_app

    if treasurer is not None:
        session.add(RoleAssignment(user_id=treasurer.id, role="treasurer", tenant_id=tenant.id))
        session.flush()
        return
    days = current_app.config["INVITATION_DAYS"]
    new_user, secret = create_user(session, {"email": email, "name": name.strip(),
                                             "roles": [{"role": "treasurer", "tenant": tenant.slug}]},
                                   invitation_days=days)
    if invitation_url is not None:
        # The new co-op's own message (its scope, its outbox page): the consortium reader may not write it here.
        send_invitation(session, new_user, invitation_url(secret), days=days,
                        language=current_app.config["CONSORTIUM_LANGUAGE"], tenant_id=tenant.id)


def first_treasurers(session, tenant_id: int) -> list[User]:
    """The users holding the treasurer role in a co-op (after conversion: its first treasurer)."""
    return list(session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == "treasurer", RoleAssignment.tenant_id == tenant_id).order_by(User.name)))


# --- overviews ------------------------------------------------------------------------------


@dataclass
class ProjectSummary:
    """A project as a mentor's weekly list shows it."""

    project: IncubationProject
    next_milestone: Milestone | None = None
    overdue: int = 0
    last_met_on: date | None = None
    open_required: int = 0


def project_summaries(session, projects: list[IncubationProject], today: date) -> list[ProjectSummary]:
    """Next milestone, overdue count, last meeting and open required items for each project (4 queries)."""
    summaries = {p.id: ProjectSummary(p) for p in projects}
    ids = list(summaries) or [-1]
    for milestone in session.scalars(select(Milestone).where(Milestone.project_id.in_(ids), Milestone.done_on.is_(None))
                                     .order_by(Milestone.due_on, Milestone.id)):
        summary = summaries[milestone.project_id]
        if milestone.due_on < today:
            summary.overdue += 1
        elif summary.next_milestone is None:
            summary.next_milestone = milestone
    for project_id, met_on in session.execute(select(MeetingNote.project_id, func.max(MeetingNote.met_on))
                                              .where(MeetingNote.project_id.in_(ids))
                                              .group_by(MeetingNote.project_id)):
        summaries[project_id].last_met_on = met_on
    for project_id, stage, count in session.execute(
            select(ChecklistItem.project_id, ChecklistItem.stage, func.count())
            .where(ChecklistItem.project_id.in_(ids), ChecklistItem.required.is_(True), ChecklistItem.done_at.is_(None))
            .group_by(ChecklistItem.project_id, ChecklistItem.stage)):
        if summaries[project_id].project.stage == stage:
            summaries[project_id].open_required = count
    return list(summaries.values())


def median_days_per_stage(session, now: datetime | None = None) -> dict[str, float | None]:
    """Median days projects spent in each stage they have left (one query over the stage history)."""
    spent = defaultdict(list)
    previous = None
    for project_id, to_stage, at in session.execute(
            select(StageChange.project_id, StageChange.to_stage, StageChange.at)
            .order_by(StageChange.project_id, StageChange.at, StageChange.id)):
        if previous is not None and previous[0] == project_id:
            spent[previous[1]].append((as_utc(at) - as_utc(previous[2])).total_seconds() / 86400)
        previous = (project_id, to_stage, at)
    return {stage: round(statistics.median(spent[stage]), 1) if spent[stage] else None for stage in STAGES}


def pipeline(session) -> dict[str, int]:
    """How many projects are at each stage (converted ones included)."""
    counts = dict.fromkeys(STAGES, 0)
    query = select(IncubationProject.stage, func.count()).group_by(IncubationProject.stage)
    for stage, count in session.execute(query):
        counts[stage] = count
    return counts


def get_rule(session) -> ObligationRule:
    """The consortium's runner rule (defaults until an admin first saves it; not added to the session)."""
    rule = session.scalar(select(ObligationRule).order_by(ObligationRule.id).limit(1))
    return rule or ObligationRule(years_from_founding=DEFAULT_YEARS_FROM_FOUNDING, member_threshold=None,
                                  turnover_threshold=None, turnover_currency=None)


RULE_FIELDS = ("years_from_founding", "member_threshold", "turnover_threshold", "turnover_currency")


def update_rule(session, changes: dict, *, user: User) -> ObligationRule:
    """Change the runner rule (consortium admin); a turnover threshold needs the currency it is in."""
    if not user.has_consortium_role("consortium_admin"):
        raise Forbidden(_("Only a consortium admin can change the runner rule."))
    rule = get_rule(session)
    session.add(rule)  # the first save stores the defaults with the changes
    for name in RULE_FIELDS:
        if name in changes:
            setattr(rule, name, changes[name])
    if not rule.years_from_founding or rule.years_from_founding < 1:
        raise field_error("years_from_founding", _("must be at least 1"))
    if rule.member_threshold is not None and rule.member_threshold < 1:
        raise field_error("member_threshold", _("must be at least 1, or empty for no threshold"))
    if rule.turnover_threshold is not None:
        if rule.turnover_threshold <= 0:
            raise field_error("turnover_threshold", _("must be more than 0, or empty for no threshold"))
        if not rule.turnover_currency:
            raise field_error("turnover_currency", _("say which currency the turnover threshold is in"))
    session.flush()
    return rule


# Legal forms that do not put out a runner. A consortium of social co-operatives (Law 381/1991 art. 8) is formed
# by co-ops to serve them; it delivers no services itself, and the obligation is for the member co-ops that do.
NOT_OBLIGED_FORMS = {"social_coop_consortium"}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


@dataclass
class Obligation:
    """One member co-op's runner obligation: met, under way, or how long it has left."""

    tenant_id: int
    slug: str
    name: str
    founding_date: date | None
    members: int
    spin_outs: list[str] = field(default_factory=list)
    open_projects: list[str] = field(default_factory=list)
    status: str = "due"
    deadline: date | None = None
    days_left: int | None = None
    triggered_by: str | None = None
    currency: str | None = None
    turnover: Decimal | None = None
    turnover_year: int | None = None


@dataclass
class ObligationsOverview:
    """The runner-obligation dashboard: per co-op, most urgent first; the pipeline and time per stage."""

    on: date
    years_from_founding: int
    member_threshold: int | None
    turnover_threshold: Decimal | None
    turnover_currency: str | None
    obligations: list[Obligation]
    pipeline: dict[str, int]
    median_days: dict[str, float | None]
    not_obliged: list[dict] = field(default_factory=list)
    stage_labels: dict[str, str] = field(default_factory=lambda: dict(STAGE_LABELS))

    @property
    def not_compared(self) -> list[Obligation]:
        """Co-ops whose accounts are in another currency than the turnover threshold (no exchange rates)."""
        if self.turnover_threshold is None:
            return []
        return [o for o in self.obligations if o.turnover is not None and o.currency != self.turnover_currency]


def obligations(session, today: date) -> ObligationsOverview:
    """Each active member co-op's runner obligation under the consortium's rule, most urgent first.

    Must run in the consortium scope: members and accepted accounts are read across co-ops in one query each.
    A co-op has met the obligation once a co-op names it as sponsor; a live project it sponsors puts it
    'in progress'. Otherwise the deadline is founding date + N years, brought forward to the day the co-op's
    count of current members first reached the member threshold (reaching it once is enough, even if members
    leave later), and to the day its accounts were accepted once its latest accepted accounts show a turnover at
    or above the turnover threshold (in the threshold's currency). Co-ops of a legal form in `NOT_OBLIGED_FORMS`
    are listed apart in `not_obliged`.
    """
    rule = get_rule(session)
    tenants = session.execute(select(Tenant.id, Tenant.slug, Tenant.name, Tenant.founding_date, Tenant.status,
                                     Tenant.sponsor_id, Tenant.currency, Tenant.legal_form)).all()
    members = current_member_counts(session, today)
    reached_threshold = ({} if rule.member_threshold is None
                         else member_count_reached_on(session, rule.member_threshold, today))
    turnovers = latest_accepted_turnovers(session)
    spin_outs, open_projects = defaultdict(list), defaultdict(list)
    for tenant in tenants:
        if tenant.sponsor_id is not None:
            spin_outs[tenant.sponsor_id].append(tenant.name)
    for sponsor_id, working_name, stage in session.execute(
            select(IncubationProject.sponsor_id, IncubationProject.working_name, IncubationProject.stage)
            .where(IncubationProject.tenant_id.is_(None), IncubationProject.stage != "closed")):
        open_projects[sponsor_id].append(f"{working_name} ({str(STAGE_LABELS[stage]).lower()})")
    rows, not_obliged = [], []
    for tenant in tenants:
        if tenant.status != "active":
            continue
        if tenant.legal_form in NOT_OBLIGED_FORMS:
            not_obliged.append({"slug": tenant.slug, "name": tenant.name, "legal_form": tenant.legal_form})
            continue
        row = Obligation(tenant.id, tenant.slug, tenant.name, tenant.founding_date, members.get(tenant.id, 0),
                         spin_outs[tenant.id], open_projects[tenant.id], currency=tenant.currency)
        accounts = turnovers.get(tenant.id)
        if accounts is not None:
            row.turnover_year, accepted_on, row.turnover = accounts
        if row.spin_outs:
            row.status = "met"
        elif row.open_projects:
            row.status = "in_progress"
        if row.status != "met":
            if tenant.founding_date is not None:
                row.deadline, row.triggered_by = _add_years(tenant.founding_date, rule.years_from_founding), "years"
            reached_on = reached_threshold.get(tenant.id)
            if reached_on is not None and (row.deadline is None or row.deadline > reached_on):
                row.deadline, row.triggered_by = reached_on, "members"
            if (rule.turnover_threshold is not None and accounts is not None
                    and row.currency == rule.turnover_currency and row.turnover >= rule.turnover_threshold
                    and (row.deadline is None or row.deadline > accepted_on)):
                row.deadline, row.triggered_by = accepted_on, "turnover"
            if row.deadline is not None and row.status == "due":
                # Only a co-op still owing a runner counts days; one with a project under way shows the
                # deadline it is working to, never "days late" beside "in progress".
                row.days_left = (row.deadline - today).days
                if row.days_left < 0:
                    row.status = "overdue"
        rows.append(row)
    rank = {"overdue": 0, "due": 1, "in_progress": 2, "met": 3}
    rows.sort(key=lambda r: (rank[r.status], r.days_left if r.days_left is not None else 10**6, r.name))
    not_obliged.sort(key=lambda coop: coop["name"])
    return ObligationsOverview(today, rule.years_from_founding, rule.member_threshold, rule.turnover_threshold,
                               rule.turnover_currency, rows, pipeline(session), median_days_per_stage(session),
                               not_obliged)


def overdue_milestones(session, today: date) -> list[tuple[Milestone, IncubationProject]]:
    """Open milestones past their due date, of projects still being incubated (not closed or paused)."""
    return list(session.execute(
        select(Milestone, IncubationProject).join(IncubationProject, IncubationProject.id == Milestone.project_id)
        .where(Milestone.done_on.is_(None), Milestone.due_on < today,
               IncubationProject.stage.not_in(("closed", "paused")))
        .order_by(Milestone.project_id, Milestone.due_on, Milestone.id)).all())
