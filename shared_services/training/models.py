"""The consortium's pooled training: the course catalogue, the sessions it schedules, each co-op's bookings
on them, and the recharge invoices that split a session's cost.

Courses, sessions and recharges are consortium records (plain `Base`). An enrolment is a co-op's own row
(`TenantOwned`): each co-op sees only its bookings, and it carries the attendee's name as the co-op reported
it for the session (the consortium never reads the co-op's members register).
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, BigId, Money, TenantOwned, sql_list, utcnow
from consortium.i18n import _l
from consortium.models import Tenant

TOPICS = {
    "care_certificate": _l("Care Certificate (induction)"),
    "moving_handling": _l("Moving and handling"),
    "safeguarding_adults": _l("Safeguarding adults"),
    "safeguarding_children": _l("Safeguarding children"),
    "basic_life_support": _l("Basic life support"),
    "first_aid": _l("First aid"),
    "infection_prevention": _l("Infection prevention and control"),
    "fire_safety": _l("Fire safety"),
    "medication": _l("Medication"),
    "food_hygiene": _l("Food hygiene"),
    "health_safety": _l("Health and safety"),
    "equality_diversity": _l("Equality and diversity"),
    "mental_capacity": _l("Mental capacity"),
    "information_governance": _l("Information governance"),
    "learning_disability_autism": _l("Learning disability and autism"),
    "sicurezza_generale": _l("Worker safety: general part (D.Lgs. 81/2008 art. 37)"),
    "sicurezza_specifica": _l("Worker safety: specific part by risk class (D.Lgs. 81/2008 art. 37)"),
    "sicurezza_aggiornamento": _l("Worker safety: periodic refresher (D.Lgs. 81/2008 art. 37)"),
    "primo_soccorso": _l("First aid (Italy, D.M. 388/2003)"),
    "antincendio": _l("Fire prevention (Italy, D.M. 2 September 2021)"),
    "haccp": _l("Food safety (HACCP)"),
    "other": _l("Other"),
}
DELIVERIES = {"classroom": _l("Classroom"), "online": _l("Online"), "on_the_job": _l("On the job")}
COST_BASES = {"per_session": _l("Per session"), "per_seat": _l("Per seat")}
SPLITS = {"attendees": _l("By attendees"), "seats": _l("By seats booked")}
SESSION_STATES = {"open": _l("Open for enrolment"), "attended": _l("Attendance recorded"),
                  "recharged": _l("Costs recharged")}
RESULTS = {"passed": _l("Passed"), "failed": _l("Failed"), "absent": _l("Absent")}


class TrainingCourse(Base):
    """A course of the shared catalogue and the certificate validity it gives."""

    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))  # the jurisdiction whose rule it follows; None: any
    duration_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    delivery: Mapped[str] = mapped_column(String(20))
    validity_months: Mapped[int | None] = mapped_column(Integer)  # None: no expiry
    standard: Mapped[str | None] = mapped_column(String(300))  # the standard or statutory topic it covers
    source: Mapped[str | None] = mapped_column(Text)  # where its hours and interval come from
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint(f"topic IN {sql_list(TOPICS)}", name="topic"),
        CheckConstraint(f"delivery IN {sql_list(DELIVERIES)}", name="delivery"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
        CheckConstraint("duration_hours IS NULL OR duration_hours > 0", name="duration_positive"),
    )


class TrainingSession(Base):
    """A pooled session of a course, open to every member co-op, and how its cost is shared."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="RESTRICT"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))
    trainer: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)  # seats taken by all co-ops (see the service)
    cost_basis: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal] = mapped_column(Money)  # the session's whole cost, or the price of one seat
    split_by: Mapped[str] = mapped_column(String(20))
    # The consortium's own tenant that raises the recharge invoices, in its currency and VAT category.
    invoicing_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    vat_category: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="open")
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recharged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course: Mapped[TrainingCourse] = relationship(lazy="joined", innerjoin=True)
    invoicing_tenant: Mapped[Tenant] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("booked >= 0 AND booked <= seats", name="booked_within_seats"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint(f"cost_basis IN {sql_list(COST_BASES)}", name="cost_basis"),
        CheckConstraint(f"split_by IN {sql_list(SPLITS)}", name="split_by"),
        CheckConstraint(f"state IN {sql_list(SESSION_STATES)}", name="state"),
        CheckConstraint("place IS NOT NULL OR link IS NOT NULL", name="place_or_link"),
        Index("ix_training_sessions_held_on", "held_on"),
    )


class TrainingEnrolment(TenantOwned, Base):
    """One of a co-op's workers booked on a pooled session, and (after it) the attendance and result."""

    __tablename__ = "training_enrolments"
    # A booking on a pooled session is what the co-op gives the consortium that runs the session.
    __consortium_read__ = "*"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(BigId)
    attendee_name: Mapped[str] = mapped_column(String(200))
    enrolled_by_user_id: Mapped[int | None] = mapped_column(Integer)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    result: Mapped[str | None] = mapped_column(String(10))
    record_id: Mapped[int | None] = mapped_column(BigId)  # the co-op's training record a pass created

    training_session: Mapped[TrainingSession] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "session_id", "member_id", name="uq_training_enrolments_session_member"),
        CheckConstraint(f"result IS NULL OR result IN {sql_list(RESULTS)}", name="result"),
        Index("ix_training_enrolments_session", "session_id"),
    )


class TrainingRecharge(Base):
    """The share of a session's cost one co-op was invoiced, and the invoice that raised it."""

    __tablename__ = "training_recharges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="RESTRICT"), index=True)
    billed_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    units: Mapped[int] = mapped_column(Integer)  # attendees or seats booked, as the session splits
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_id: Mapped[int] = mapped_column(BigId)  # in the invoicing tenant; no FK across features
    invoice_number: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("session_id", "billed_tenant_id", name="uq_training_recharges_session_tenant"),
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )
