"""Pooled training rules: the course catalogue, sessions, co-ops' enrolments, attendance and results (a pass
becomes a record in the attendee's co-op), the cost split and its recharge invoices, and the consortium's
aggregate view (co-ops' reported compliance figures, never a named worker).

Seats are counted on the session row itself (`booked`), locked while a co-op enrols, because under
row-level security a co-op cannot count another co-op's enrolments, and two co-ops enrolling at once must
not both take the last seat.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import func, select

from consortium.db import utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _
from consortium.models import Tenant
from consortium.tenancy import app_role_scope, tenant_scope
from plugins.jurisdictions.base import JurisdictionError, get_jurisdiction
from shared_services.training.models import (
    TrainingCourse,
    TrainingEnrolment,
    TrainingRecharge,
    TrainingSession,
)
from tenants.invoicing import service as invoicing
from tenants.training import service as records
from tenants.training.service import CourseInfo

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.json"
CENT = Decimal("0.01")
COURSE_FIELDS = ("code", "title", "topic", "country", "duration_hours", "delivery", "validity_months", "standard",
                 "source", "active")
ATTENDED = ("passed", "failed")


# --- catalogue ------------------------------------------------------------------------------


def courses_query(*, active: bool | None = None, country: str | None = None):
    """SELECT of the catalogue by title."""
    query = select(TrainingCourse).order_by(TrainingCourse.title, TrainingCourse.id)
    if active is not None:
        query = query.where(TrainingCourse.active.is_(active))
    if country:
        query = query.where((TrainingCourse.country == country) | TrainingCourse.country.is_(None))
    return query


def get_course(session, course_id: int, *, field_name: str | None = None) -> TrainingCourse:
    """One course; with `field_name` a missing one is a 422 naming that field (it came in a body)."""
    found = session.get(TrainingCourse, course_id)
    if found is None:
        if field_name:
            raise field_error(field_name, _("no course %(id)s in the catalogue", id=course_id))
        raise NotFound(_("No course %(id)s in the catalogue.", id=course_id))
    return found


def _check_course(session, course: TrainingCourse) -> None:
    if course.validity_months is not None and course.validity_months <= 0:
        raise field_error("validity_months", _("must be a positive number of months, or empty for no expiry"))
    clash = session.scalar(select(TrainingCourse.id).where(TrainingCourse.code == course.code,
                                                           TrainingCourse.id != (course.id or 0)))
    if clash is not None:
        raise Conflict(_("Course code %(code)s is already used.", code=course.code),
                       {"code": [_("already used by another course")]})


def create_course(session, data: dict) -> TrainingCourse:
    """Add a course to the catalogue."""
    made = TrainingCourse(**{key: data.get(key) for key in COURSE_FIELDS if key in data})
    made.active = data.get("active", True)
    _check_course(session, made)
    session.add(made)
    session.flush()
    return made


def update_course(session, course: TrainingCourse, changes: dict) -> TrainingCourse:
    """Change a course; records already made keep the validity they were given."""
    for key in COURSE_FIELDS:
        if key in changes:
            setattr(course, key, changes[key])
    _check_course(session, course)
    session.flush()
    return course


def course_lookup(session, ids=None) -> dict[int, CourseInfo]:
    """The catalogue as co-ops see it (plugged into `tenants.training` at registration)."""
    query = select(TrainingCourse)
    if ids is not None:
        query = query.where(TrainingCourse.id.in_(list(ids)))
    return {c.id: CourseInfo(c.id, c.title, c.validity_months, c.active, c.country, c.duration_hours)
            for c in session.scalars(query)}


def unconfirmed_codes() -> set[str]:
    """Codes of the catalogue's courses whose source is not confirmed by a primary source (marks S and U of
    catalogue.json's `about`): pages note them, so nobody takes their hours and interval as the law's."""
    return {entry["code"] for entry in json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["courses"]
            if entry.get("confidence") != "C"}


def load_catalogue(session) -> int:
    """Add the cited catalogue of `catalogue.json` (statutory and Skills for Care courses); skips known codes."""
    known = set(session.scalars(select(TrainingCourse.code)))
    added = 0
    for entry in json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["courses"]:
        if entry["code"] in known:
            continue
        data = {key: entry.get(key) for key in COURSE_FIELDS if key in entry}
        if data.get("duration_hours") is not None:
            data["duration_hours"] = Decimal(str(data["duration_hours"]))
        data["source"] = entry["source"]  # the confidence mark stays in catalogue.json (`unconfirmed_codes`)
        create_course(session, data)
        added += 1
    return added


# --- sessions -------------------------------------------------------------------------------


def sessions_query(*, upcoming_from: date | None = None, state: str | None = None):
    """SELECT of pooled sessions, soonest first."""
    query = select(TrainingSession).order_by(TrainingSession.held_on, TrainingSession.id)
    if upcoming_from is not None:
        query = query.where(TrainingSession.held_on >= upcoming_from)
    if state:
        query = query.where(TrainingSession.state == state)
    return query


def get_session(session, session_id: int, *, lock: bool = False) -> TrainingSession:
    """One pooled session (locked until the transaction ends with `lock`)."""
    query = select(TrainingSession).where(TrainingSession.id == session_id)
    if lock:
        query = query.with_for_update(of=TrainingSession).execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound(_("No training session %(id)s.", id=session_id))
    return found


def _invoicing_tenant(session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise field_error("invoicing_tenant", _("no co-op %(slug)s", slug=slug))
    return tenant


SESSION_FIELDS = ("held_on", "place", "link", "trainer", "seats", "cost_basis", "cost", "split_by", "vat_category")


def create_session(session, data: dict, *, today: date) -> TrainingSession:
    """Schedule a pooled session of an active course, invoiced by the consortium's own co-op."""
    course = get_course(session, data["course_id"], field_name="course_id")
    if not course.active:
        raise field_error("course_id", _("%(title)s is retired from the catalogue", title=course.title))
    if not data.get("place") and not data.get("link"):
        raise field_error("place", _("give a place or an online link"))
    issuer = _invoicing_tenant(session, data["invoicing_tenant"])
    try:
        # Checked against today's rates: the recharge invoice is issued (and takes its rate) after the session.
        get_jurisdiction(issuer.country).vat_rate(data["vat_category"], today)
    except JurisdictionError as error:
        raise field_error("vat_category", str(error)) from error
    made = TrainingSession(course_id=course.id, invoicing_tenant_id=issuer.id, state="open", booked=0,
                           **{key: data.get(key) for key in SESSION_FIELDS})
    session.add(made)
    session.flush()
    return made


