"""The mutual fund's tables: settings, co-ops' contributions and payments, the ledger, loans, guarantees.

Contributions, their adjustments and their payments belong to one co-op (tenant-owned, row-level
security): each co-op reads its own, the consortium reads across explicitly. The ledger, loans,
guarantees, settings and imported bank lines are the consortium's own tables.
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
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from consortium.db import Base, BigId, Money, TenantOwned, sql_list, utcnow
from consortium.models import JsonDoc, Tenant
from shared_services.mutual_fund.calculations import (
    CONTRIBUTION_INCOME,
    CONTRIBUTIONS_RECEIVABLE,
    DUE_BASES,
    FUND_CASH,
    GUARANTEE_CALLS_EXPENSE,
    INTEREST_INCOME,
    LOAN_METHODS,
    LOANS_RECEIVABLE,
    contribution_overdue,
)

ACCOUNTS_VERSION_KEY = ["accounts_versions.tenant_id", "accounts_versions.id"]
Rate = Numeric(7, 4)

ACCOUNTS = (
    FUND_CASH, CONTRIBUTIONS_RECEIVABLE, CONTRIBUTION_INCOME, LOANS_RECEIVABLE, INTEREST_INCOME,
    GUARANTEE_CALLS_EXPENSE,
)
CONTRIBUTION_STATUSES = ("nothing_due", "due", "part_paid", "paid", "reopened")
PAYMENT_SOURCES = ("manual", "bank_import")
ENTRY_KINDS = (
    "contribution_due", "contribution_adjustment", "contribution_received", "loan_out",
    "repayment_principal", "repayment_interest", "guarantee_call",
)


class FundSettings(Base):
    """The consortium's terms for the fund (one row; absent means the jurisdiction's defaults)."""

    __tablename__ = "fund_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Rate)
    minimum: Mapped[Decimal] = mapped_column(Money)
    due_days: Mapped[int] = mapped_column(Integer)
    legal_reserve_share: Mapped[Decimal] = mapped_column(Rate)
    exposure_multiple: Mapped[Decimal] = mapped_column(Rate)
    associations: Mapped[int] = mapped_column(Integer, default=1)
    reminder_days_before: Mapped[list[int]] = mapped_column(JsonDoc)
    reminder_days_after: Mapped[list[int]] = mapped_column(JsonDoc)
    # What due_days counts from: the assembly's approval, or the end of the financial year (calculations.DUE_BASES).
    due_basis: Mapped[str] = mapped_column(String(10), default="approval", server_default="approval")
    # The fund's bank account, printed on statements and reminders so co-ops know where to pay.
    bank_account_name: Mapped[str | None] = mapped_column(String(140))
    bank_iban: Mapped[str | None] = mapped_column(String(34))
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_percent"),
        CheckConstraint("legal_reserve_share >= 0 AND legal_reserve_share <= 100", name="reserve_percent"),
        CheckConstraint("minimum >= 0", name="minimum_not_negative"),
        CheckConstraint("due_days >= 0", name="due_days_not_negative"),
        CheckConstraint("exposure_multiple >= 0", name="exposure_multiple_not_negative"),
        CheckConstraint("associations >= 1", name="associations_positive"),
        CheckConstraint(f"due_basis IN {sql_list(DUE_BASES)}", name="due_basis"),
    )


class Contribution(TenantOwned, Base):
    """A co-op's contribution for one year, fixed when its accounts were accepted; never edited after."""

    __tablename__ = "contributions"
    __consortium_read__ = "*"  # the co-op's mutual-fund contribution, reported to the consortium

    year: Mapped[int] = mapped_column(Integer)
    accounts_version_id: Mapped[int] = mapped_column(BigId)
    net_profit: Mapped[Decimal] = mapped_column(Money)
    # The base is net_profit less these two (calculations.contribution_base), as the accounts stated them.
    prior_losses_covered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    ristorni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    base: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    minimum: Mapped[Decimal] = mapped_column(Money)
    associations: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    legal_reserve: Mapped[Decimal] = mapped_column(Money)
    # The day the consortium accepted the accounts (the contribution's ledger date).
    approved_on: Mapped[date] = mapped_column(Date)
    # The day the co-op's members' assembly approved them: the due date counts from it (or from the year end).
    assembly_approved_on: Mapped[date | None] = mapped_column(Date)
    due_basis: Mapped[str] = mapped_column(String(10), default="approval", server_default="approval")
    due_date: Mapped[date] = mapped_column(Date)
    # Pro rata by days for a co-op that joined or left the association in the year (both null: all year).
    member_from: Mapped[date | None] = mapped_column(Date)
    member_until: Mapped[date | None] = mapped_column(Date)
    days_member: Mapped[int | None] = mapped_column(Integer)
    days_in_year: Mapped[int | None] = mapped_column(Integer)
    # The year's amount before the pro-rata share (equal to amount when the co-op was a member all year).
    full_year_amount: Mapped[Decimal | None] = mapped_column(Money)
    # The English sentence written when the contribution was fixed (all rows have it), and the same
    # explanation as data (the calculation's steps), written out in each reader's language; rows fixed
    # before the steps were kept have none and show the sentence (shared_services.mutual_fund.explanation).
    explanation: Mapped[str] = mapped_column(Text)
    explanation_steps: Mapped[list | None] = mapped_column(JsonDoc)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(80))
    # Running totals of the rows below (adjustments, payments), kept so lists need no aggregation.
    adjustments_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(20))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)
    # Read-only views of the rows below; lists load them with selectinload (one query each, not one per row).
    adjustments: Mapped[list["ContributionAdjustment"]] = relationship(
        primaryjoin=lambda: and_(foreign(ContributionAdjustment.tenant_id) == Contribution.tenant_id,
                                 foreign(ContributionAdjustment.contribution_id) == Contribution.id),
        viewonly=True,
        order_by=lambda: ContributionAdjustment.id,
    )
    payments: Mapped[list["ContributionPayment"]] = relationship(
        primaryjoin=lambda: and_(foreign(ContributionPayment.tenant_id) == Contribution.tenant_id,
                                 foreign(ContributionPayment.contribution_id) == Contribution.id),
        viewonly=True,
        order_by=lambda: (ContributionPayment.paid_on, ContributionPayment.id),
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "year", name="uq_contributions_tenant_year"),
        ForeignKeyConstraint(["tenant_id", "accounts_version_id"], ACCOUNTS_VERSION_KEY, ondelete="RESTRICT"),
        CheckConstraint(f"status IN {sql_list(CONTRIBUTION_STATUSES)}", name="status"),
        CheckConstraint("amount >= 0 AND paid_amount >= 0", name="amounts_not_negative"),
        CheckConstraint("prior_losses_covered >= 0 AND ristorni >= 0", name="deductions_not_negative"),
        CheckConstraint(f"due_basis IN {sql_list(DUE_BASES)}", name="due_basis"),
        CheckConstraint("days_member IS NULL OR (days_member >= 0 AND days_member <= days_in_year)",
                        name="days_member_within_year"),
        Index("ix_contributions_year_tenant", "year", "tenant_id"),
        # Bank statement lines are matched on the reference, case-insensitively.
        Index("ix_contributions_reference", "reference"),
    )

    @property
    def total_due(self) -> Decimal:
        """The original amount plus every correcting entry since."""
        return self.amount + self.adjustments_total

    @property
    def outstanding(self) -> Decimal:
        """What the co-op still owes on this contribution (never below zero)."""
        return max(self.total_due - self.paid_amount, Decimal("0.00"))

    def is_overdue(self, today: date) -> bool:
        """True once the due date has passed with money still owed (a reopened year waits for its correction)."""
        return contribution_overdue(self.status, self.outstanding, self.due_date, today)


