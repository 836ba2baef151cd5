"""Payroll tables: employees, their capital schedules, pay runs, payslips with their lines, settings.

A pay run holds one payslip per employee paid in that period; a payslip holds its pay items and
deductions as lines and, once calculated, every figure the rule pack returned plus the year-to-date
figures after it. A paid run (and its payslips) never changes again: corrections go in the next run.
None of these tables is ever granted to the consortium's reader role: payroll is private to the co-op.
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
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from consortium.db import Base, BigId, Money, TenantOwned, sql_list, utcnow

FREQUENCIES = ("weekly", "fortnightly", "four_weekly", "monthly")
TAX_BASES = ("cumulative", "week1_month1")
PAY_BASES = ("salary", "hourly")
NI_CATEGORIES = ("A", "B", "C", "D", "E", "F", "H", "I", "J", "K", "L", "M", "N", "S", "V", "X", "Z")
STUDENT_LOAN_PLANS = ("1", "2", "4", "5")
STARTER_DECLARATIONS = ("A", "B", "C")
PENSION_ARRANGEMENTS = ("relief_at_source", "net_pay")
NET_PAY_SHORTFALL = ("refuse", "cap")
RUN_STATES = ("draft", "calculated", "approved", "paid")
CAPITAL_KINDS = ("share_subscription", "loan_repayment")
PAY_KINDS = ("basic", "hourly", "overtime", "bonus", "holiday_pay", "statutory_pay")
DEDUCTION_KINDS = ("deduction", "share_subscription", "loan_repayment")
LINE_KINDS = PAY_KINDS + DEDUCTION_KINDS
# Lines the clerk types in; basic pay and the capital deductions are written by the service.
ENTERED_KINDS = ("hourly", "overtime", "bonus", "holiday_pay", "statutory_pay", "deduction")
HOURLY_KINDS = ("hourly", "overtime")


class PayrollSettings(TenantOwned, Base):
    """A co-op's payroll choices and its workplace pension scheme (one row per co-op)."""

    __tablename__ = "payroll_settings"

    allow_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    net_pay_shortfall: Mapped[str] = mapped_column(String(10), default="refuse")
    claims_employment_allowance: Mapped[bool] = mapped_column(Boolean, default=True)
    pension_provider: Mapped[str | None] = mapped_column(String(200))
    # The Pensions Act 2008 minimum is 8% of qualifying earnings, at least 3% from the employer
    # (gov.uk/workplace-pensions/what-you-your-employer-and-the-government-pay); 5% + 3% is the usual split.
    pension_employee_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("5.00"))
    pension_employer_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("3.00"))
    pension_arrangement: Mapped[str] = mapped_column(String(20), default="relief_at_source")
    paye_reference: Mapped[str | None] = mapped_column(String(20))
    # The jurisdiction pack's own settings (`PayrollRules.settings_fields()`: Italy's INPS and INAIL rates).
    jurisdiction_settings: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_payroll_settings_tenant"),
        CheckConstraint(f"net_pay_shortfall IN {sql_list(NET_PAY_SHORTFALL)}", name="net_pay_shortfall"),
        CheckConstraint(f"pension_arrangement IN {sql_list(PENSION_ARRANGEMENTS)}", name="pension_arrangement"),
        CheckConstraint("pension_employee_percent >= 0 AND pension_employee_percent <= 100",
                        name="pension_employee_percent"),
        CheckConstraint("pension_employer_percent >= 0 AND pension_employer_percent <= 100",
                        name="pension_employer_percent"),
    )