def seats_left(training_session: TrainingSession) -> int:
    """Seats not yet booked by any co-op."""
    return training_session.seats - training_session.booked


def invoicing_currency(session, training_session: TrainingSession) -> str:
    """The currency the session's cost is in: its invoicing co-op's."""
    return session.get(Tenant, training_session.invoicing_tenant_id).currency


# --- enrolments (a co-op's own) -------------------------------------------------------------


def enrol(session, tenant: Tenant, session_id: int, member_ids: list[int], *, today: date,
          user_id: int | None = None) -> list[TrainingEnrolment]:
    """Book the co-op's current workers on a session, up to the seats left; all or nothing."""
    training = get_session(session, session_id, lock=True)
    if training.state != "open" or training.held_on < today:
        raise Conflict(_("Session %(id)s (%(course)s, %(date)s) is closed for enrolment.", id=training.id,
                         course=training.course.title, date=training.held_on.isoformat()),
                       {"session_id": [_("closed for enrolment")]})
    if not member_ids:
        raise field_error("member_ids", _("choose at least one worker"))
    already = set(session.scalars(select(TrainingEnrolment.member_id).where(
        TrainingEnrolment.session_id == training.id)))
    people = []
    for index, member_id in enumerate(dict.fromkeys(member_ids)):
        person = records.worker(session, member_id, field_name=f"member_ids.{index}", today=today)
        if person.id in already:
            raise field_error(f"member_ids.{index}", _("%(name)s is already enrolled on this session",
                                                       name=person.name))
        people.append(person)
    left = seats_left(training)
    if len(people) > left:
        raise ServiceError(
            _("Session %(id)s (%(course)s, %(date)s) has %(left)s seats left; you asked for %(asked)s.",
              id=training.id, course=training.course.title, date=training.held_on.isoformat(), left=left,
              asked=len(people)),
            {"member_ids": [_("only %(left)s seats left on session %(id)s", left=left, id=training.id)]})
    made = [TrainingEnrolment(tenant_id=tenant.id, session_id=training.id, member_id=p.id, attendee_name=p.name,
                              enrolled_by_user_id=user_id) for p in people]
    session.add_all(made)
    training.booked += len(made)
    session.flush()
    return made