class ContributionAdjustment(TenantOwned, Base):
    """A correcting entry after an accepted year was reopened and accepted again."""

    __tablename__ = "contribution_adjustments"
    __consortium_read__ = "*"  # the co-op's mutual-fund contribution, reported to the consortium

    contribution_id: Mapped[int] = mapped_column(BigId)
    accounts_version_id: Mapped[int] = mapped_column(BigId)
    previous_net_profit: Mapped[Decimal] = mapped_column(Money)
    net_profit: Mapped[Decimal] = mapped_column(Money)
    # The corrected version's deductions from the base (see Contribution).
    prior_losses_covered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    ristorni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    delta: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    adjusted_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "contribution_id"], ["contributions.tenant_id", "contributions.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "accounts_version_id"], ACCOUNTS_VERSION_KEY, ondelete="RESTRICT"),
        Index("ix_contribution_adjustments_contribution", "tenant_id", "contribution_id"),
    )


class ContributionPayment(TenantOwned, Base):
    """Money received against a contribution, entered by hand or matched on a bank statement line."""

    __tablename__ = "contribution_payments"
    __consortium_read__ = "*"  # the co-op's mutual-fund contribution, reported to the consortium

    contribution_id: Mapped[int] = mapped_column(BigId)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "contribution_id"], ["contributions.tenant_id", "contributions.id"],
                             ondelete="RESTRICT"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"source IN {sql_list(PAYMENT_SOURCES)}", name="source"),
        Index("ix_contribution_payments_contribution", "tenant_id", "contribution_id"),
    )


