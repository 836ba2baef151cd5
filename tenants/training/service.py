"""A co-op's training rules: records and their expiry, role requirements, the compliance matrix and the
figures reported to the consortium. Plain functions on a session already scoped to one co-op.

Expiry rule (the one place it is decided): a record made from a course with a validity of N months expires
on the completion date plus N calendar months (`dateutil.relativedelta`, so 31 January + 1 month is
28/29 February); on that day it is expired. The validity is copied into the record when it is made, so a
later change of the catalogue never moves an old record's expiry. A cell of the matrix is "expiring" when
the worker's best record expires within EXPIRING_DAYS (90, the window Odoo's certification report and the
Moodle/IOMAD plugins users ask for, research section 2.3).

Courses are the consortium's catalogue. This package may not import shared services, so the catalogue
plugs itself in through `use_catalogue` when its feature registers.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, func, select

from consortium.errors import NotFound, ServiceError, field_error
from consortium.i18n import _, format_number
from tenants.members import service as members
from tenants.training.models import (
    EXPIRING_DAYS,
    ComplianceReport,
    TrainingRecord,
    TrainingRequirement,
    TrainingRole,
    TrainingRoleHolder,
)

DEFAULT_MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# Detected type -> (stored MIME type, file-name endings that may carry it): scans and PDFs of certificates.
CERTIFICATE_TYPES = {
    "pdf": ("application/pdf", (".pdf",), b"%PDF-"),
    "png": ("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
}
WORKER_CATEGORY = "worker"


@dataclass(frozen=True)
class CourseInfo:
    """What a co-op needs of a catalogue course."""

    id: int
    title: str
    validity_months: int | None
    active: bool = True
    country: str | None = None  # the jurisdiction whose rules the course follows; None: any
    duration_hours: Decimal | None = None  # the catalogue's hours for one completion; None: not stated


def courses_for(session, country: str, keep=()) -> list[CourseInfo]:
    """Catalogue courses a co-op of `country` may pick (its country's or any), plus those in `keep`, by title."""
    return sorted((c for c in courses(session).values() if c.country in (None, country) or c.id in keep),
                  key=lambda c: c.title.casefold())


CatalogueLookup = Callable[..., dict[int, CourseInfo]]
_catalogue: list[CatalogueLookup] = []


def use_catalogue(lookup: CatalogueLookup) -> None:
    """The consortium catalogue registers `lookup(session, ids=None) -> {id: CourseInfo}` here."""
    _catalogue[:] = [lookup]


def courses(session, ids=None) -> dict[int, CourseInfo]:
    """Catalogue courses by id (all of them, or those in `ids`)."""
    if not _catalogue:
        return {}
    return _catalogue[0](session, ids=ids)


def course(session, course_id: int, field_name: str = "course_id") -> CourseInfo:
    """One catalogue course; an unknown id is a 422 naming `field_name`."""
    found = courses(session, [course_id]).get(course_id)
    if found is None:
        raise field_error(field_name, _("no course %(id)s in the catalogue", id=course_id))
    return found


def expiry_for(completed_on: date, validity_months: int | None) -> date | None:
    """The day a certificate completed on `completed_on` stops being valid (None: never)."""
    if validity_months is None:
        return None
    if validity_months <= 0:
        raise field_error("validity_months", _("must be a positive number of months, or empty for no expiry"))
    return completed_on + relativedelta(months=validity_months)


def cell_state(expires_on: date | None, forever: bool, today: date) -> str:
    """valid / expiring / expired for a worker's best record of a course."""
    if forever:
        return "valid"
    if expires_on <= today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


def new_verification_code(tenant_id: int) -> str:
    """A code printed on a certificate: the co-op's number and 60 random bits, e.g. `7-K3F9QX2M8ZPA`."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    return f"{tenant_id}-" + "".join(secrets.choice(alphabet) for _ in range(12))


def worker(session, member_id: int, *, field_name: str = "member_id", today: date | None = None):
    """A worker of this co-op from its members register (another co-op's id looks like a missing one)."""
    try:
        member = members.get_member(session, member_id)
    except NotFound:
        raise field_error(field_name, _("no worker %(id)s in this co-op", id=member_id)) from None
    if member.category != WORKER_CATEGORY:
        raise field_error(field_name, _("%(name)s is not a worker in the members register", name=member.name))
    if today is not None and not member.is_current(today):
        raise field_error(field_name, _("%(name)s is no longer a member of the co-op", name=member.name))
    return member


def current_workers(session, today: date) -> list:
    """The co-op's workers today, by name."""
    return list(session.scalars(members.members_query(category=WORKER_CATEGORY, current_on=today)))


# --- records --------------------------------------------------------------------------------


def _certificate(filename: str | None, content: bytes | None, max_bytes: int) -> dict:
    if content is None:
        return {}
    filename = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not filename:
        raise field_error("certificate", _("the file has no name"))
    if not content:
        raise field_error("certificate", _("the file is empty"))
    if len(content) > max_bytes:
        raise field_error("certificate", _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes", name=filename,
                                           size=format_number(len(content)), limit=format_number(max_bytes)))
    for kind, (mimetype, endings, magic) in CERTIFICATE_TYPES.items():
        if content.startswith(magic):
            if not filename.lower().endswith(endings):
                raise field_error("certificate", _("%(name)s contains %(kind)s data; name it %(endings)s",
                                                   name=filename, kind=kind.upper(), endings=" / ".join(endings)))
            return {"certificate_filename": filename, "certificate_type": mimetype,
                    "certificate_size": len(content), "certificate_content": content}
    raise field_error("certificate", _("%(name)s is not a PDF, PNG or JPEG file", name=filename))


def _check_completed_on(completed_on: date, today: date) -> None:
    if completed_on > today:
        raise field_error("completed_on", _("%(date)s is in the future; record training once it is done",
                                            date=completed_on.isoformat()))


def _new_record(session, tenant_id: int, member_id: int, info: CourseInfo, completed_on: date, **values):
    record = TrainingRecord(
        tenant_id=tenant_id, member_id=member_id, course_id=info.id, course_title=info.title,
        validity_months=info.validity_months, completed_on=completed_on,
        expires_on=expiry_for(completed_on, info.validity_months),
        verification_code=new_verification_code(tenant_id), **values)
    session.add(record)
    session.flush()
    return record


def record_external(session, tenant, data: dict, *, today: date, user_id: int | None = None,
                    certificate: tuple[str, bytes] | None = None,
                    max_bytes: int = DEFAULT_MAX_CERTIFICATE_BYTES) -> TrainingRecord:
    """Record training a worker did elsewhere, with its certificate file (PDF, PNG or JPEG) if given."""
    member = worker(session, data["member_id"])
    info = course(session, data["course_id"])
    _check_completed_on(data["completed_on"], today)
    if member.joined_on and data["completed_on"] < member.joined_on - timedelta(days=3650):
        raise field_error("completed_on", _("is more than ten years before %(name)s joined", name=member.name))
    files = _certificate(*certificate, max_bytes) if certificate else {}
    record = _new_record(session, tenant.id, member.id, info, data["completed_on"], source="external",
                         provider=data.get("provider"), notes=data.get("notes"), created_by_user_id=user_id,
                         **files)
    refresh_report(session, tenant.id, today)
    return record


def record_pooled_pass(session, tenant_id: int, *, member_id: int, info: CourseInfo, completed_on: date,
                       session_id: int, provider: str, user_id: int | None, today: date) -> TrainingRecord:
    """A pass at a consortium session becomes the worker's record (call in the worker's co-op's scope)."""
    _check_completed_on(completed_on, today)
    record = _new_record(session, tenant_id, member_id, info, completed_on, source="pooled_session",
                         session_id=session_id, provider=provider, created_by_user_id=user_id)
    refresh_report(session, tenant_id, today)
    return record


def import_records(session, tenant_id: int, rows: list[dict], *, today: date) -> int:
    """Record many past completions at once (a co-op's history moved from a spreadsheet; demo data, benchmarks).

    Each row: member_id, course_id, completed_on, and optionally provider. Workers and courses are checked
    once, then the report is refreshed once at the end.
    """
    catalogue = courses(session)
    worker_ids = {m.id for m in session.scalars(members.members_query(category=WORKER_CATEGORY))}
    for index, row in enumerate(rows):
        if row["member_id"] not in worker_ids:
            raise field_error(f"rows.{index}.member_id", _("no worker %(id)s in this co-op", id=row["member_id"]))
        if row["course_id"] not in catalogue:
            raise field_error(f"rows.{index}.course_id", _("no course %(id)s in the catalogue", id=row["course_id"]))
        if row["completed_on"] > today:
            raise field_error(f"rows.{index}.completed_on", _("%(date)s is in the future",
                                                              date=row["completed_on"].isoformat()))
    for row in rows:
        info = catalogue[row["course_id"]]
        session.add(TrainingRecord(
            tenant_id=tenant_id, member_id=row["member_id"], course_id=info.id, course_title=info.title,
            validity_months=info.validity_months, completed_on=row["completed_on"],
            expires_on=expiry_for(row["completed_on"], info.validity_months), source="external",
            provider=row.get("provider"), verification_code=new_verification_code(tenant_id)))
    session.flush()
    refresh_report(session, tenant_id, today)
    return len(rows)


@dataclass(frozen=True)
class TrainingHours:
    """A co-op's training in a year, aggregated: no worker is named."""

    hours: Decimal  # the catalogue hours of every course completed in the year
    completions: int  # courses completed in the year
    without_hours: int  # of those, completions whose course states no hours (not in `hours`)


def training_hours(session, year: int) -> TrainingHours:
    """Hours of training the co-op's workers completed in `year` (call in the co-op's scope): each record completed
    in the year counts its course's hours as the catalogue states them now (records do not copy them)."""
    counts = session.execute(
        select(TrainingRecord.course_id, func.count())
        .where(TrainingRecord.completed_on >= date(year, 1, 1), TrainingRecord.completed_on <= date(year, 12, 31))
        .group_by(TrainingRecord.course_id)
    ).all()
    catalogue = courses(session, [course_id for course_id, _n in counts]) if counts else {}
    hours, without = Decimal("0.0"), 0
    for course_id, n in counts:
        info = catalogue.get(course_id)
        if info is None or info.duration_hours is None:
            without += n
        else:
            hours += info.duration_hours * n
    return TrainingHours(hours, sum(n for _id, n in counts), without)


def records_query(*, member_id: int | None = None, course_id: int | None = None):
    """SELECT of the co-op's records, newest completion first (certificate files not loaded)."""
    query = select(TrainingRecord).order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
    if member_id is not None:
        query = query.where(TrainingRecord.member_id == member_id)
    if course_id is not None:
        query = query.where(TrainingRecord.course_id == course_id)
    return query


def get_record(session, record_id: int) -> TrainingRecord:
    """One record of this co-op."""
    record = session.scalar(select(TrainingRecord).where(TrainingRecord.id == record_id))
    if record is None:
        raise NotFound(_("No training record %(id)s in this co-op.", id=record_id))
    return record


def member_names(session, member_ids) -> dict[int, str]:
    """Names of the co-op's members by id (for lists of records)."""
    ids = set(member_ids)
    if not ids:
        return {}
    return {m.id: m.name for m in session.scalars(members.members_query()) if m.id in ids}


def find_by_verification_code(session, code: str) -> TrainingRecord | None:
    """The record a certificate's code names (call in the scope of the co-op the code starts with)."""
    return session.scalar(select(TrainingRecord).where(TrainingRecord.verification_code == code))


# --- requirements ---------------------------------------------------------------------------


@dataclass
class RoleRequirement:
    """A role, the courses it requires and the workers who hold it."""

    id: int | None
    name: str
    all_workers: bool
    course_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)


