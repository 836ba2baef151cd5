"""Joint-tendering tables: notice sources and their fetch log, notices with their OCDS release history and
lots, who a notice is opened to, co-ops' profiles and answers, the joint bid, its allocation, requirements
and the contracts awarded.

Consortium-owned (plain `Base`): sources, fetches, notices, releases, lots, invitations, bids, bid lots,
allocations, requirements and contracts. They carry a `tenant_id` reference where a row is about one
co-op (an allocation, a requirement's evidence, a contract share) and a co-op's pages filter by it
explicitly. Tenant-owned (row-level security): each co-op's profile and its answers per lot, which
are what the co-op reports to the consortium.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, BigId, Money, TenantOwned, sql_list, utcnow
from consortium.i18n import _l, lazy_pgettext
from consortium.models import JsonDoc, Tenant

Percent = Numeric(5, 2)
Quantity = Numeric(12, 2)

NOTICE_ORIGINS = ("ocds", "manual")
BID_STATUSES = ("draft", "submitted", "won", "lost", "withdrawn", "superseded")
BID_STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": lazy_pgettext("bid", "Submitted"), "won": lazy_pgettext("bid", "Won"),
    "lost": _l("Lost"),
    "withdrawn": _l("Withdrawn"), "superseded": _l("Replaced by a later version"),
}
DECISIONS = ("pending", "go", "no_go")
DECISION_LABELS = {"pending": _l("Not decided"), "go": lazy_pgettext("bid decision", "Go"),
                   "no_go": _l("No go")}
LOT_RESULTS = ("open", "won", "lost")
LOT_RESULT_LABELS = {"open": _l("Awaiting award"), "won": lazy_pgettext("lot", "Won"),
                     "lost": lazy_pgettext("lot", "Lost")}
ROLES = ("lead", "member")
# ESPD's economic-operator roles, as a consortium bid pack names them (OP-TED/ESPD-EDM wiki "5. EO roles").
ROLE_LABELS = {"lead": _l("Lead (mandatario)"), "member": _l("Group member")}
OPENED_TO = ("all", "matching")
OPENED_TO_LABELS = {"all": _l("All member co-ops"), "matching": _l("Matching co-ops only")}
UNITS = ("hour", "place", "visit", "meal", "unit")
UNIT_LABELS = {"hour": _l("hours"), "place": _l("places"), "visit": _l("visits"), "meal": _l("meals"),
               "unit": _l("units")}
# OCDS 1.1.5 tenderStatus codelist (closed), labelled for people.
TENDER_STATUS_LABELS = {
    "planning": _l("Planning"), "planned": _l("Planned"), "active": _l("Active"), "cancelled": _l("Cancelled"),
    "unsuccessful": _l("Unsuccessful"), "complete": _l("Complete"), "withdrawn": _l("Withdrawn"),
}
# OCDS 1.1.5 releaseTag codelist, labelled for people.
RELEASE_TAG_LABELS = {
    "planning": _l("Planning"), "planningUpdate": _l("Planning update"), "tender": _l("Tender"),
    "tenderAmendment": _l("Tender amendment"), "tenderUpdate": _l("Tender update"),
    "tenderCancellation": _l("Tender cancelled"), "award": _l("Award"), "awardUpdate": _l("Award update"),
    "awardCancellation": _l("Award cancelled"), "contract": _l("Contract"), "contractUpdate": _l("Contract update"),
    "contractAmendment": _l("Contract amendment"), "implementation": _l("Implementation"),
    "implementationUpdate": _l("Implementation update"), "contractTermination": _l("Contract terminated"),
    "compiled": _l("Compiled release"),
}
REQUIREMENT_KINDS = ("insurance", "accreditation", "durc", "regional_register", "other")
REQUIREMENT_LABELS = {
    "insurance": _l("Insurance"), "accreditation": _l("Accreditation"),
    "durc": _l("DURC (certificate of social-security compliance)"),
    "regional_register": _l("Regional register of social co-ops"), "other": _l("Other document"),
}


class TenderSource(Base):
    """Where notices are fetched from: an OCDS endpoint (Find a Tender, Contracts Finder, ANAC) on a schedule."""

    __tablename__ = "tender_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=360)
    max_pages: Mapped[int] = mapped_column(Integer, default=20)
    next_fetch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, for the backoff
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("interval_minutes >= 5", name="interval_at_least_5"),
        CheckConstraint("max_pages >= 1 AND max_pages <= 500", name="max_pages_range"),
    )


class TenderImport(Base):
    """One import: a fetch of a source (every page it followed) or an uploaded file; kept whether it worked or not."""

    __tablename__ = "tender_imports"
    __audited__ = False  # a technical log; the notices it changed are audited themselves

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("tender_sources.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(10))  # fetch, upload, api
    filename: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    releases_new: Mapped[int] = mapped_column(Integer, default=0)
    releases_known: Mapped[int] = mapped_column(Integer, default=0)
    notices_new: Mapped[int] = mapped_column(Integer, default=0)
    notices_updated: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(default=True)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("origin IN ('fetch', 'upload', 'api')", name="origin"),)


class TenderNotice(Base):
    """A public contracting process the consortium may bid in, keyed by its OCDS `ocid` (or CIG in Italy)."""

    __tablename__ = "tender_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200), unique=True)
    origin: Mapped[str] = mapped_column(String(10), default="ocds")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("tender_sources.id", ondelete="SET NULL"))
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    buyer_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    procurement_method: Mapped[str | None] = mapped_column(String(20))
    main_category: Mapped[str | None] = mapped_column(String(20))
    award_criteria: Mapped[str | None] = mapped_column(String(50))
    award_criteria_details: Mapped[str | None] = mapped_column(Text)
    # OCDS lots extension, tender.lotDetails: how many lots one supplier may bid on, and be awarded.
    max_lots_bid: Mapped[int | None] = mapped_column(Integer)
    max_lots_awarded: Mapped[int | None] = mapped_column(Integer)
    # OCDS lots extension, tender.lotGroups[]: lots the buyer may combine, or whose total value is capped:
    # [{"id", "related_lots": [lot ids], "option_to_combine": bool | None, "maximum_value": "decimal" | None,
    #   "currency"}]
    lot_groups: Mapped[list] = mapped_column(JsonDoc, default=list)
    submission_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enquiry_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cpv_codes: Mapped[list] = mapped_column(JsonDoc, default=list)
    # The CPV codes and the areas, lower-cased and space-separated with spaces at both ends: matching a
    # profile is one prefix LIKE per profile code and area, in SQL, on any database.
    cpv_index: Mapped[str] = mapped_column(Text, default=" ")
    areas: Mapped[list] = mapped_column(JsonDoc, default=list)
    area_index: Mapped[str] = mapped_column(Text, default=" ")
    documents: Mapped[list] = mapped_column(JsonDoc, default=list)
    language: Mapped[str | None] = mapped_column(String(10))
    # Reserved for supported employment providers / social co-ops (PA 2023 s.32; D.Lgs. 36/2023 art. 61).
    reserved: Mapped[bool] = mapped_column(default=False)
    latest_release_id: Mapped[str | None] = mapped_column(String(300))
    latest_release_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_to: Mapped[str | None] = mapped_column(String(10))
    answers_due: Mapped[date | None] = mapped_column(Date)  # co-ops answer until this day (inclusive)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    lots: Mapped[list["TenderLot"]] = relationship(back_populates="notice", order_by="TenderLot.position",
                                                   cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(f"origin IN {sql_list(NOTICE_ORIGINS)}", name="origin"),
        CheckConstraint(f"opened_to IS NULL OR opened_to IN {sql_list(OPENED_TO)}", name="opened_to"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        Index("ix_tender_notices_deadline", "submission_deadline"),
        Index("ix_tender_notices_opened", "opened_at"),
    )


class TenderRelease(Base):
    """One OCDS release of a notice, kept whole: the notice's history, nothing lost."""

    __tablename__ = "tender_releases"
    __audited__ = False  # the releases are public data copied as they are; the notice changes are audited

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="CASCADE"), index=True)
    ocid: Mapped[str] = mapped_column(String(200))
    release_id: Mapped[str] = mapped_column(String(300))
    date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tags: Mapped[list] = mapped_column(JsonDoc)
    payload: Mapped[dict] = mapped_column(JsonDoc)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("tender_imports.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notice: Mapped[TenderNotice] = relationship()

    # Release ids are unique within an ocid (Find a Tender API documentation): the key of idempotent imports.
    __table_args__ = (UniqueConstraint("ocid", "release_id", name="uq_tender_releases_ocid_release"),)


class TenderLot(Base):
    """A lot of a notice (OCDS lots extension `tender.lots[]`); a notice without lots has one lot '1'."""

    __tablename__ = "tender_lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="CASCADE"))
    lot_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    cpv_codes: Mapped[list] = mapped_column(JsonDoc, default=list)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # the work the lot asks for, in `unit`
    unit: Mapped[str] = mapped_column(String(10), default="hour")
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)

    notice: Mapped[TenderNotice] = relationship(back_populates="lots")

    __table_args__ = (
        UniqueConstraint("notice_id", "lot_id", name="uq_tender_lots_notice_lot"),
        CheckConstraint(f"unit IN {sql_list(UNITS)}", name="unit"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )


class TenderInvitation(Base):
    """A co-op the consortium opened a notice to: it may answer, and sees the notice."""

    __tablename__ = "tender_invitations"
    __tenancy__ = "consortium"  # a co-op reaches its own rows; the consortium every row

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)

    __table_args__ = (UniqueConstraint("notice_id", "tenant_id", name="uq_tender_invitations_notice_tenant"),)


