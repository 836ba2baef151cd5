"""Consortium-level models: member co-ops (tenants), users and roles, tokens, audit log, idempotency."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, BigId, sql_list, utcnow

JsonDoc = JSON().with_variant(JSONB, "postgresql")

CONSORTIUM_ROLES = ("consortium_admin", "consortium_staff")
TENANT_ROLES = ("treasurer", "payroll_clerk", "viewer")
PROJECT_ROLES = ("mentor",)
ALL_ROLES = CONSORTIUM_ROLES + TENANT_ROLES + PROJECT_ROLES

TENANT_STATUSES = ("active", "incubating", "left")


class Tenant(Base):
    """A member co-op (or a spin-out being incubated): the unit of isolation."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))  # jurisdiction code: "uk", "it"
    currency: Mapped[str] = mapped_column(String(3))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    founding_date: Mapped[date | None] = mapped_column(Date)
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sponsor: Mapped["Tenant | None"] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("sponsor_id IS NULL OR sponsor_id <> id", name="not_own_sponsor"),
        CheckConstraint(f"status IN {sql_list(TENANT_STATUSES)}", name="status"),
    )


class RoleHolder:
    """What a user may do, from `self.roles` (each with `role`, `tenant_id` and `project_id`): shared by the ORM
    user of a browser session and the API's principal (consortium.auth.ApiPrincipal)."""

    __slots__ = ()

    def has_consortium_role(self, *roles: str) -> bool:
        """True if the user holds any of `roles` at consortium level (admin implies staff)."""
        held = {r.role for r in self.roles if r.tenant_id is None and r.project_id is None}
        if "consortium_admin" in held:
            held.add("consortium_staff")
        return bool(held & set(roles))

    def tenant_roles(self, tenant_id: int) -> set[str]:
        """The roles the user holds in one co-op."""
        return {r.role for r in self.roles if r.tenant_id == tenant_id}

    @property
    def tenant_ids(self) -> set[int]:
        """The co-ops the user holds any role in."""
        return {r.tenant_id for r in self.roles if r.tenant_id is not None}


class User(RoleHolder, Base):
    """A person who logs in: consortium staff, a co-op treasurer, a mentor."""

    __tablename__ = "users"
    __audit_exclude__ = ("password_hash", "invitation_token_hash")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The interface language the user chose (`it`, `en`); None: the browser's, else the consortium's.
    language: Mapped[str | None] = mapped_column(String(5))
    invitation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Raised to end every session of the user on the server (logout, password change, lost role): a
    # session cookie remembers the generation it was issued under and is refused once it differs.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="RoleAssignment.id"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class RoleAssignment(Base):
    """One role of one user: consortium-wide, in one co-op, or on one incubation project."""

    __tablename__ = "role_assignments"
    __tenancy__ = "platform"
    __platform_reason__ = "read when a user is loaded, before any co-op is chosen, to know which co-ops they may enter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("user_id", "role", "tenant_id", "project_id", name="uq_role_assignments_grant"),
        CheckConstraint(f"role IN {sql_list(ALL_ROLES)}", name="role"),
        CheckConstraint(
            f"(role IN {sql_list(CONSORTIUM_ROLES)} AND tenant_id IS NULL AND project_id IS NULL)"
            f" OR (role IN {sql_list(TENANT_ROLES)} AND tenant_id IS NOT NULL AND project_id IS NULL)"
            f" OR (role IN {sql_list(PROJECT_ROLES)} AND tenant_id IS NULL)",
            name="role_scope",
        ),
    )


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = ("token_hash",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class AuditEntry(Base):
    """One create, update or delete of a tenant or consortium record. Append-only."""

    __tablename__ = "audit_log"
    __tenancy__ = "audit"  # a co-op reads its own entries, the consortium reader only the consortium's own
    __audited__ = False

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives users
    tenant_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60))
    changes: Mapped[dict] = mapped_column(JsonDoc)

    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at"),
        CheckConstraint("action IN ('create', 'update', 'delete')", name="action"),
        # The app role may append entries it is not allowed to read back, so no INSERT ... RETURNING.
        {"implicit_returning": False},
    )


class IdempotencyRecord(Base):
    """The stored response of a POST sent with an `Idempotency-Key`, replayed on a retry."""

    __tablename__ = "idempotency_records"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),)