def requirements(session) -> list[RoleRequirement]:
    """Every role of the co-op with its required courses and holders, by name."""
    roles = list(session.scalars(select(TrainingRole).order_by(TrainingRole.name, TrainingRole.id)))
    by_id = {role.id: RoleRequirement(role.id, role.name, role.all_workers) for role in roles}
    for row in session.scalars(select(TrainingRequirement).order_by(TrainingRequirement.course_id)):
        by_id[row.role_id].course_ids.append(row.course_id)
    for row in session.scalars(select(TrainingRoleHolder).order_by(TrainingRoleHolder.member_id)):
        by_id[row.role_id].member_ids.append(row.member_id)
    return list(by_id.values())


def replace_requirements(session, tenant_id: int, roles: list[dict], *, today: date) -> list[RoleRequirement]:
    """Replace every role, its required courses and its holders at once (what `PUT requirements` sends).

    Everything is checked before anything is written: unknown courses, people who are not this co-op's
    workers, and duplicate role names are refused naming the row.
    """
    names = set()
    catalogue = courses(session)
    worker_ids = {m.id for m in session.scalars(members.members_query(category=WORKER_CATEGORY))}
    for index, role in enumerate(roles):
        where = f"roles.{index}"
        key = role["name"].strip().casefold()
        if key in names:
            raise ServiceError(_("Role %(name)s is listed twice.", name=role["name"]),
                               {f"{where}.name": [_("duplicate role name")]})
        names.add(key)
        for course_id in role.get("course_ids", []):
            if course_id not in catalogue:
                raise ServiceError(_("Row %(row)s: no course %(id)s in the catalogue.", row=index + 1, id=course_id),
                                   {f"{where}.course_ids": [_("no course %(id)s in the catalogue", id=course_id)]})
        for member_id in role.get("member_ids", []):
            if member_id not in worker_ids:
                raise ServiceError(_("Row %(row)s: no worker %(id)s in this co-op.", row=index + 1, id=member_id),
                                   {f"{where}.member_ids": [_("no worker %(id)s in this co-op", id=member_id)]})
    # One by one, not a bulk DELETE, so the audit log keeps what each role required before.
    for model in (TrainingRoleHolder, TrainingRequirement, TrainingRole):
        for row in session.scalars(select(model)):
            session.delete(row)
        session.flush()
    for role in roles:
        made = TrainingRole(tenant_id=tenant_id, name=role["name"].strip(), all_workers=role.get("all_workers", False))
        session.add(made)
        session.flush()
        for course_id in dict.fromkeys(role.get("course_ids", [])):
            session.add(TrainingRequirement(tenant_id=tenant_id, role_id=made.id, course_id=course_id))
        for member_id in dict.fromkeys(role.get("member_ids", [])):
            session.add(TrainingRoleHolder(tenant_id=tenant_id, role_id=made.id, member_id=member_id))
    session.flush()
    refresh_report(session, tenant_id, today)
    return requirements(session)


