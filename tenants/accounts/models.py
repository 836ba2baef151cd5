"""Annual-accounts versions: each upload of one co-op's accounts for one year, with its review status."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, Money, TenantOwned, sql_list, utcnow
from consortium.models import User

# draft: uploaded, not yet sent; submitted: awaiting the consortium's review; returned: sent back with a
# comment (upload a corrected version); accepted: the year's net profit is fixed; reopened: an accepted
# version the consortium admin reopened with a reason (upload and submit a corrected version).
STATUSES = ("draft", "submitted", "returned", "accepted", "reopened")
# At most one version per co-op and year may be in one of these at a time.
LIVE_STATUSES = ("submitted", "accepted")
# What the consortium sees: versions sent to it, whatever became of them.
SENT_STATUSES = ("submitted", "returned", "accepted", "reopened")

# The Summary lines stored as money columns (tenants.accounts.parsing.SUMMARY_LINES minus financial_year).
FIGURE_CODES = (
    "turnover_public_contracts",
    "turnover_private_fees",
    "turnover_grants_donations",
    "turnover_other",
    "staff_costs",
    "other_costs",
    "tax",
    "net_profit",
    "prior_losses_covered",
    "ristorni_from_profit",
    "share_capital",
    "reserves_indivisible",
    "reserves_other",
    "loans",
    "cash",
)



class AccountsVersion(TenantOwned, Base):
    """One uploaded version of a co-op's annual accounts for one financial year."""

    __tablename__ = "accounts_versions"
    __consortium_read__ = "*"  # the annual accounts a co-op submits to the consortium
    # The uploaded file is kept whole here; the audit log records its name, size and digest instead.
    __audit_exclude__ = ("file_data",)

    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")

    turnover_public_contracts: Mapped[Decimal] = mapped_column(Money)
    turnover_private_fees: Mapped[Decimal] = mapped_column(Money)
    turnover_grants_donations: Mapped[Decimal] = mapped_column(Money)
    turnover_other: Mapped[Decimal] = mapped_column(Money)
    staff_costs: Mapped[Decimal] = mapped_column(Money)
    other_costs: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    # The stated net profit, which the upload checks equals turnover - staff costs - other costs - tax.
    net_profit: Mapped[Decimal] = mapped_column(Money)
    # How the assembly allocated the profit; the mutual fund's base leaves both out.
    prior_losses_covered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"),
                                                          server_default=text("0"))
    ristorni_from_profit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"),
                                                          server_default=text("0"))
    share_capital: Mapped[Decimal] = mapped_column(Money)
    reserves_indivisible: Mapped[Decimal] = mapped_column(Money)
    reserves_other: Mapped[Decimal] = mapped_column(Money)
    loans: Mapped[Decimal] = mapped_column(Money)
    cash: Mapped[Decimal] = mapped_column(Money)

    trial_balance_accounts: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    encoding_note: Mapped[str | None] = mapped_column(String(200))

    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(4))
    file_size: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    # Loaded only when the file is downloaded, not with every row of a list.
    file_data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The day the members' assembly approved these accounts: the mutual fund's due date counts from it.
    assembly_approved_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    return_comment: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")

    __table_args__ = (
        UniqueConstraint("tenant_id", "year", "version", name="uq_accounts_versions_tenant_year_version"),
        CheckConstraint(f"status IN {sql_list(STATUSES)}", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("share_capital >= 0", name="share_capital_not_negative"),
        CheckConstraint("prior_losses_covered >= 0 AND ristorni_from_profit >= 0", name="allocations_not_negative"),
        CheckConstraint(f"file_format IN {sql_list(('xlsx', 'csv'))}", name="file_format"),
        CheckConstraint("status <> 'accepted' OR accepted_on IS NOT NULL", name="accepted_has_date"),
        CheckConstraint("status <> 'returned' OR return_comment IS NOT NULL", name="returned_has_comment"),
        # Two requests submitting or accepting versions of the same year at once: the database keeps one.
        Index(
            "uq_accounts_versions_one_live_per_year", "tenant_id", "year", unique=True,
            sqlite_where=text(f"status IN {sql_list(LIVE_STATUSES)}"),
            postgresql_where=text(f"status IN {sql_list(LIVE_STATUSES)}"),
        ),
    )

    @property
    def figures(self) -> dict[str, Decimal]:
        """The Summary figures by line code, as Decimals."""
        return {code: getattr(self, code) for code in FIGURE_CODES}

    @property
    def total_turnover(self) -> Decimal:
        """Turnover from every source."""
        return (self.turnover_public_contracts + self.turnover_private_fees + self.turnover_grants_donations
                + self.turnover_other)