def enrolments_query(*, session_id: int | None = None):
    """SELECT of the co-op's own enrolments, newest session first (the tenant filter keeps others out); the
    session and its course are joined, so a list may search and sort by them."""
    query = (select(TrainingEnrolment).join(TrainingSession, TrainingSession.id == TrainingEnrolment.session_id)
             .join(TrainingCourse, TrainingCourse.id == TrainingSession.course_id)
             .order_by(TrainingSession.held_on.desc(), TrainingEnrolment.attendee_name, TrainingEnrolment.id))
    if session_id is not None:
        query = query.where(TrainingEnrolment.session_id == session_id)
    return query


def enrolled_courses(session) -> list[tuple[int, str]]:
    """(id, title) of the courses the co-op's workers are enrolled on, by title: the choices of its list's filter."""
    query = (select(TrainingCourse.id, TrainingCourse.title)
             .join(TrainingSession, TrainingSession.course_id == TrainingCourse.id)
             .join(TrainingEnrolment, TrainingEnrolment.session_id == TrainingSession.id)
             .distinct().order_by(TrainingCourse.title, TrainingCourse.id))
    return [tuple(row) for row in session.execute(query)]


# --- staff: the session's list, attendance, results -----------------------------------------


@dataclass
class CoopPart:
    """One co-op's part of a session: its attendees as it reported them."""

    tenant_id: int
    name: str
    slug: str
    enrolments: list[TrainingEnrolment]

    @property
    def booked(self) -> int:
        return len(self.enrolments)

    @property
    def attended(self) -> int:
        return sum(1 for e in self.enrolments if e.result in ATTENDED)

    @property
    def passed(self) -> int:
        return sum(1 for e in self.enrolments if e.result == "passed")


def session_parts(session, training_session: TrainingSession) -> list[CoopPart]:
    """The session's enrolments grouped by co-op (call in the consortium scope): each co-op's own part."""
    rows = session.scalars(select(TrainingEnrolment).where(TrainingEnrolment.session_id == training_session.id)
                           .order_by(TrainingEnrolment.tenant_id, TrainingEnrolment.attendee_name,
                                     TrainingEnrolment.id).execution_options(all_tenants=True)).all()
    tenants = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_({r.tenant_id for r in rows})))}
    parts: dict[int, CoopPart] = {}
    for row in rows:
        tenant = tenants[row.tenant_id]
        parts.setdefault(row.tenant_id, CoopPart(tenant.id, tenant.name, tenant.slug, [])).enrolments.append(row)
    return sorted(parts.values(), key=lambda part: part.name.casefold())


def record_attendance(session, training_session: TrainingSession, results: list[dict], *, today: date,
                      user_id: int | None = None) -> list[CoopPart]:
    """Record every enrolled worker's result once; each pass becomes a record in the worker's own co-op.

    Call in the consortium scope: the enrolments are read as the consortium reader, then every write (results,
    records, the session's state) is made as the app role (on Citus one role writes, docs/scaling.md). Returns
    the session's parts as read, with their results.
    """
    training = get_session(session, training_session.id)
    _check_attendance_open(training, today)
    parts = session_parts(session, training)
    enrolments = {e.id: e for part in parts for e in part.enrolments}
    if not enrolments:
        raise field_error("results", _("nobody is enrolled on session %(id)s", id=training.id))
    given = {}
    for index, row in enumerate(results):
        if row["enrolment_id"] not in enrolments:
            raise field_error(f"results.{index}.enrolment_id",
                              _("no enrolment %(id)s on this session", id=row["enrolment_id"]))
        if row["enrolment_id"] in given:
            raise field_error(f"results.{index}.enrolment_id",
                              _("enrolment %(id)s is given twice", id=row["enrolment_id"]))
        given[row["enrolment_id"]] = row["result"]
    missing = [enrolments[i].attendee_name for i in enrolments if i not in given]
    if missing:
        raise field_error("results", _("give a result for every enrolled worker; missing: %(names)s",
                                       names=", ".join(sorted(missing))))
    course = records.CourseInfo(training.course.id, training.course.title, training.course.validity_months)
    with app_role_scope(session):
        training = get_session(session, training.id, lock=True)
        _check_attendance_open(training, today)
        if training.booked != len(enrolments):  # every enrolment adds one under this lock, and none is taken back
            raise Conflict(_("Session %(id)s has new enrolments since its list was read: reload it.", id=training.id),
                           {"session_id": [_("new enrolments since the list was read")]})
        for enrolment_id, result in given.items():
            enrolment = enrolments[enrolment_id]
            with tenant_scope(session, enrolment.tenant_id):
                enrolment.result = result
                if result == "passed":
                    record = records.record_pooled_pass(
                        session, enrolment.tenant_id, member_id=enrolment.member_id, info=course,
                        completed_on=training.held_on, session_id=training.id, provider=training.trainer,
                        user_id=user_id, today=today)
                    enrolment.record_id = record.id
                session.flush()
        training.state = "attended"
        training.attendance_recorded_at = utcnow()
    return parts


