"""The social report (bilancio sociale) a co-op writes for one year: its free-text sections, its state and,
once approved by the assembly, the frozen snapshot of the figures it was approved with."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consortium.db import Base, Money, TenantOwned, sql_list, utcnow
from consortium.i18n import _l
from consortium.models import JsonDoc

# draft: being written, figures read live; approved: approved by the members' assembly on `approved_on`,
# figures frozen in `snapshot`; filed: deposited at the Registro delle imprese on `filed_on`
# (D.Lgs. 112/2017 art. 9 co. 2).
STATES = ("draft", "approved", "filed")
STATE_LABELS = {"draft": _l("Draft"), "approved": _l("Approved by the assembly"), "filed": _l("Filed")}


class SocialReport(TenantOwned, Base):
    """One co-op's social report for one financial year (private to the co-op)."""

    __tablename__ = "social_reports"
    # the consortium counts reports by state (set-based, one query); sections and figures stay the co-op's
    __consortium_read__ = ("tenant_id", "id", "year", "state")

    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    # {section key: {"text": str, "omission_reason": str}} for the eight sections of D.M. 4 July 2019 § 6
    sections: Mapped[dict] = mapped_column(JsonDoc, default=dict)
    # The figures as they stood at approval (JSON: decimals as strings); None while a draft.
    snapshot: Mapped[dict | None] = mapped_column(JsonDoc)
    approved_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "year", name="uq_social_reports_tenant_year"),
        CheckConstraint(f"state IN {sql_list(STATES)}", name="state"),
        CheckConstraint(
            "state = 'draft' OR (approved_on IS NOT NULL AND snapshot IS NOT NULL)",
            name="approved_has_date_and_snapshot",
        ),
        CheckConstraint("state <> 'filed' OR filed_on IS NOT NULL", name="filed_has_date"),
    )


class ReportedFigures(TenantOwned, Base):
    """What a co-op reports to the consortium for one year, as aggregates only: its worker members at the year's
    end and how many are disadvantaged, its net invoicing by customer type and its training hours, counted in the
    co-op's own scope by the job `reporting.report_figures` (from the members, invoicing and training services);
    and what its treasurer states: the financial year's end and the total assets at it (for a UK society's AR30
    date and audit test). The consortium reads every co-op's row in one query, never the members or invoices
    behind it."""

    __tablename__ = "reported_figures"
    __consortium_read__ = "*"  # aggregates the co-op reports; no name, customer or invoice line

    year: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer, default=0)
    disadvantaged: Mapped[int] = mapped_column(Integer, default=0)
    # {customer type: net invoiced, as a decimal string}; {} when the co-op issued no invoice that year
    invoiced_by_type: Mapped[dict] = mapped_column(JsonDoc, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # counts last changed
    # stated by the treasurer: the day the financial year `year` ends (in `year`; None: 31 December) and the
    # total assets on that day (None: not stated)
    year_end: Mapped[date | None] = mapped_column(Date)
    total_assets: Mapped[Decimal | None] = mapped_column(Money)
    # training in the year (tenants.training.training_hours, no worker named): the catalogue hours of the courses
    # completed, how many completions, and how many of those were of courses with no hours stated (not in the
    # hours); None: not counted yet (a row written before these columns, until the job next counts that year)
    training_hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    training_completions: Mapped[int | None] = mapped_column(Integer)
    training_without_hours: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("tenant_id", "year", name="uq_reported_figures_tenant_year"),
        CheckConstraint("workers >= 0 AND disadvantaged >= 0 AND disadvantaged <= workers", name="counts"),
        CheckConstraint("total_assets IS NULL OR total_assets >= 0", name="assets_not_negative"),
    )
