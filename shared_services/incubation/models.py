"""Incubation tables: spin-out projects, founding groups, stage history, checklists, milestones, notes,
documents, loan requests and the consortium's runner-obligation rule.

Projects are consortium-level records (plain `Base`): a project is not yet a co-op, and after conversion
its history stays with the consortium while the new co-op gets its own tenant. Mentors are
`RoleAssignment(role="mentor", project_id=...)` rows, not a table of their own.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, sql_list, utcnow
from consortium.i18n import _l
from consortium.models import Tenant

# The path a spin-out walks, in order; `paused` and `closed` sit beside it.
PATH = ("idea", "founding_group_formed", "business_plan", "registered", "trading", "independent")
ASIDE = ("paused", "closed")
STAGES = PATH + ASIDE
STAGE_LABELS = {
    "idea": _l("Idea"), "founding_group_formed": _l("Founding group formed"), "business_plan": _l("Business plan"),
    "registered": _l("Registered"), "trading": _l("Trading"), "independent": _l("Independent"),
    "paused": _l("Paused"), "closed": _l("Closed"),
}
# Founding-group roles are the members register's stakeholder categories, so conversion maps them one to one.
FOUNDER_ROLES = ("worker", "service_user", "volunteer", "family_member", "financing_member", "legal_entity")
FOUNDER_ROLE_LABELS = {
    "worker": _l("worker"), "service_user": _l("service user"), "volunteer": _l("volunteer"),
    "family_member": _l("family member"), "financing_member": _l("financing member"),
    "legal_entity": _l("legal entity"),
}
LOAN_REQUEST_STATUSES = ("requested", "granted", "refused")
LOAN_REQUEST_STATUS_LABELS = {"requested": _l("requested"), "granted": _l("granted"), "refused": _l("refused")}


class IncubationProject(Base):
    """A spin-out co-op in the making, sponsored by one member co-op."""

    __tablename__ = "incubation_projects"
    __tenancy__ = "platform"
    __platform_reason__ = ("mentors and the sponsor co-op reach a project through their project roles, checked by"
                           " the incubation service; tenant_id only names the co-op the project became")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    working_name: Mapped[str] = mapped_column(String(200))
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    need: Mapped[str | None] = mapped_column(Text)
    locality: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    intended_legal_form: Mapped[str] = mapped_column(String(40))
    intended_type: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(30), default="idea")
    paused_from: Mapped[str | None] = mapped_column(String(30))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), unique=True)
    converted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Converted although required `registered` items were open: the officer's reason and those items.
    conversion_override_reason: Mapped[str | None] = mapped_column(Text)
    conversion_overridden_items: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sponsor: Mapped[Tenant] = relationship(foreign_keys=[sponsor_id], lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(foreign_keys=[tenant_id])
    founders: Mapped[list["FoundingPerson"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="FoundingPerson.id")

    __table_args__ = (
        CheckConstraint(f"stage IN {sql_list(STAGES)}", name="stage"),
        CheckConstraint("stage <> 'closed' OR closed_reason IS NOT NULL", name="closed_has_reason"),
    )


class FoundingPerson(Base):
    """One person (or organisation) of a project's founding group, in the role they will join with."""

    __tablename__ = "incubation_founders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))

    project: Mapped[IncubationProject] = relationship(back_populates="founders")

    __table_args__ = (CheckConstraint(f"role IN {sql_list(FOUNDER_ROLES)}", name="role"),)


class StageChange(Base):
    """One move of a project from a stage to another: who, when, why, and any checklist override."""

    __tablename__ = "incubation_stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(30))
    to_stage: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_items: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"to_stage IN {sql_list(STAGES)}", name="to_stage"),
        CheckConstraint("overridden_items IS NULL OR override_reason IS NOT NULL", name="override_has_reason"),
    )


class ChecklistTemplateItem(Base):
    """One item the consortium expects done before a project leaves a stage; retired, never deleted."""

    __tablename__ = "incubation_checklist_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (CheckConstraint(f"stage IN {sql_list(PATH)}", name="stage"),)


class ChecklistItem(Base):
    """A project's copy of a template item, taken when the project entered the stage, and its tick."""

    __tablename__ = "incubation_checklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    template_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("incubation_checklist_template.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("project_id", "template_item_id", name="uq_incubation_checklist_items_project_template"),
    )


class Milestone(Base):
    """Something a project must reach by a date, with who owns it."""

    __tablename__ = "incubation_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MeetingNote(Base):
    """A mentoring meeting: date, who came, what was decided, what comes next."""

    __tablename__ = "incubation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    met_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProjectDocument(Base):
    """A file kept with a project (statutes, business plan, minutes); type checked by its first bytes."""

    __tablename__ = "incubation_documents"
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoanRequest(Base):
    """A project's request for a start-up loan from the mutual fund, decided by consortium staff."""

    __tablename__ = "incubation_loan_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("incubation_projects.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    # The mutual fund's loan id; no foreign key so the two features' migrations stay independent.
    loan_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(f"status IN {sql_list(LOAN_REQUEST_STATUSES)}", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("months > 0", name="months_positive"),
        CheckConstraint("status <> 'granted' OR loan_id IS NOT NULL", name="granted_has_loan"),
    )


class ObligationRule(Base):
    """The consortium's runner rule: spin out within N years of founding, or once past M members or a turnover.

    The turnover threshold is in one currency; co-ops whose accounts are kept in another are not compared with
    it (the system holds no exchange rates).
    """

    __tablename__ = "incubation_obligation_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    years_from_founding: Mapped[int] = mapped_column(Integer, default=5)
    member_threshold: Mapped[int | None] = mapped_column(Integer)
    turnover_threshold: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    turnover_currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("years_from_founding > 0", name="years_positive"),
        CheckConstraint("member_threshold IS NULL OR member_threshold > 0", name="member_threshold_positive"),
        CheckConstraint("turnover_threshold IS NULL OR turnover_threshold > 0", name="turnover_threshold_positive"),
        CheckConstraint("turnover_threshold IS NULL OR turnover_currency IS NOT NULL", name="turnover_has_currency"),
    )