# --- the compliance matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One worker x required course: its state and the best record's expiry."""

    state: str
    expires_on: date | None = None
    completed_on: date | None = None


@dataclass
class CourseCounts:
    """Cells of one course (or of the whole matrix) by state, and the share compliant."""

    valid: int = 0
    expiring: int = 0
    expired: int = 0
    missing: int = 0

    @property
    def required(self) -> int:
        return self.valid + self.expiring + self.expired + self.missing

    @property
    def percent_compliant(self) -> Decimal | None:
        """Valid and expiring (still valid today) cells over required cells, to one decimal place."""
        if not self.required:
            return None
        share = Decimal(100 * (self.valid + self.expiring)) / Decimal(self.required)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class MatrixRow:
    """One current worker and their cells (only for courses their roles require)."""

    member_id: int
    name: str
    email: str | None
    roles: list[str]
    cells: dict[int, Cell]


@dataclass
class Matrix:
    """Current workers by required course on `on`."""

    on: date
    courses: list[CourseInfo]
    rows: list[MatrixRow]
    per_course: dict[int, CourseCounts]
    overall: CourseCounts


def _best_records(session):
    """Per (worker, course): latest completion, whether any record never expires, and the latest expiry."""
    query = select(
        TrainingRecord.member_id, TrainingRecord.course_id, func.max(TrainingRecord.completed_on),
        func.max(case((TrainingRecord.expires_on.is_(None), 1), else_=0)), func.max(TrainingRecord.expires_on),
    ).group_by(TrainingRecord.member_id, TrainingRecord.course_id)
    return {(member_id, course_id): (completed, bool(forever), expires)
            for member_id, course_id, completed, forever, expires in session.execute(query)}


def _required_by_worker(session, workers) -> tuple[dict[int, set[int]], dict[int, list[str]]]:
    roles = requirements(session)
    required = {w.id: set() for w in workers}
    role_names = {w.id: [] for w in workers}
    for role in roles:
        holders = required.keys() if role.all_workers else [m for m in role.member_ids if m in required]
        for member_id in holders:
            required[member_id].update(role.course_ids)
            role_names[member_id].append(role.name)
    return required, role_names


def compliance_matrix(session, today: date) -> Matrix:
    """The matrix page: every current worker by every course their roles require, with counts."""
    workers = current_workers(session, today)
    required, role_names = _required_by_worker(session, workers)
    course_ids = sorted(set().union(*required.values())) if required else []
    catalogue = courses(session, course_ids)
    listed = sorted((catalogue[c] for c in course_ids if c in catalogue), key=lambda c: c.title.casefold())
    best = _best_records(session)
    per_course = {c.id: CourseCounts() for c in listed}
    overall = CourseCounts()
    rows = []
    for person in workers:
        cells = {}
        for course_id in required[person.id]:
            if course_id not in per_course:
                continue
            found = best.get((person.id, course_id))
            if found is None:
                cell = Cell("missing")
            else:
                completed, forever, expires = found
                cell = Cell(cell_state(expires, forever, today), None if forever else expires, completed)
            cells[course_id] = cell
            per_course[course_id].add(cell.state)
            overall.add(cell.state)
        rows.append(MatrixRow(person.id, person.name, person.email, role_names[person.id], cells))
    return Matrix(today, listed, rows, per_course, overall)


# --- what the co-op reports to the consortium ------------------------------------------------


def refresh_report(session, tenant_id: int, today: date) -> ComplianceReport:
    """Recompute the co-op's reported figures; an unchanged report is left untouched (the job reruns)."""
    overall = compliance_matrix(session, today).overall
    workers = len(current_workers(session, today))
    values = {"workers": workers, "valid": overall.valid, "expiring": overall.expiring, "expired": overall.expired,
              "missing": overall.missing, "required": overall.required,
              "percent_compliant": overall.percent_compliant}
    report = session.scalar(select(ComplianceReport))
    if report is None:
        report = ComplianceReport(tenant_id=tenant_id, computed_on=today, **values)
        session.add(report)
    elif any(getattr(report, key) != value for key, value in values.items()) or report.computed_on != today:
        for key, value in {**values, "computed_on": today}.items():
            setattr(report, key, value)
    session.flush()
    return report


def compliance_report(session) -> ComplianceReport | None:
    """The co-op's own reported figures."""
    return session.scalar(select(ComplianceReport))


def compliance_reports(session) -> list[ComplianceReport]:
    """Every co-op's reported figures (call in the consortium scope): counts only, never a name."""
    return list(session.scalars(select(ComplianceReport).order_by(ComplianceReport.tenant_id)
                                .execution_options(all_tenants=True)))


# --- reminders ------------------------------------------------------------------------------

# Days before expiry a reminder goes out, then on expiry (0): research section 2.3 (dream-learn#110 asks
# for 90/60/30/7, the issue for 90/30/7 and on expiry).
REMINDER_THRESHOLDS = (90, 30, 7, 0)
# An expiry further back than this is not announced any more (a worker's lapsed course from years ago).
EXPIRED_NOTICE_DAYS = 30


def reminder_threshold(expires_on: date, today: date) -> int | None:
    """The tightest threshold a record's expiry has reached today, or None if none yet (or long past)."""
    days_left = (expires_on - today).days
    if days_left < -EXPIRED_NOTICE_DAYS:
        return None
    reached = [t for t in REMINDER_THRESHOLDS if days_left <= t]
    return min(reached) if reached else None


@dataclass(frozen=True)
class DueReminder:
    """A record whose expiry reached a threshold, with its worker."""

    record: TrainingRecord
    threshold: int
    worker_name: str
    worker_email: str | None


def due_reminders(session, today: date) -> list[DueReminder]:
    """The current workers' best records per course that reached a reminder threshold today."""
    workers = {w.id: w for w in current_workers(session, today)}
    if not workers:
        return []
    best = _best_records(session)
    window = select(TrainingRecord).where(
        TrainingRecord.expires_on >= today - timedelta(days=EXPIRED_NOTICE_DAYS),
        TrainingRecord.expires_on <= today + timedelta(days=max(REMINDER_THRESHOLDS)),
        TrainingRecord.member_id.in_(workers)).order_by(TrainingRecord.expires_on, TrainingRecord.id)
    due = []
    for record in session.scalars(window):
        _, forever, latest = best[(record.member_id, record.course_id)]
        if forever or latest != record.expires_on:
            continue  # superseded by a newer certificate of the same course
        threshold = reminder_threshold(record.expires_on, today)
        if threshold is not None:
            person = workers[record.member_id]
            due.append(DueReminder(record, threshold, person.name, person.email))
    return due


def expiring_soon_count(session, today: date) -> int:
    """Required cells expiring within 90 days (for the co-op's home)."""
    return compliance_matrix(session, today).overall.expiring


def _counts(counts: CourseCounts) -> dict:
    percent = counts.percent_compliant
    return {"required": counts.required, "valid": counts.valid, "expiring": counts.expiring,
            "expired": counts.expired, "missing": counts.missing,
            "percent_compliant": None if percent is None else str(percent)}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def matrix_as_dict(matrix: Matrix) -> dict:
    """The matrix in the API's shape, JSON-ready (ISO dates, decimal strings): 900 cells of a 60 x 15 matrix
    dumped through nested schemas cost more than computing them."""
    return {
        "on": matrix.on.isoformat(),
        "courses": [{"course_id": c.id, "title": c.title, **_counts(matrix.per_course[c.id])} for c in matrix.courses],
        "rows": [{"member_id": row.member_id, "name": row.name, "roles": row.roles,
                  "cells": [{"course_id": course_id, "state": cell.state, "completed_on": _iso(cell.completed_on),
                             "expires_on": _iso(cell.expires_on)} for course_id, cell in sorted(row.cells.items())]}
                 for row in matrix.rows],
        "overall": _counts(matrix.overall),
    }