class TenderProfile(TenantOwned, Base):
    """What a co-op does, for matching: CPV codes, areas served, capacity, qualified staff."""

    __tablename__ = "tender_profiles"
    __consortium_read__ = "*"  # what the co-op tells the consortium it does, for matching notices

    cpv_codes: Mapped[list] = mapped_column(JsonDoc, default=list)
    areas: Mapped[list] = mapped_column(JsonDoc, default=list)
    hours_per_week: Mapped[Decimal | None] = mapped_column(Quantity)
    places: Mapped[int | None] = mapped_column(Integer)
    qualified_staff: Mapped[int | None] = mapped_column(Integer)
    disadvantaged_percent: Mapped[Decimal | None] = mapped_column(Percent)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_tender_profiles_tenant"),
        CheckConstraint("hours_per_week IS NULL OR hours_per_week >= 0", name="hours_not_negative"),
        CheckConstraint("places IS NULL OR places >= 0", name="places_not_negative"),
        CheckConstraint("qualified_staff IS NULL OR qualified_staff >= 0", name="staff_not_negative"),
        CheckConstraint("disadvantaged_percent IS NULL OR (disadvantaged_percent >= 0 AND "
                        "disadvantaged_percent <= 100)", name="disadvantaged_percent_range"),
    )


class TenderInterest(TenantOwned, Base):
    """A co-op's answer for one lot: interested or not, capacity offered, its cost per unit, notes."""

    __tablename__ = "tender_interests"
    __consortium_read__ = "*"  # the co-op's answer to the consortium

    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"))
    interested: Mapped[bool]
    capacity: Mapped[Decimal | None] = mapped_column(Quantity)  # in the lot's unit, over the contract
    staff: Mapped[int | None] = mapped_column(Integer)
    disadvantaged_percent: Mapped[Decimal | None] = mapped_column(Percent)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "lot_id", name="uq_tender_interests_tenant_lot"),
        Index("ix_tender_interests_notice", "notice_id"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("unit_cost IS NULL OR unit_cost >= 0", name="unit_cost_not_negative"),
        CheckConstraint("staff IS NULL OR staff >= 0", name="staff_not_negative"),
        CheckConstraint("disadvantaged_percent IS NULL OR (disadvantaged_percent >= 0 AND "
                        "disadvantaged_percent <= 100)", name="disadvantaged_percent_range"),
        CheckConstraint("NOT interested OR (capacity IS NOT NULL AND unit_cost IS NOT NULL)",
                        name="interested_has_capacity_and_cost"),
    )