class Employee(TenantOwned, Base):
    """Someone the co-op pays: a worker member of the register or a non-member employee."""

    __tablename__ = "payroll_employees"

    member_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    ni_number: Mapped[str | None] = mapped_column(String(9))
    date_of_birth: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    leave_date: Mapped[date | None] = mapped_column(Date)
    tax_code: Mapped[str] = mapped_column(String(10))
    tax_basis: Mapped[str] = mapped_column(String(15), default="cumulative")
    ni_category: Mapped[str] = mapped_column(String(1), default="A")
    student_loan_plans: Mapped[str] = mapped_column(String(20), default="")  # comma-separated plan numbers
    postgraduate_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    pay_frequency: Mapped[str] = mapped_column(String(15), default="monthly")
    pay_basis: Mapped[str] = mapped_column(String(10), default="salary")
    annual_salary: Mapped[Decimal | None] = mapped_column(Money)
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    standard_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # per pay period
    starter_declaration: Mapped[str | None] = mapped_column(String(1))
    p45_pay: Mapped[Decimal | None] = mapped_column(Money)  # previous employment's pay this tax year
    p45_tax: Mapped[Decimal | None] = mapped_column(Money)
    p45_leaving_date: Mapped[date | None] = mapped_column(Date)
    p45_tax_code: Mapped[str | None] = mapped_column(String(10))
    # What HMRC's starter rules chose: the tax year and the figures brought forward into it, and why.
    brought_forward: Mapped[dict | None] = mapped_column(JSON)
    starter_reason: Mapped[str | None] = mapped_column(String(400))
    # The jurisdiction pack's own fields (`PayrollRules.employee_fields()`: Italy's codice fiscale, CCNL level...).
    jurisdiction_fields: Mapped[dict | None] = mapped_column(JSON)
    pension_enrolled_on: Mapped[date | None] = mapped_column(Date)
    # An active member of the pension scheme: set when a paid run first takes contributions.
    pension_member: Mapped[bool] = mapped_column(Boolean, default=False)
    pension_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    pension_opted_out_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    capital_schedules: Mapped[list["CapitalSchedule"]] = relationship(
        primaryjoin=lambda: and_(foreign(CapitalSchedule.tenant_id) == Employee.tenant_id,
                                 foreign(CapitalSchedule.employee_id) == Employee.id),
        viewonly=True, order_by=lambda: CapitalSchedule.id,
    )

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "ni_number", name="uq_payroll_employees_ni_number"),
        CheckConstraint(f"tax_basis IN {sql_list(TAX_BASES)}", name="tax_basis"),
        CheckConstraint(f"pay_frequency IN {sql_list(FREQUENCIES)}", name="pay_frequency"),
        CheckConstraint(f"pay_basis IN {sql_list(PAY_BASES)}", name="pay_basis"),
        CheckConstraint(f"ni_category IN {sql_list(NI_CATEGORIES)}", name="ni_category"),
        CheckConstraint("starter_declaration IS NULL OR starter_declaration IN ('A', 'B', 'C')",
                        name="starter_declaration"),
        CheckConstraint("leave_date IS NULL OR leave_date >= start_date", name="leave_after_start"),
        CheckConstraint("pay_basis <> 'salary' OR annual_salary IS NOT NULL", name="salary_given"),
        CheckConstraint("pay_basis <> 'hourly' OR (hourly_rate IS NOT NULL AND standard_hours IS NOT NULL)",
                        name="hourly_rate_given"),
        CheckConstraint("annual_salary IS NULL OR annual_salary >= 0", name="salary_not_negative"),
        CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="hourly_rate_not_negative"),
        CheckConstraint("standard_hours IS NULL OR standard_hours >= 0", name="standard_hours_not_negative"),
        CheckConstraint("p45_pay IS NULL OR p45_pay >= 0", name="p45_pay_not_negative"),
        CheckConstraint("NOT pension_opted_out OR pension_opted_out_on IS NOT NULL", name="opt_out_dated"),
        Index("ix_payroll_employees_tenant_name", "tenant_id", "name"),
        Index("ix_payroll_employees_tenant_member", "tenant_id", "member_id"),
    )

    @property
    def plans(self) -> tuple[str, ...]:
        """The student loan plans as a tuple ('2',) of plan numbers."""
        return tuple(plan for plan in self.student_loan_plans.split(",") if plan)

    def employed_during(self, first_day: date, last_day: date) -> bool:
        """True if the employee works for the co-op on some day from `first_day` to `last_day`."""
        return self.start_date <= last_day and (self.leave_date is None or self.leave_date >= first_day)


class CapitalSchedule(TenantOwned, Base):
    """A worker member capitalising the co-op through payroll: a share subscription or a capital-loan repayment.

    `deducted` grows with every paid run; the schedule stops when it reaches `total`.
    """

    __tablename__ = "payroll_capital_schedules"

    employee_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(Money)
    per_period: Mapped[Decimal] = mapped_column(Money)
    start_on: Mapped[date] = mapped_column(Date)  # the first pay date it is deducted on
    deducted: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    lender: Mapped[str | None] = mapped_column(String(200))
    loan_reference: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "employee_id"], ["payroll_employees.tenant_id", "payroll_employees.id"],
                             ondelete="RESTRICT"),
        CheckConstraint(f"kind IN {sql_list(CAPITAL_KINDS)}", name="kind"),
        CheckConstraint("total > 0 AND per_period > 0", name="amounts_positive"),
        CheckConstraint("deducted >= 0 AND deducted <= total", name="deducted_within_total"),
        CheckConstraint("kind <> 'loan_repayment' OR (lender IS NOT NULL AND loan_reference IS NOT NULL)",
                        name="loan_has_lender"),
        Index("ix_payroll_capital_schedules_tenant_employee", "tenant_id", "employee_id"),
    )

    @property
    def balance(self) -> Decimal:
        """What is still to be deducted."""
        return self.total - self.deducted


