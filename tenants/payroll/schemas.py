"""Payroll input and output shapes (API and pages share them)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consortium.fields import BoundedInt, DecimalString, Money
from consortium.i18n import _, _l
from tenants.payroll.models import (
    CAPITAL_KINDS,
    ENTERED_KINDS,
    FREQUENCIES,
    LINE_KINDS,
    NET_PAY_SHORTFALL,
    NI_CATEGORIES,
    PAY_BASES,
    PENSION_ARRANGEMENTS,
    RUN_STATES,
    STARTER_DECLARATIONS,
    STUDENT_LOAN_PLANS,
    TAX_BASES,
)
from tenants.payroll.service import line_text, note_text

NOT_NEGATIVE = validate.Range(min=0, error=_l("must not be negative"))
POSITIVE = validate.Range(min=0, min_inclusive=False, error=_l("must be more than 0"))
TAX_YEAR = validate.Regexp(r"^\d{4}(-\d{2})?$", error=_l("a tax year like 2026-27 (UK) or 2026 (Italy)"))




class PlansField(fields.Field):
    """Student loan plans: a list ["1", "2"] (API) or a comma-separated string "1,2" (forms and storage)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return [plan for plan in (value or "").split(",") if plan]

    def _deserialize(self, value, attr, data, **kwargs):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValidationError(_("a list of plans, e.g. [\"2\"]"))
        plans = [str(item).strip() for item in items if str(item).strip()]
        unknown = [plan for plan in plans if plan not in STUDENT_LOAN_PLANS]
        if unknown:
            raise ValidationError(_("unknown plan %(plans)s; plans are 1, 2, 4 and 5", plans=", ".join(unknown)))
        return tuple(plans)


class EmployeeSchema(Schema):
    """An employee as read and written."""

    id = BoundedInt(dump_only=True)
    member_id = BoundedInt(allow_none=True, metadata={"description": "a worker member of the co-op's register"})
    name = fields.Str(validate=validate.Length(min=1, max=200),
                      metadata={"description": "defaults to the linked member's name"})
    email = fields.Email(allow_none=True, metadata={"description": "payslip notices are emailed here"})
    street = fields.Str(allow_none=True, validate=validate.Length(max=200))
    city = fields.Str(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=20))
    ni_number = fields.Str(allow_none=True, validate=validate.Length(max=13))
    date_of_birth = fields.Date(required=True)
    start_date = fields.Date(required=True)
    leave_date = fields.Date(allow_none=True)
    tax_code = fields.Str(validate=validate.Length(min=1, max=12),
                          metadata={"description": "as HMRC issued it, e.g. 1257L, S1257L, K475, BR, D0, NT; "
                                                   "may be left out for a new starter with a declaration or P45"})
    tax_basis = fields.Str(validate=validate.OneOf(TAX_BASES, error=_l("must be one of: cumulative, week1_month1")))
    ni_category = fields.Str(validate=validate.OneOf(NI_CATEGORIES, error=_l("not an NI category letter")))
    student_loan_plans = PlansField(metadata={"description": "undergraduate plans: 1, 2, 4, 5"})
    postgraduate_loan = fields.Bool()
    pay_frequency = fields.Str(validate=validate.OneOf(FREQUENCIES))
    pay_basis = fields.Str(validate=validate.OneOf(PAY_BASES))
    annual_salary = Money(allow_none=True, validate=NOT_NEGATIVE)
    hourly_rate = DecimalString(places=4, allow_none=True, validate=NOT_NEGATIVE)
    standard_hours = DecimalString(places=2, allow_none=True, validate=NOT_NEGATIVE,
                                    metadata={"description": "hours in a normal pay period"})
    starter_declaration = fields.Str(allow_none=True, validate=validate.OneOf(STARTER_DECLARATIONS))
    p45_pay = Money(allow_none=True, validate=NOT_NEGATIVE, metadata={"description": "P45 total pay to date"})
    p45_tax = Money(allow_none=True, metadata={"description": "P45 total tax to date"})
    p45_leaving_date = fields.Date(allow_none=True)
    p45_tax_code = fields.Str(allow_none=True, validate=validate.Length(max=12))
    starter_reason = fields.Str(dump_only=True)
    pension_enrolled_on = fields.Date(allow_none=True)
    pension_member = fields.Bool(metadata={"description": "an active member of the scheme (set when a paid run "
                                                          "first takes contributions, or by hand for an opt-in)"})
    pension_opted_out = fields.Bool()
    pension_opted_out_on = fields.Date(allow_none=True)
    jurisdiction_fields = fields.Dict(
        keys=fields.Str(), values=fields.Raw(allow_none=True), allow_none=True,
        metadata={"description": "the fields the co-op's jurisdiction adds (GET /payroll-fields): for Italy "
                                 "codice_fiscale, ccnl_level, contract, part_time_percent, region, comune, "
                                 "spouse_dependent, children_dependent, children_share, other_dependants, "
                                 "disadvantage_category, seniority_pay"})

    @validates_schema
    def _dates(self, data, partial=None, **kwargs):
        if data.get("leave_date") and data.get("start_date") and data["leave_date"] < data["start_date"]:
            raise ValidationError(_("must not be before the start date"), "leave_date")