class BankStatementLine(Base):
    """A bank statement line already recorded as a payment: its hash makes re-imports harmless."""

    __tablename__ = "fund_bank_lines"
    __tenancy__ = "consortium"  # the fund's own books; tenant_id is the co-op the row concerns (RLS: its scope)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_hash: Mapped[str] = mapped_column(String(64), unique=True)
    line_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    # The co-op's payment (tenant_id, payment_id): no foreign key, because on Citus this reference table cannot
    # point into a distributed one; the service checks it (migration 0023, docs/scaling.md).
    payment_id: Mapped[int] = mapped_column(BigId)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FundEntry(Base):
    """One movement of the fund: exactly two postings, a debit and a credit of the same amount."""

    __tablename__ = "fund_entries"
    __tenancy__ = "consortium"  # the fund's own books; tenant_id is the co-op the row concerns (RLS: its scope)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    # The co-op's contribution (tenant_id, contribution_id): checked by the service, not by a foreign key (as
    # BankStatementLine.payment_id).
    contribution_id: Mapped[int | None] = mapped_column(BigId)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("fund_loans.id", ondelete="RESTRICT"), index=True)
    guarantee_id: Mapped[int | None] = mapped_column(ForeignKey("fund_guarantees.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    postings: Mapped[list["FundPosting"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin", order_by="FundPosting.id"
    )
    tenant: Mapped[Tenant | None] = relationship(lazy="joined", viewonly=True)

    __table_args__ = (
        CheckConstraint(f"kind IN {sql_list(ENTRY_KINDS)}", name="kind"),
    )

    @property
    def amount(self) -> Decimal:
        """The amount moved (the debit of the pair)."""
        return sum((posting.debit for posting in self.postings), Decimal("0.00"))

    @property
    def debit_account(self) -> str:
        """The account debited."""
        return next(posting.account for posting in self.postings if posting.debit)

    @property
    def credit_account(self) -> str:
        """The account credited."""
        return next(posting.account for posting in self.postings if posting.credit)


class FundPosting(Base):
    """One side of a fund entry."""

    __tablename__ = "fund_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("fund_entries.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)

    entry: Mapped[FundEntry] = relationship(back_populates="postings")

    __table_args__ = (
        CheckConstraint(f"account IN {sql_list(ACCOUNTS)}", name="account"),
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)", name="one_side"),
        Index("ix_fund_postings_account", "account"),
    )


class Loan(Base):
    """A loan from the fund to a member co-op or to a spin-out being incubated."""

    __tablename__ = "fund_loans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    borrower_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"),
                                                           index=True)
    incubation_project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    borrower_name: Mapped[str] = mapped_column(String(200))
    principal: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    first_due: Mapped[date] = mapped_column(Date)
    granted_on: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[int | None] = mapped_column(Integer)
    principal_repaid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    interest_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    instalments: Mapped[list["LoanInstalment"]] = relationship(
        back_populates="loan", cascade="all, delete-orphan", lazy="selectin", order_by="LoanInstalment.number"
    )
    repayments: Mapped[list["LoanRepayment"]] = relationship(
        back_populates="loan", cascade="all, delete-orphan", lazy="selectin", order_by="LoanRepayment.id"
    )

    __table_args__ = (
        CheckConstraint(f"method IN {sql_list(LOAN_METHODS)}", name="method"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("months >= 1", name="months_positive"),
        CheckConstraint("annual_rate >= 0", name="rate_not_negative"),
        CheckConstraint("borrower_tenant_id IS NOT NULL OR incubation_project_id IS NOT NULL", name="borrower"),
    )

    @property
    def outstanding_principal(self) -> Decimal:
        """Principal not yet repaid."""
        return self.principal - self.principal_repaid


class LoanInstalment(Base):
    """One monthly instalment of a loan's schedule, as fixed when the loan was granted."""

    __tablename__ = "fund_loan_instalments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("fund_loans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    payment: Mapped[Decimal] = mapped_column(Money)
    balance_after: Mapped[Decimal] = mapped_column(Money)

    loan: Mapped[Loan] = relationship(back_populates="instalments")

    __table_args__ = (UniqueConstraint("loan_id", "number", name="uq_fund_loan_instalments_loan_number"),)


class LoanRepayment(Base):
    """Money a borrower paid back, split into the principal and interest it covers."""

    __tablename__ = "fund_loan_repayments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("fund_loans.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    principal_part: Mapped[Decimal] = mapped_column(Money)
    interest_part: Mapped[Decimal] = mapped_column(Money)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    loan: Mapped[Loan] = relationship(back_populates="repayments")

    __table_args__ = (
        # Equality of the parts with the amount is the service's job: SQLite compares NUMERIC as floats.
        CheckConstraint("amount > 0 AND principal_part >= 0 AND interest_part >= 0", name="parts_not_negative"),
    )


class Guarantee(Base):
    """A guarantee the fund gave a bank on a member co-op's loan."""

    __tablename__ = "fund_guarantees"
    __tenancy__ = "consortium"  # the fund's own books; tenant_id is the co-op the row concerns (RLS: its scope)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    bank_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    called_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)
    calls: Mapped[list["GuaranteeCall"]] = relationship(
        back_populates="guarantee", cascade="all, delete-orphan", lazy="selectin", order_by="GuaranteeCall.id"
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("expires_on > issued_on", name="expires_after_issue"),
        CheckConstraint("called_amount >= 0 AND called_amount <= amount", name="called_within_amount"),
    )

    def live_amount(self, on: date) -> Decimal:
        """What the fund still stands behind on `on`: nothing once expired, else the amount less calls."""
        return Decimal("0.00") if on > self.expires_on else self.amount - self.called_amount


class GuaranteeCall(Base):
    """The bank called (part of) a guarantee: the fund paid out."""

    __tablename__ = "fund_guarantee_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guarantee_id: Mapped[int] = mapped_column(ForeignKey("fund_guarantees.id", ondelete="CASCADE"), index=True)
    called_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    guarantee: Mapped[Guarantee] = relationship(back_populates="calls")

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