class PayRun(TenantOwned, Base):
    """One frequency's pay for one tax period: draft, calculated, approved, paid (then locked)."""

    __tablename__ = "payroll_runs"

    frequency: Mapped[str] = mapped_column(String(15))
    tax_year: Mapped[str] = mapped_column(String(7))  # "2026-27"
    period: Mapped[int] = mapped_column(Integer)
    pay_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    calculated_by_id: Mapped[int | None] = mapped_column(Integer)
    calculated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_id: Mapped[int | None] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rules_fingerprint: Mapped[str | None] = mapped_column(String(64))
    gross_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    income_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    employee_ni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    employer_ni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    employment_allowance_used: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    student_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    postgraduate_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    pension_employee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    pension_employer: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    capital_share: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    capital_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    other_deductions: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    net_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    payslips: Mapped[list["Payslip"]] = relationship(
        primaryjoin=lambda: and_(foreign(Payslip.tenant_id) == PayRun.tenant_id, foreign(Payslip.run_id) == PayRun.id),
        viewonly=True, order_by=lambda: (Payslip.employee_name, Payslip.id),
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "frequency", "tax_year", "period", name="uq_payroll_runs_period"),
        CheckConstraint(f"frequency IN {sql_list(FREQUENCIES)}", name="frequency"),
        CheckConstraint(f"state IN {sql_list(RUN_STATES)}", name="state"),
        CheckConstraint("period >= 1 AND period <= 53", name="period_range"),
        CheckConstraint("state <> 'paid' OR (rules_fingerprint IS NOT NULL AND paid_at IS NOT NULL)",
                        name="paid_fingerprinted"),
        CheckConstraint("employment_allowance_used >= 0 AND employment_allowance_used <= employer_ni",
                        name="allowance_within_employer_ni"),
        Index("ix_payroll_runs_tenant_pay_date", "tenant_id", "pay_date", "id"),
    )

    @property
    def employer_cost(self) -> Decimal:
        """What the run costs the co-op: gross pay, employer NI after the employment allowance, employer pension."""
        return self.gross_pay + self.employer_ni - self.employment_allowance_used + self.pension_employer

    @property
    def due_to_hmrc(self) -> Decimal:
        """PAYE, NI (after the employment allowance) and loan deductions the co-op pays HMRC for the period."""
        return (self.income_tax + self.employee_ni + self.employer_ni - self.employment_allowance_used
                + self.student_loan + self.postgraduate_loan)