class EmployeeUpdateSchema(EmployeeSchema):
    """Changes to an employee: every field optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class EmployeeOutSchema(EmployeeSchema):
    """An employee as read, with the linked member's Type B disadvantaged flag and capital schedules."""

    disadvantaged = fields.Bool(dump_only=True, metadata={"description": "the linked member is a Type B "
                                                                          "disadvantaged worker"})
    capital_schedules = fields.List(fields.Nested(lambda: CapitalScheduleSchema()), dump_only=True)


class CapitalScheduleSchema(Schema):
    """A share subscription paid in instalments, or a capital-loan repayment to a lender."""

    id = BoundedInt(dump_only=True)
    kind = fields.Str(required=True, validate=validate.OneOf(CAPITAL_KINDS))
    total = Money(required=True, validate=POSITIVE)
    per_period = Money(required=True, validate=POSITIVE)
    start_on = fields.Date(required=True, metadata={"description": "the first pay date it is deducted on"})
    lender = fields.Str(allow_none=True, validate=validate.Length(max=200))
    loan_reference = fields.Str(allow_none=True, validate=validate.Length(max=60))
    deducted = Money(dump_only=True)
    balance = Money(dump_only=True)


class PayrollSettingsSchema(Schema):
    """The co-op's payroll settings and pension scheme."""

    allow_self_approval = fields.Bool(metadata={"description": "let the person who calculated a run approve it"})
    net_pay_shortfall = fields.Str(validate=validate.OneOf(NET_PAY_SHORTFALL))
    claims_employment_allowance = fields.Bool()
    pension_provider = fields.Str(allow_none=True, validate=validate.Length(max=200))
    pension_employee_percent = DecimalString(places=2, validate=validate.Range(min=0, max=100))
    pension_employer_percent = DecimalString(places=2, validate=validate.Range(min=0, max=100))
    pension_arrangement = fields.Str(validate=validate.OneOf(PENSION_ARRANGEMENTS))
    paye_reference = fields.Str(allow_none=True, validate=validate.Length(max=20))
    jurisdiction_settings = fields.Dict(
        keys=fields.Str(), values=fields.Raw(allow_none=True), allow_none=True,
        metadata={"description": "the settings the co-op's jurisdiction adds: for Italy employer_inps_percent "
                                 "and inail_percent, the co-op's own rates"})


class RunCreateSchema(Schema):
    """A new pay run."""

    frequency = fields.Str(required=True, validate=validate.OneOf(FREQUENCIES))
    pay_date = fields.Date(required=True)


class PayrollLineSchema(Schema):
    """A pay item or deduction on a payslip."""

    id = BoundedInt(dump_only=True)
    position = BoundedInt(dump_only=True)
    kind = fields.Str(required=True, validate=validate.OneOf(LINE_KINDS))
    description = fields.Str(validate=validate.Length(max=200))
    hours = DecimalString(places=2, allow_none=True, validate=NOT_NEGATIVE)
    rate = DecimalString(places=4, allow_none=True, validate=NOT_NEGATIVE)
    amount = Money(allow_none=True, validate=NOT_NEGATIVE)
    pensionable = fields.Bool()
    text = fields.Function(lambda line: line_text(line), dump_only=True,
                           metadata={"description": "what the line says on the payslip, in the caller's language"})

    @validates_schema
    def _entered(self, data, partial=None, **kwargs):
        if data.get("kind") not in ENTERED_KINDS:
            raise ValidationError(_("basic pay and capital instalments are written by the payroll itself"), "kind")