def _check_attendance_open(training: TrainingSession, today: date) -> None:
    if training.state != "open":
        raise Conflict(_("Attendance for session %(id)s was already recorded.", id=training.id),
                       {"session_id": [_("attendance already recorded")]})
    if training.held_on > today:
        raise field_error("session_id", _("session %(id)s is on %(date)s: record attendance after it is held",
                                          id=training.id, date=training.held_on.isoformat()))


# --- costs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One co-op's share of a session's cost."""

    tenant_id: int
    name: str
    units: int
    amount: Decimal


def cost_split(session, training_session: TrainingSession) -> tuple[Decimal, list[Share]]:
    """The session's total cost and each co-op's share, by attendees or seats booked as the session says.

    Per seat: each co-op pays the seat price times its units. Per session: the total is shared in proportion
    to units, each share rounded half-up to the cent and the rounding difference given to the largest shares
    first (largest remainder), so the shares add up to the total exactly.
    """
    parts = session_parts(session, training_session)
    by_attendees = training_session.split_by == "attendees"
    units = {p.tenant_id: (p.attended if by_attendees else p.booked) for p in parts}
    names = {p.tenant_id: p.name for p in parts}
    total_units = sum(units.values())
    if training_session.cost_basis == "per_seat":
        shares = [Share(t, names[t], u, (training_session.cost * u).quantize(CENT, ROUND_HALF_UP))
                  for t, u in units.items() if u]
        return sum((s.amount for s in shares), Decimal("0.00")), shares
    total = training_session.cost
    if not total_units:
        return total, []
    exact = {t: total * u / total_units for t, u in units.items() if u}
    floors = {t: value.quantize(CENT, rounding=ROUND_DOWN) for t, value in exact.items()}
    cents_left = int(((total - sum(floors.values())) / CENT).to_integral_value())
    for t in sorted(exact, key=lambda t: (exact[t] - floors[t], units[t]), reverse=True)[:cents_left]:
        floors[t] += CENT
    return total, [Share(t, names[t], units[t], floors[t]) for t in exact]


def _customer_for(session, issuer: Tenant, coop: Tenant):
    """The consortium's customer record of a member co-op, made from the co-op's record on first use."""
    for customer in session.scalars(invoicing.customers_query()):
        if (coop.vat_number and customer.vat_number == coop.vat_number) or customer.name == coop.name:
            return customer
    return invoicing.add_customer(session, issuer, {
        "name": coop.name, "customer_type": "company", "street": coop.address, "city": coop.city,
        "postcode": coop.postcode, "country_code": invoicing.COUNTRY_CODES.get(coop.country),
        "vat_number": coop.vat_number})