class Payslip(TenantOwned, Base):
    """One employee's pay in one run: lines in, figures out, year-to-date after this period.

    Audited by the payroll service itself (`PAYSLIP_AUDITED`), one row per payslip whose figures
    changed, written in one statement for a whole run: a 5,000-payslip run stays fast.
    """

    __tablename__ = "payroll_payslips"
    __audited__ = False

    run_id: Mapped[int] = mapped_column(BigId)
    employee_id: Mapped[int] = mapped_column(BigId)
    employee_name: Mapped[str] = mapped_column(String(200))
    tax_code: Mapped[str] = mapped_column(String(10))
    tax_basis: Mapped[str] = mapped_column(String(15))
    ni_category: Mapped[str] = mapped_column(String(1))
    calculated: Mapped[bool] = mapped_column(Boolean, default=False)
    gross_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    pensionable_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    taxable_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    income_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    employee_ni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    employer_ni: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    student_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    postgraduate_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    pension_employee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    pension_employer: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    auto_enrolment: Mapped[str | None] = mapped_column(String(30))
    pension_refund: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    other_deductions: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    capital_share: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    capital_loan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    capital_share_balance: Mapped[Decimal | None] = mapped_column(Money)
    capital_loan_balance: Mapped[Decimal | None] = mapped_column(Money)
    net_pay: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    to_date: Mapped[dict | None] = mapped_column(JSON)  # year-to-date figures after this period, as strings
    ni_earnings: Mapped[dict | None] = mapped_column(JSON)
    notes: Mapped[list | None] = mapped_column(JSON)  # [{"en": ..., "it": ...}], shown in the reader's language
    # The pack's own figures (`PayrollResult.details`, by `PayrollRules.payslip_sections()`), as decimal text.
    details: Mapped[dict | None] = mapped_column(JSON)

    lines: Mapped[list["PayslipLine"]] = relationship(
        primaryjoin=lambda: and_(PayslipLine.tenant_id == Payslip.tenant_id, PayslipLine.payslip_id == Payslip.id),
        cascade="all, delete-orphan", order_by=lambda: PayslipLine.position, back_populates="payslip",
    )
    run: Mapped[PayRun] = relationship(
        primaryjoin=lambda: and_(foreign(Payslip.tenant_id) == PayRun.tenant_id, foreign(Payslip.run_id) == PayRun.id),
        viewonly=True, lazy="joined", innerjoin=True,
    )
    employee: Mapped[Employee] = relationship(
        primaryjoin=lambda: and_(foreign(Payslip.tenant_id) == Employee.tenant_id,
                                 foreign(Payslip.employee_id) == Employee.id),
        viewonly=True,
    )

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "run_id"], ["payroll_runs.tenant_id", "payroll_runs.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "employee_id"], ["payroll_employees.tenant_id", "payroll_employees.id"],
                             ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "run_id", "employee_id", name="uq_payroll_payslips_run_employee"),
        CheckConstraint(f"tax_basis IN {sql_list(TAX_BASES)}", name="tax_basis"),
        CheckConstraint("net_pay >= 0", name="net_pay_not_negative"),
        CheckConstraint("capital_share >= 0 AND capital_loan >= 0 AND other_deductions >= 0",
                        name="deductions_not_negative"),
        Index("ix_payroll_payslips_tenant_employee", "tenant_id", "employee_id"),
    )

    @property
    def employer_cost(self) -> Decimal:
        """Gross pay plus employer NI (before the co-op-level employment allowance) and employer pension."""
        return self.gross_pay + self.employer_ni + self.pension_employer

    @property
    def pay_lines(self) -> list["PayslipLine"]:
        """The pay items (basic, hours, overtime, bonus, holiday, statutory pay)."""
        return [line for line in self.lines if line.kind in PAY_KINDS]

    @property
    def deduction_lines(self) -> list["PayslipLine"]:
        """The deductions after tax and NI (other deductions and capital deductions)."""
        return [line for line in self.lines if line.kind in DEDUCTION_KINDS]


class PayslipLine(TenantOwned, Base):
    """A pay item (hours x rate or an amount) or a deduction on a payslip."""

    __tablename__ = "payroll_payslip_lines"

    payslip_id: Mapped[int] = mapped_column(BigId)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    amount: Mapped[Decimal] = mapped_column(Money)
    pensionable: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule_id: Mapped[int | None] = mapped_column(BigId)

    payslip: Mapped[Payslip] = relationship(
        primaryjoin=lambda: and_(PayslipLine.tenant_id == Payslip.tenant_id, PayslipLine.payslip_id == Payslip.id),
        back_populates="lines",
    )

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "payslip_id"], ["payroll_payslips.tenant_id", "payroll_payslips.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "schedule_id"],
                             ["payroll_capital_schedules.tenant_id", "payroll_capital_schedules.id"],
                             ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "payslip_id", "position", name="uq_payroll_payslip_lines_position"),
        CheckConstraint(f"kind IN {sql_list(LINE_KINDS)}", name="kind"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("(kind NOT IN ('share_subscription', 'loan_repayment')) = (schedule_id IS NULL)",
                        name="capital_line_has_schedule"),
    )


class PayslipEmail(TenantOwned, Base):
    """A paid payslip waiting to be emailed to its employee, and when the email went into the outbox.

    Paying a run writes one row per payslip of an employee with an address (one INSERT); the
    `payroll.payslip_emails` job renders each PDF and queues the email outside the paying request.
    A delivery record, not a business figure: the outbox keeps the message itself.
    """

    __tablename__ = "payroll_payslip_emails"
    __audited__ = False

    run_id: Mapped[int] = mapped_column(BigId)
    payslip_id: Mapped[int] = mapped_column(BigId)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "payslip_id"], ["payroll_payslips.tenant_id", "payroll_payslips.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "run_id"], ["payroll_runs.tenant_id", "payroll_runs.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "payslip_id", name="uq_payroll_payslip_emails_payslip"),
        Index("ix_payroll_payslip_emails_tenant_sent", "tenant_id", "sent_at"),
    )