class TenderBid(Base):
    """One version of the consortium's joint bid for a notice; a submitted version is frozen."""

    __tablename__ = "tender_bids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    margin_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("5.00"))
    lead_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notice: Mapped[TenderNotice] = relationship(lazy="joined")
    lots: Mapped[list["BidLot"]] = relationship(back_populates="bid", cascade="all, delete-orphan",
                                                order_by="BidLot.position")
    requirements: Mapped[list["BidRequirement"]] = relationship(back_populates="bid", cascade="all, delete-orphan",
                                                                order_by="BidRequirement.id")

    __table_args__ = (
        UniqueConstraint("notice_id", "version", name="uq_tender_bids_notice_version"),
        CheckConstraint(f"status IN {sql_list(BID_STATUSES)}", name="status"),
        CheckConstraint("margin_percent >= 0 AND margin_percent < 100", name="margin_range"),
    )


class BidLot(Base):
    """The bid's position on one lot: go / no-go, the work asked for, the price, and the award result."""

    __tablename__ = "tender_bid_lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str] = mapped_column(String(8), default="pending")
    # The work the lot asks for, taken from the notice and corrected by staff where the notice is silent.
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(String(10), default="hour")
    price: Mapped[Decimal | None] = mapped_column(Money)  # the bid's total price for the lot
    result: Mapped[str] = mapped_column(String(6), default="open")

    bid: Mapped[TenderBid] = relationship(back_populates="lots")
    lot: Mapped[TenderLot] = relationship(lazy="joined")
    allocations: Mapped[list["BidAllocation"]] = relationship(
        back_populates="bid_lot", cascade="all, delete-orphan", order_by="BidAllocation.id")

    __table_args__ = (
        UniqueConstraint("bid_id", "lot_id", name="uq_tender_bid_lots_bid_lot"),
        CheckConstraint(f"decision IN {sql_list(DECISIONS)}", name="decision"),
        CheckConstraint(f"result IN {sql_list(LOT_RESULTS)}", name="result"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint(f"unit IN {sql_list(UNITS)}", name="unit"),
    )


class BidAllocation(Base):
    """One co-op's share of a lot in the bid: percentage of the work, its cost, its part and role."""

    __tablename__ = "tender_bid_allocations"
    __tenancy__ = "consortium"  # a co-op reaches its own rows; the consortium every row

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_bid_lots.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    share_percent: Mapped[Decimal] = mapped_column(Percent)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    staff: Mapped[int | None] = mapped_column(Integer)
    disadvantaged_percent: Mapped[Decimal | None] = mapped_column(Percent)
    part: Mapped[str | None] = mapped_column(Text)  # the part of the service it performs (D.Lgs. 36/2023 art. 68)

    bid_lot: Mapped[BidLot] = relationship(back_populates="allocations")
    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)

    __table_args__ = (
        UniqueConstraint("bid_lot_id", "tenant_id", name="uq_tender_bid_allocations_lot_tenant"),
        CheckConstraint("share_percent > 0 AND share_percent <= 100", name="share_range"),
    )


class BidRequirement(Base):
    """A document each member of the bid must provide (insurance, accreditation, DURC...)."""

    __tablename__ = "tender_bid_requirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))

    bid: Mapped[TenderBid] = relationship(back_populates="requirements")
    evidence: Mapped[list["RequirementEvidence"]] = relationship(
        back_populates="requirement", cascade="all, delete-orphan", order_by="RequirementEvidence.id")

    __table_args__ = (CheckConstraint(f"kind IN {sql_list(REQUIREMENT_KINDS)}", name="kind"),)


class RequirementEvidence(Base):
    """One member's document for a requirement: its reference and until when it is valid."""

    __tablename__ = "tender_requirement_evidence"
    __tenancy__ = "consortium"  # a co-op reaches its own rows; the consortium every row

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tender_bid_requirements.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    reference: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date | None] = mapped_column(Date)

    requirement: Mapped[BidRequirement] = relationship(back_populates="evidence")

    __table_args__ = (UniqueConstraint("requirement_id", "tenant_id", name="uq_tender_requirement_evidence"),)


class TenderContract(Base):
    """A lot won: the contract with its value and period; its shares say each member's part."""

    __tablename__ = "tender_contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("tender_notices.id", ondelete="RESTRICT"))
    bid_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_bid_lots.id", ondelete="RESTRICT"), unique=True)
    award_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    awarded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notice: Mapped[TenderNotice] = relationship(lazy="joined")
    shares: Mapped[list["ContractShare"]] = relationship(back_populates="contract", cascade="all, delete-orphan",
                                                         order_by="ContractShare.id")

    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        Index("ix_tender_contracts_awarded", "awarded_on"),
    )


class ContractShare(Base):
    """One member's part of a contract: its share and the value that share is worth."""

    __tablename__ = "tender_contract_shares"
    __tenancy__ = "consortium"  # a co-op reaches its own rows; the consortium every row

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tender_contracts.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    share_percent: Mapped[Decimal] = mapped_column(Percent)
    value: Mapped[Decimal] = mapped_column(Money)
    part: Mapped[str | None] = mapped_column(Text)

    contract: Mapped[TenderContract] = relationship(back_populates="shares")
    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)

    __table_args__ = (UniqueConstraint("contract_id", "tenant_id", name="uq_tender_contract_shares"),)
