"""A co-op's private training tables: who was trained in what and until when, which courses each job role
requires, who holds each role, and the compliance figures the co-op reports to the consortium.

Courses belong to the consortium's catalogue (`shared_services.training`); a record keeps the course's id,
title and validity as they were when it was made, so a later change of the catalogue never rewrites it.
Workers are the co-op's members register (`members`, category worker): no third list of people.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from consortium.db import Base, BigId, TenantOwned, sql_list, utcnow

SOURCES = ("pooled_session", "external")
# Matrix cell states: valid, expiring within EXPIRING_DAYS, expired, missing (never trained).
CELL_STATES = ("valid", "expiring", "expired", "missing")
EXPIRING_DAYS = 90


class TrainingRecord(TenantOwned, Base):
    """One completed (passed) course of one worker, with the expiry its course's validity gave it then."""

    __tablename__ = "training_records"
    __audit_exclude__ = ("certificate_content",)

    member_id: Mapped[int] = mapped_column(BigId)
    course_id: Mapped[int] = mapped_column(Integer)  # the consortium catalogue's id; no FK across features
    course_title: Mapped[str] = mapped_column(String(200))
    validity_months: Mapped[int | None] = mapped_column(Integer)  # None: the certificate never expires
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    session_id: Mapped[int | None] = mapped_column(Integer)  # the pooled session, when it came from one
    provider: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # Unique per co-op (the code starts with the co-op's id and is looked up in its scope): on Citus a unique key
    # of a distributed table must include tenant_id (migration 0023).
    verification_code: Mapped[str] = mapped_column(String(40))
    certificate_filename: Mapped[str | None] = mapped_column(String(255))
    certificate_type: Mapped[str | None] = mapped_column(String(100))
    certificate_size: Mapped[int | None] = mapped_column(Integer)
    certificate_content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_by_user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "verification_code"),
        CheckConstraint(f"source IN {sql_list(SOURCES)}", name="source"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
        CheckConstraint("(validity_months IS NULL) = (expires_on IS NULL)", name="expiry_follows_validity"),
        CheckConstraint("expires_on IS NULL OR expires_on > completed_on", name="expires_after_completion"),
        CheckConstraint("certificate_size IS NULL OR certificate_size > 0", name="certificate_size_positive"),
        # The matrix and the reminders: a co-op's latest record per worker and course.
        Index("ix_training_records_worker_course", "tenant_id", "member_id", "course_id", "completed_on"),
        Index("ix_training_records_tenant_expiry", "tenant_id", "expires_on"),
    )


class TrainingRole(TenantOwned, Base):
    """A job role of the co-op (care worker, kitchen staff...) and whether every worker holds it."""

    __tablename__ = "training_roles"

    name: Mapped[str] = mapped_column(String(100))
    all_workers: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_training_roles_name"),)


class TrainingRequirement(TenantOwned, Base):
    """A course a role requires."""

    __tablename__ = "training_requirements"

    role_id: Mapped[int] = mapped_column(BigId)
    course_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "role_id"], ["training_roles.tenant_id", "training_roles.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "role_id", "course_id", name="uq_training_requirements_role_course"),
    )


class TrainingRoleHolder(TenantOwned, Base):
    """A worker holding a role (roles for every worker need no holders)."""

    __tablename__ = "training_role_holders"

    role_id: Mapped[int] = mapped_column(BigId)
    member_id: Mapped[int] = mapped_column(BigId)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "role_id"], ["training_roles.tenant_id", "training_roles.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "role_id", "member_id", name="uq_training_role_holders_role_member"),
    )


class ComplianceReport(TenantOwned, Base):
    """The co-op's compliance figures as reported to the consortium: counts only, never a name.

    One row per co-op, refreshed whenever records or requirements change and by the daily job (dates move).
    """

    __tablename__ = "training_compliance_reports"
    __consortium_read__ = "*"  # counts the co-op reports to the consortium (docs/tenancy.md)

    computed_on: Mapped[date] = mapped_column(Date)
    workers: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[int] = mapped_column(Integer, default=0)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    expiring: Mapped[int] = mapped_column(Integer, default=0)
    expired: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    percent_compliant: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))

    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_training_compliance_reports_tenant"),
        CheckConstraint("required = valid + expiring + expired + missing", name="cells_add_up"),
    )
