"""Bulk-purchasing tables: suppliers, their catalogue items with volume price tiers, purchasing rounds and
the items each offers, co-ops' orders and order lines (each line, once its round closed, is the co-op's
allocation at the round's fixed prices, with what arrived), and the recharge invoices raised per co-op.

Consortium-owned (plain `Base`): suppliers, items, tiers, rounds, round items, and the recharge record
(which names one co-op: `enable_consortium_rls`, so a co-op's scope reaches its own rows only).
Tenant-owned (row-level security): each co-op's order and its lines. They are what the co-op reports to the
consortium (`__consortium_read__ = "*"`): the round close sums every co-op's lines in the consortium scope and
writes only the consortium's round items; a delivery is written on the co-op's lines inside its `tenant_scope`.
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
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from consortium.db import Base, BigId, Money, TenantOwned, sql_list, utcnow
from consortium.i18n import _l

# Quantities to the thousandth (kg, litres); items sold by the pack take whole numbers only.
Quantity = Numeric(12, 3)
# Unit prices to four places: consumables are priced per piece (0.0850 a glove); line amounts round to the cent.
UnitPrice = Numeric(12, 4)
Percent = Numeric(5, 2)

UNITS = ("piece", "pack", "box", "kg", "litre", "pair")
UNIT_LABELS = {"piece": _l("pieces"), "pack": _l("packs"), "box": _l("boxes"), "kg": _l("kg"),
               "litre": _l("litres"), "pair": _l("pairs")}
ROUND_STATUSES = ("open", "closed", "delivered", "recharged", "cancelled")
ROUND_STATUS_LABELS = {"open": _l("Open for orders"), "closed": _l("Closed, awaiting delivery"),
                       "delivered": _l("Delivered"), "recharged": _l("Recharged"), "cancelled": _l("Cancelled")}
CATEGORIES = ("care_consumables", "protective_equipment", "food", "cleaning", "energy", "vehicles", "other")
CATEGORY_LABELS = {"care_consumables": _l("Care consumables"), "protective_equipment": _l("Protective equipment"),
                   "food": _l("Food"), "cleaning": _l("Cleaning products"), "energy": _l("Energy"),
                   "vehicles": _l("Vehicles"), "other": _l("Other")}
COUNTRIES = ("it", "uk")


class Supplier(Base):
    """A supplier the consortium buys from for its members."""

    __tablename__ = "purchase_suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="it")  # jurisdiction code, as tenants
    vat_number: Mapped[str] = mapped_column(String(20))  # validated with python-stdnum by the jurisdiction
    category: Mapped[str] = mapped_column(String(30), default="other")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(default=True)  # retired: offered in no new round, kept for the old ones
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list["CatalogueItem"]] = relationship(back_populates="supplier", order_by="CatalogueItem.code")

    __table_args__ = (
        UniqueConstraint("country", "vat_number", name="uq_purchase_suppliers_vat"),
        CheckConstraint(f"country IN {sql_list(COUNTRIES)}", name="country"),
        CheckConstraint(f"category IN {sql_list(CATEGORIES)}", name="category"),
        CheckConstraint("payment_terms_days >= 0 AND payment_terms_days <= 365", name="payment_terms_range"),
    )


class CatalogueItem(Base):
    """One item of a supplier's catalogue: unit, pack size, VAT category, the supplier's minimum, its tiers."""

    __tablename__ = "purchase_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("purchase_suppliers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # the supplier's article code
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(10), default="pack")
    pack_size: Mapped[int | None] = mapped_column(Integer)  # pieces in a pack, when sold by the pack
    sold_by_pack: Mapped[bool] = mapped_column(default=True)  # whole quantities only
    vat_category: Mapped[str] = mapped_column(String(40))  # a code of the consortium's jurisdiction's VAT table
    min_total_quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # the supplier's minimum per order
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    supplier: Mapped[Supplier] = relationship(back_populates="items")
    tiers: Mapped[list["PriceTier"]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                    order_by="PriceTier.min_quantity")

    __table_args__ = (
        UniqueConstraint("supplier_id", "code", name="uq_purchase_items_supplier_code"),
        CheckConstraint(f"unit IN {sql_list(UNITS)}", name="unit"),
        CheckConstraint("pack_size IS NULL OR pack_size > 0", name="pack_size_positive"),
        CheckConstraint("min_total_quantity IS NULL OR min_total_quantity > 0", name="min_total_positive"),
    )


class PriceTier(Base):
    """A volume tier of an item's price list: from `min_quantity` up to `max_quantity` (inclusive, or no top)."""

    __tablename__ = "purchase_price_tiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("purchase_items.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[Decimal] = mapped_column(Quantity)
    max_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    item: Mapped[CatalogueItem] = relationship(back_populates="tiers")

    __table_args__ = (
        CheckConstraint("min_quantity >= 0", name="min_not_negative"),
        CheckConstraint("max_quantity IS NULL OR max_quantity >= min_quantity", name="max_above_min"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )


class PurchaseRound(Base):
    """A purchasing round: items offered, when orders close, the delivery date, the handling fee.

    Once closed, the reached prices are fixed on its items and the purchase order PDF is kept as produced.
    """

    __tablename__ = "purchase_rounds"
    __audit_exclude__ = ("purchase_order_pdf",)  # the document itself; its figures are audited on the round

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_suppliers.id", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(30))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivery_date: Mapped[date] = mapped_column(Date)
    handling_fee_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recharged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Set by the close that dropped an item or by the cancellation, cleared once its co-ops are told (a transaction
    # of its own after it: service.tell_coops); the closing job tells any round left marked.
    coops_to_tell: Mapped[bool] = mapped_column(default=False)
    # Totals fixed at close (and after deliveries): what the consortium spends and saves in this round.
    spend: Mapped[Decimal | None] = mapped_column(Money)
    savings: Mapped[Decimal | None] = mapped_column(Money)
    purchase_order_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    supplier: Mapped[Supplier | None] = relationship()
    items: Mapped[list["RoundItem"]] = relationship(back_populates="round", order_by="RoundItem.id",
                                                    cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(f"status IN {sql_list(ROUND_STATUSES)}", name="status"),
        CheckConstraint("supplier_id IS NOT NULL OR category IS NOT NULL", name="supplier_or_category"),
        CheckConstraint("handling_fee_percent >= 0 AND handling_fee_percent <= 100", name="fee_range"),
        Index("ix_purchase_rounds_status_closes", "status", "closes_at"),
    )


class RoundItem(Base):
    """An item offered in a round; at close it gets the total ordered, the tier reached and its price."""

    __tablename__ = "purchase_round_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_rounds.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("purchase_items.id", ondelete="RESTRICT"))
    min_total_quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # the supplier's minimum for this round
    total_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice)  # the reached tier's price, fixed at close
    single_price: Mapped[Decimal | None] = mapped_column(UnitPrice)  # the first tier's (what one co-op pays alone)
    dropped: Mapped[bool] = mapped_column(default=False)  # below the supplier's minimum at close

    round: Mapped[PurchaseRound] = relationship(back_populates="items")
    item: Mapped[CatalogueItem] = relationship()

    __table_args__ = (
        UniqueConstraint("round_id", "item_id", name="uq_purchase_round_items_round_item"),
        CheckConstraint("min_total_quantity IS NULL OR min_total_quantity > 0", name="min_total_positive"),
    )


class PurchaseOrder(TenantOwned, Base):
    """A co-op's order in a round: its delivery address; the quantities are its lines."""

    __tablename__ = "purchase_orders"
    __consortium_read__ = "*"  # what the co-op orders through the consortium

    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_rounds.id", ondelete="CASCADE"))
    delivery_address: Mapped[str] = mapped_column(String(500))
    placed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The co-op's own record of its delivery (what arrived is on the lines; this says it checked them).
    delivery_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivery_confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delivery_note: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    lines: Mapped[list["OrderLine"]] = relationship(
        primaryjoin=lambda: and_(foreign(OrderLine.tenant_id) == PurchaseOrder.tenant_id,
                                 foreign(OrderLine.order_id) == PurchaseOrder.id),
        cascade="all, delete-orphan", order_by="OrderLine.round_item_id")

    __table_args__ = (UniqueConstraint("tenant_id", "round_id", name="uq_purchase_orders_tenant_round"),)


class OrderLine(TenantOwned, Base):
    """A quantity of one round item in a co-op's order (the round id is repeated for the close's aggregate).

    Once the round closed, the line is also the co-op's allocation: fixed (no order changes after the close)
    and priced by its round item's fixed `unit_price` and `single_price`. It is charged for what arrived in
    good order (`received_quantity` less `damaged_quantity`; the ordered quantity until a delivery says
    otherwise; nothing for a dropped item), quantity x price rounded half-up to the cent per line
    (`service.line_amount`, and the same in SQL in `service.allocation_columns`).
    """

    __tablename__ = "purchase_order_lines"
    __consortium_read__ = "*"

    order_id: Mapped[int] = mapped_column(BigId)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_rounds.id", ondelete="CASCADE"))
    round_item_id: Mapped[int] = mapped_column(ForeignKey("purchase_round_items.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    received_quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # None until a delivery is recorded
    damaged_quantity: Mapped[Decimal | None] = mapped_column(Quantity)  # of what arrived, not usable: not charged

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "order_id"], ["purchase_orders.tenant_id", "purchase_orders.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id", "round_item_id", name="uq_purchase_order_lines_item"),
        Index("ix_purchase_order_lines_round", "round_id", "tenant_id"),  # the close reads one co-op at a time
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_quantity IS NULL OR (received_quantity >= 0 AND received_quantity <= quantity)",
                        name="received_within_order"),
        CheckConstraint("damaged_quantity IS NULL OR (damaged_quantity >= 0 AND received_quantity IS NOT NULL "
                        "AND damaged_quantity <= received_quantity)", name="damaged_within_received"),
    )


class Recharge(Base):
    """The recharge invoice the consortium's office raised to one co-op for a delivered round."""

    __tablename__ = "purchase_recharges"
    __tenancy__ = "consortium"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchase_rounds.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    office_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    invoice_id: Mapped[int] = mapped_column(Integer)  # in the office's invoicing
    invoice_number: Mapped[str] = mapped_column(String(40))
    net_goods: Mapped[Decimal] = mapped_column(Money)
    handling_fee: Mapped[Decimal] = mapped_column(Money)
    gross_total: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("round_id", "tenant_id", name="uq_purchase_recharges_round_tenant"),)