def recharge(session, training_session: TrainingSession, *, today: date) -> list[TrainingRecharge]:
    """Confirm the split: one issued recharge invoice per co-op from the invoicing co-op, numbered as any.

    Call in the consortium scope: the split is read as the consortium reader, then every write (the invoices in
    the invoicing co-op's scope, the recharge rows, the session's state) is made as the app role (on Citus one
    role writes, docs/scaling.md).
    """
    training = get_session(session, training_session.id)
    _check_rechargeable(training)
    total, shares = cost_split(session, training)
    if not shares:
        raise field_error("session_id", _("nobody attended session %(id)s, so there is no cost to share",
                                          id=training.id))
    issuer = session.get(Tenant, training.invoicing_tenant_id)
    coops = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_([s.tenant_id for s in shares])))}
    made = []
    basis = _("attendees") if training.split_by == "attendees" else _("seats booked")
    with app_role_scope(session):
        training = get_session(session, training.id, lock=True)
        _check_rechargeable(training)  # attendance, and so the split, no longer changes once recorded
        for share in shares:
            if share.amount <= 0:
                continue
            with tenant_scope(session, issuer.id):
                customer = _customer_for(session, issuer, coops[share.tenant_id])
                draft = invoicing.create_draft(session, issuer, {
                    "customer_id": customer.id, "buyer_reference": f"TRAINING-{training.id}",
                    "notes": _("Pooled training session %(id)s: your share by %(basis)s (%(units)s of %(total)s).",
                               id=training.id, basis=basis, units=share.units, total=sum(s.units for s in shares)),
                    "lines": [{"description": f"{training.course.title}, {training.held_on.isoformat()} "
                                              f"({share.units} × {basis})",
                               "quantity": Decimal("1"), "unit_price": share.amount,
                               "vat_category": training.vat_category}]}, today)
                invoice = invoicing.issue_invoice(session, issuer, draft, today)
            row = TrainingRecharge(session_id=training.id, billed_tenant_id=share.tenant_id, units=share.units,
                                   amount=share.amount, currency=issuer.currency, invoice_id=invoice.id,
                                   invoice_number=invoice.number)
            session.add(row)
            made.append(row)
        training.state = "recharged"
        training.recharged_at = utcnow()
    return made


def _check_rechargeable(training: TrainingSession) -> None:
    if training.state == "recharged":
        raise Conflict(_("Session %(id)s was already recharged.", id=training.id),
                       {"session_id": [_("already recharged")]})
    if training.state != "attended":
        raise field_error("session_id", _("record attendance for session %(id)s before recharging its cost",
                                          id=training.id))


def recharges_of(session, training_session: TrainingSession) -> list[TrainingRecharge]:
    """The recharge invoices a session raised."""
    return list(session.scalars(select(TrainingRecharge).where(TrainingRecharge.session_id == training_session.id)
                                .order_by(TrainingRecharge.id)))


# --- the consortium's aggregate view ---------------------------------------------------------


@dataclass(frozen=True)
class CoopCompliance:
    """What one co-op reported: counts and a percentage, never a name."""

    tenant_id: int
    name: str
    slug: str
    computed_on: date | None
    workers: int
    required: int
    expiring: int
    expired: int
    missing: int
    percent_compliant: Decimal | None
    booked_seats: int


def consortium_overview(session) -> tuple[list[CoopCompliance], dict]:
    """Per co-op compliance as reported, with seats booked on pooled sessions (call in the consortium scope)."""
    reports = {r.tenant_id: r for r in records.compliance_reports(session)}
    booked = dict(session.execute(select(TrainingEnrolment.tenant_id, func.count())
                                  .group_by(TrainingEnrolment.tenant_id).execution_options(all_tenants=True)).all())
    rows = []
    for tenant in session.scalars(select(Tenant).where(Tenant.status == "active").order_by(Tenant.name)):
        report = reports.get(tenant.id)
        rows.append(CoopCompliance(
            tenant.id, tenant.name, tenant.slug, report.computed_on if report else None,
            report.workers if report else 0, report.required if report else 0, report.expiring if report else 0,
            report.expired if report else 0, report.missing if report else 0,
            report.percent_compliant if report else None, booked.get(tenant.id, 0)))
    required = sum(r.required for r in rows)
    compliant = sum(reports[r.tenant_id].valid + r.expiring for r in rows if r.tenant_id in reports)
    totals = {"required": required, "expiring": sum(r.expiring for r in rows),
              "expired": sum(r.expired for r in rows), "missing": sum(r.missing for r in rows),
              "percent_compliant": (Decimal(100 * compliant) / required).quantize(Decimal("0.1"), ROUND_HALF_UP)
              if required else None}
    return rows, totals