class PayslipSchema(Schema):
    """One employee's payslip in a run."""

    id = BoundedInt()
    run_id = BoundedInt()
    employee_id = BoundedInt()
    employee_name = fields.Str()
    tax_code = fields.Str()
    tax_basis = fields.Str()
    ni_category = fields.Str()
    calculated = fields.Bool()
    auto_enrolment = fields.Str()
    gross_pay = Money(dump_only=True)
    pensionable_pay = Money(dump_only=True)
    taxable_pay = Money(dump_only=True)
    income_tax = Money(dump_only=True)
    employee_ni = Money(dump_only=True)
    employer_ni = Money(dump_only=True)
    student_loan = Money(dump_only=True)
    postgraduate_loan = Money(dump_only=True)
    pension_employee = Money(dump_only=True)
    pension_employer = Money(dump_only=True)
    pension_refund = Money(dump_only=True)
    other_deductions = Money(dump_only=True)
    capital_share = Money(dump_only=True)
    capital_loan = Money(dump_only=True)
    capital_share_balance = Money(dump_only=True)
    capital_loan_balance = Money(dump_only=True)
    net_pay = Money(dump_only=True)
    employer_cost = Money(dump_only=True)
    to_date = fields.Dict(keys=fields.Str(), values=fields.Str())
    details = fields.Dict(keys=fields.Str(), values=fields.Str(),
                          metadata={"description": "the jurisdiction's own figures (Italy: detrazioni, TFR, relief)"})
    notes = fields.Function(lambda payslip: [note_text(note) for note in payslip.notes or []],
                            metadata={"description": "the rule pack's and payroll's notes, in the caller's language"})
    lines = fields.List(fields.Nested(PayrollLineSchema))


class RunSchema(Schema):
    """A pay run with its totals."""

    id = BoundedInt()
    frequency = fields.Str()
    tax_year = fields.Str()
    period = BoundedInt()
    pay_date = fields.Date()
    state = fields.Str(metadata={"enum": list(RUN_STATES)})
    created_by_id = BoundedInt()
    calculated_by_id = BoundedInt()
    calculated_at = fields.DateTime()
    approved_by_id = BoundedInt()
    approved_at = fields.DateTime()
    paid_by_id = BoundedInt()
    paid_at = fields.DateTime()
    rules_fingerprint = fields.Str()
    gross_pay = Money(dump_only=True)
    income_tax = Money(dump_only=True)
    employee_ni = Money(dump_only=True)
    employer_ni = Money(dump_only=True)
    employment_allowance_used = Money(dump_only=True)
    student_loan = Money(dump_only=True)
    postgraduate_loan = Money(dump_only=True)
    pension_employee = Money(dump_only=True)
    pension_employer = Money(dump_only=True)
    capital_share = Money(dump_only=True)
    capital_loan = Money(dump_only=True)
    other_deductions = Money(dump_only=True)
    net_pay = Money(dump_only=True)
    employer_cost = Money(dump_only=True)
    due_to_hmrc = Money(dump_only=True)
    payslip_count = fields.Function(lambda run: len(run.payslips))


class RunQuerySchema(Schema):
    """Filters for the pay-run list."""

    tax_year = fields.Str(validate=TAX_YEAR)
    state = fields.Str(validate=validate.OneOf(RUN_STATES))


class JournalQuerySchema(Schema):
    """The journal's file format."""

    format = fields.Str(load_default="csv", validate=validate.Regexp(r"^[a-z_]{2,20}$", error=_l("csv, xlsx or an "
                                                                        "export of the co-op's rules (Italy: lul)")))


class YearEndQuerySchema(Schema):
    """Which tax year."""

    tax_year = fields.Str(validate=TAX_YEAR,
                          metadata={"description": "defaults to the tax year of today"})


class YearEndEmployeeSchema(Schema):
    """One employee's P60-like figures."""

    employee_id = BoundedInt()
    name = fields.Str()
    ni_number = fields.Str()
    final_tax_code = fields.Str()
    pay_this_employment = Money(dump_only=True)
    tax_this_employment = Money(dump_only=True)
    pay_previous = Money(dump_only=True)
    tax_previous = Money(dump_only=True)
    employee_ni = Money(dump_only=True)
    employer_ni = Money(dump_only=True)
    student_loan = Money(dump_only=True)
    postgraduate_loan = Money(dump_only=True)
    pension_employee = Money(dump_only=True)
    pension_employer = Money(dump_only=True)


class YearEndSchema(Schema):
    """The tax year per employee, and the co-op's totals."""

    tax_year = fields.Str()
    employees = fields.List(fields.Nested(YearEndEmployeeSchema))
    totals = fields.Dict(keys=fields.Str(), values=DecimalString(places=2))
