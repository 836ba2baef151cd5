"""Invoicing tables: customers, invoices and credit notes with their lines, payments, numbering counters, settings.

An invoice and a credit note share one table (`kind`); a credit note points at the invoice it
corrects. Amounts paid and credited are kept on the invoice by the service, so the list can
derive every invoice's status in SQL without reading payments.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
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

CUSTOMER_TYPES = ("local_authority", "nhs_body", "public_body_it", "company", "household")
PUBLIC_BODY_TYPES = ("local_authority", "nhs_body", "public_body_it")
KINDS = ("invoice", "credit_note")
STATES = ("draft", "issued")
STATUSES = ("draft", "issued", "part-paid", "paid", "overdue", "credited")
STAMP_DUTY_MODES = ("customer", "coop", "not_due")
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "direct_debit", "other")
# UN/ECE Recommendation 20 unit codes offered on lines (the e-invoice formats need the code).
UNITS = {"C62": "each", "HUR": "hour", "DAY": "day", "WEE": "week", "MON": "month", "KGM": "kg", "LTR": "litre"}



class Customer(TenantOwned, Base):
    """Someone a co-op invoices: a council, an NHS body, an Italian public body, a company or a household."""

    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(200))
    customer_type: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country_code: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    vat_number: Mapped[str | None] = mapped_column(String(20))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    codice_destinatario: Mapped[str | None] = mapped_column(String(7))
    pec: Mapped[str | None] = mapped_column(String(254))
    peppol_id: Mapped[str | None] = mapped_column(String(100))  # Peppol electronic address, "scheme:identifier"
    remind_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Scissione dei pagamenti (DPR 633/1972 art. 17-ter): the customer pays the VAT to the Treasury itself.
    split_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint(f"customer_type IN {sql_list(CUSTOMER_TYPES)}", name="customer_type"),
        CheckConstraint("payment_terms_days >= 0 AND payment_terms_days <= 365", name="payment_terms_days"),
        Index("ix_customers_tenant_name", "tenant_id", "name"),
    )

    @property
    def is_public_body(self) -> bool:
        """Public bodies get FPA12 FatturaPA and are the usual Peppol receivers."""
        return self.customer_type in PUBLIC_BODY_TYPES


class Invoice(TenantOwned, Base):
    """An invoice or a credit note: a draft until issued, then numbered and never changed."""

    __tablename__ = "invoices"

    kind: Mapped[str] = mapped_column(String(12), default="invoice")
    state: Mapped[str] = mapped_column(String(10), default="draft")
    customer_id: Mapped[int] = mapped_column(BigId)
    credited_invoice_id: Mapped[int | None] = mapped_column(BigId)
    series: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(20))
    # A draft's issue date is provisional; issuing fixes it to the day of issue.
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    currency: Mapped[str] = mapped_column(String(3))
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    order_reference: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    amount_credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # What the customer pays: the gross total, or the total net of VAT under split payment (art. 17-ter).
    split_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    payable_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # Imposta di bollo paid virtually on this document (Italy), whoever bears it.
    stamp_duty: Mapped[Decimal | None] = mapped_column(Money)
    # Seller and buyer as they stood on the day of issue, so an issued document never changes.
    seller_snapshot: Mapped[dict | None] = mapped_column(JSON)
    buyer_snapshot: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    customer: Mapped[Customer] = relationship(
        primaryjoin=lambda: and_(foreign(Invoice.tenant_id) == Customer.tenant_id,
                                 foreign(Invoice.customer_id) == Customer.id),
        viewonly=True,
        lazy="joined",
        innerjoin=True,
    )
    @property
    def customer_name(self) -> str:
        """The customer's name, as the list shows it (a row of the API's column-only list carries it too)."""
        return self.customer.name

    lines: Mapped[list["InvoiceLine"]] = relationship(
        primaryjoin=lambda: and_(InvoiceLine.tenant_id == Invoice.tenant_id, InvoiceLine.invoice_id == Invoice.id),
        cascade="all, delete-orphan",
        order_by=lambda: InvoiceLine.position,
        back_populates="invoice",
    )
    payments: Mapped[list["Payment"]] = relationship(
        primaryjoin=lambda: and_(foreign(Payment.tenant_id) == Invoice.tenant_id,
                                 foreign(Payment.invoice_id) == Invoice.id),
        viewonly=True,
        order_by=lambda: (Payment.paid_on, Payment.id),
    )

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "credited_invoice_id"], ["invoices.tenant_id", "invoices.id"],
                             ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "series", "year", "sequence", name="uq_invoices_number"),
        CheckConstraint(f"kind IN {sql_list(KINDS)}", name="kind"),
        CheckConstraint(f"state IN {sql_list(STATES)}", name="state"),
        CheckConstraint("state = 'draft' OR (number IS NOT NULL AND sequence IS NOT NULL)", name="issued_numbered"),
        CheckConstraint("state = 'issued' OR number IS NULL", name="draft_unnumbered"),
        CheckConstraint("(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)", name="credit_note_reference"),
        CheckConstraint("amount_paid >= 0 AND amount_credited >= 0", name="amounts_not_negative"),
        # Over-payment is refused; a credit note after payment leaves a refund due, so each is capped alone.
        CheckConstraint("amount_paid <= gross_total AND amount_credited <= gross_total", name="within_total"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        # The list: a co-op's documents newest first.
        Index("ix_invoices_tenant_issue_date", "tenant_id", "issue_date", "id"),
        Index("ix_invoices_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_invoices_tenant_credited", "tenant_id", "credited_invoice_id"),
    )


class InvoiceLine(TenantOwned, Base):
    """One line: quantity x unit price - discount, with its VAT category and, once issued, its rate snapshot."""

    __tablename__ = "invoice_lines"

    invoice_id: Mapped[int] = mapped_column(BigId)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(1000))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(3), default="C62")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat_category: Mapped[str] = mapped_column(String(40))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    vat_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_natura: Mapped[str | None] = mapped_column(String(6))
    vat_ubl_category: Mapped[str] = mapped_column(String(2))
    vat_exemption_reason: Mapped[str | None] = mapped_column(String(300))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    vat_amount: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(
        primaryjoin=lambda: and_(InvoiceLine.tenant_id == Invoice.tenant_id, InvoiceLine.invoice_id == Invoice.id),
        back_populates="lines",
    )

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "invoice_id", "position", name="uq_invoice_lines_position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_amount >= 0", name="discount_not_negative"),
        CheckConstraint("net_amount >= 0", name="net_not_negative"),
    )


class Payment(TenantOwned, Base):
    """Money received against an issued invoice."""

    __tablename__ = "invoice_payments"

    invoice_id: Mapped[int] = mapped_column(BigId)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(20), default="bank_transfer")
    reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                             ondelete="RESTRICT"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"method IN {sql_list(PAYMENT_METHODS)}", name="method"),
        Index("ix_invoice_payments_tenant_invoice", "tenant_id", "invoice_id"),
    )


class NumberCounter(TenantOwned, Base):
    """The last number handed out in one (co-op, series, year); locked by the UPDATE that takes a number."""

    __tablename__ = "invoice_number_counters"
    __audited__ = False  # the issued invoice's own audit row records its number

    series: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("tenant_id", "series", "year", name="uq_invoice_number_counters_series_year"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )


class InvoicingSettings(TenantOwned, Base):
    """A co-op's invoicing choices: number series, default terms, bank account, reminder days."""

    __tablename__ = "invoicing_settings"

    invoice_series: Mapped[str] = mapped_column(String(10), default="INV")
    credit_note_series: Mapped[str] = mapped_column(String(10), default="CN")
    default_payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    iban: Mapped[str | None] = mapped_column(String(34))
    seller_email: Mapped[str | None] = mapped_column(String(254))
    regime_fiscale: Mapped[str] = mapped_column(String(4), default="RF01")
    reminder_days: Mapped[str] = mapped_column(String(60), default="7,30,60")  # days past due
    remind_customers: Mapped[bool] = mapped_column(Boolean, default=False)
    peppol_id: Mapped[str | None] = mapped_column(String(100))  # the co-op's Peppol electronic address
    # Italy's imposta di bollo: charged to the customer, borne by the co-op, or not due (an exempt co-op).
    stamp_duty_mode: Mapped[str] = mapped_column(String(10), default="customer")

    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_invoicing_settings_tenant"),
        CheckConstraint(f"stamp_duty_mode IN {sql_list(STAMP_DUTY_MODES)}", name="stamp_duty_mode"),
        CheckConstraint("invoice_series <> credit_note_series", name="series_differ"),
    )
