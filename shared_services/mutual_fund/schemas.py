"""Mutual-fund input and output shapes: settings, review decisions, contributions, payments, loans, guarantees."""

from flask import current_app, g
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from consortium.clock import local_today
from consortium.dumping import PlainDumpSchema
from consortium.extensions import db
from consortium.fields import BoundedInt, Computed, DecimalString, Money, UtcDateTime
from consortium.i18n import _
from consortium.models import Tenant
from shared_services.mutual_fund.calculations import DUE_BASES, LOAN_METHODS
from shared_services.mutual_fund.service import CurrentTerms, current_terms, get_settings, loan_arrears


def _positive_money(**kwargs) -> DecimalString:
    return Money(required=True, validate=validate.Range(min=0, min_inclusive=False), **kwargs)


def _percent(**kwargs) -> DecimalString:
    return DecimalString(places=4, validate=validate.Range(min=0, max=100), **kwargs)


def tenant_slug(tenant_id: int | None) -> str | None:
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return tenant.slug if tenant else None


def tenant_name(tenant_id: int | None) -> str | None:
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return tenant.name if tenant else None


def tenant_id_for_slug(slug: str, field_name: str) -> int:
    """The id of the co-op with this slug, or a validation error naming the field."""
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise ValidationError({field_name: [f"no co-op '{slug}'"]})
    return tenant_id


class SettingsSchema(Schema):
    """The fund's settings (percentages as numbers: 3 means 3%)."""

    rate = _percent(required=True)
    minimum = Money(required=True, validate=validate.Range(min=0))
    due_days = BoundedInt(required=True, validate=validate.Range(min=0, max=3650))
    legal_reserve_share = _percent(required=True)
    exposure_multiple = DecimalString(places=4, required=True,
                                      validate=validate.Range(min=0, max=1000))
    associations = BoundedInt(required=True, validate=validate.Range(min=1, max=10))
    reminder_days_before = fields.List(BoundedInt(validate=validate.Range(min=0, max=365)), required=True,
                                       validate=validate.Length(max=10))
    reminder_days_after = fields.List(BoundedInt(validate=validate.Range(min=1, max=365)), required=True,
                                      validate=validate.Length(max=10))
    due_basis = fields.Str(validate=validate.OneOf(DUE_BASES), metadata={
        "description": "what due_days counts from: 'approval' (the members' assembly approved the accounts; 60 "
                       "days for co-ops in an association, Law 59/1992 art. 11) or 'year_end' (the end of the "
                       "financial year; 300 days for co-ops in no association, which pay the State)"})
    bank_account_name = fields.Str(allow_none=True, validate=validate.Length(max=140),
                                   metadata={"description": "the holder of the fund's bank account"})
    bank_iban = fields.Str(allow_none=True, validate=validate.Length(max=42),
                           metadata={"description": "the fund's IBAN, printed on statements and reminders"})
    source = fields.Str(dump_only=True)
    updated_at = UtcDateTime(dump_only=True, allow_none=True)


class SettingsUpdateSchema(SettingsSchema):
    """Changes to the settings: every field optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class AcceptSchema(Schema):
    """Accepting accounts: the day of acceptance (today when left out) and, for a co-op that joined or left the
    association during the year, the days it belonged (the contribution is then pro rata by days)."""

    accepted_on = fields.Date(load_default=None)
    member_from = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the day the co-op joined the association, if during the accounts' year"})
    member_until = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the day the co-op left the association, if during the accounts' year"})

    @validates_schema
    def _not_future(self, data, **kwargs):
        if data.get("accepted_on") and data["accepted_on"] > local_today():
            raise ValidationError(_("must not be in the future"), "accepted_on")


class ReturnSchema(Schema):
    """Returning accounts to the co-op: the comment the treasurer will read."""

    comment = fields.Str(required=True, validate=validate.Length(min=1, max=5000))


class ReopenSchema(Schema):
    """Reopening an accepted year: why (consortium admin)."""

    reason = fields.Str(required=True, validate=validate.Length(min=1, max=5000))


class SubmissionQuerySchema(Schema):
    """Filters for the submissions list."""

    status = fields.Str(validate=validate.OneOf(("submitted", "returned", "accepted", "reopened")))
    year = BoundedInt(validate=validate.Range(min=1900, max=9999))


class SubmissionSchema(Schema):
    """A version of a co-op's accounts as the consortium reviews it."""

    id = BoundedInt()
    tenant_id = BoundedInt()
    tenant = fields.Function(lambda version: tenant_slug(version.tenant_id))
    tenant_name = fields.Function(lambda version: tenant_name(version.tenant_id))
    year = BoundedInt()
    version = BoundedInt()
    status = fields.Str()
    net_profit = Money()
    total_turnover = Money()
    figures = fields.Dict(keys=fields.Str(), values=Money())
    submitted_at = UtcDateTime()
    assembly_approved_on = fields.Date()
    accepted_on = fields.Date()
    return_comment = fields.Str()
    reopen_reason = fields.Str()


class ContributionQuerySchema(Schema):
    """Filters for the consortium's contributions list."""

    year = BoundedInt(validate=validate.Range(min=1900, max=9999))
    tenant = fields.Str(metadata={"description": "a co-op's slug"})


class ContributionSchema(PlainDumpSchema):
    """A co-op's contribution for one year (dumped by a precompiled plan: the API's hot lists, issue 16)."""

    id = BoundedInt()
    tenant_id = BoundedInt()
    tenant = Computed(lambda contribution: contribution.tenant.slug)
    year = BoundedInt()
    accounts_version_id = BoundedInt()
    reference = fields.Str()
    net_profit = Money()
    prior_losses_covered = Money(metadata={"description": "of the net profit, the part covering prior years' losses"})
    ristorni = Money(metadata={"description": "of the net profit, the ristorni allocated from it"})
    base = Money(metadata={"description": "net profit - prior_losses_covered - ristorni (never below 0)"})
    rate = DecimalString(places=4)
    full_year_amount = Money(allow_none=True, metadata={
        "description": "base x rate, before the pro-rata share of a co-op that was a member only part of the year"})
    days_member = fields.Int(allow_none=True)
    days_in_year = fields.Int(allow_none=True)
    member_from = fields.Date(allow_none=True)
    member_until = fields.Date(allow_none=True)
    amount = Money()
    adjustments_total = Money()
    total_due = Money()
    paid_amount = Money()
    outstanding = Money()
    legal_reserve = Computed(lambda contribution: str(_current_terms(contribution).legal_reserve), metadata={
        "description": "the legal-reserve allocation shown for information (decimal string); after a reopened "
                       "year was accepted again, that of the corrected net profit"})
    approved_on = fields.Date(metadata={"description": "the day the consortium accepted the accounts"})
    assembly_approved_on = fields.Date(allow_none=True, metadata={
        "description": "the day the co-op's members' assembly approved the accounts"})
    due_basis = fields.Str()
    due_date = fields.Date()
    currency = fields.Str()
    status = fields.Str(metadata={"description": "nothing_due, due, part_paid, paid or reopened; whether it is late "
                                                 "is `overdue`"})
    overdue = Computed(lambda contribution: contribution.is_overdue(local_today()), metadata={
        "description": "true when the due date has passed and money is still owed (status due or part_paid)"})
    explanation = Computed(lambda contribution: _current_terms(contribution).explanation, metadata={
        "description": "how the amount was worked out; after a correction it says so, the original amount and "
                       "the correcting entries"})
    reopen_reason = fields.Str()


def _current_terms(contribution) -> CurrentTerms:
    """The contribution's figures now; the fund's settings are read once per request, and only for corrected years."""
    if not contribution.adjustments:
        return current_terms(contribution, legal_reserve_share=None)
    if "fund_legal_reserve_share" not in g:
        settings = get_settings(db.session, current_app.config["CONSORTIUM_JURISDICTION"])
        g.fund_legal_reserve_share = settings.legal_reserve_share
    return current_terms(contribution, g.fund_legal_reserve_share)


class PaymentSchema(Schema):
    """A payment against a contribution, named by its reference or id."""

    reference = fields.Str(validate=validate.Length(min=1, max=80))
    contribution_id = BoundedInt()
    amount = _positive_money()
    paid_on = fields.Date(required=True, data_key="date")

    @validates_schema
    def _one_contribution(self, data, **kwargs):
        if ("reference" in data) == ("contribution_id" in data):
            raise ValidationError(_("give either the contribution's reference or its id"), "reference")

    @validates_schema
    def _not_future(self, data, **kwargs):
        if data.get("paid_on") and data["paid_on"] > local_today():
            raise ValidationError(_("must not be in the future"), "date")


class PaymentOutSchema(Schema):
    """A recorded payment."""

    id = BoundedInt()
    tenant_id = BoundedInt()
    contribution_id = BoundedInt()
    paid_on = fields.Date(data_key="date")
    amount = Money()
    source = fields.Str()
    description = fields.Str()


class BankStatementSchema(Schema):
    """A bank statement CSV with the columns date, description, amount."""

    file = Upload(required=True)


class ImportedLineSchema(Schema):
    """One statement line and what became of it."""

    row = BoundedInt()
    line_date = fields.Date(data_key="date")
    description = fields.Str()
    amount = Money()
    status = fields.Str()
    reference = fields.Str()
    reason = fields.Str()
    payment_id = BoundedInt()


class ImportResultSchema(Schema):
    """Lines recorded now, recorded by an earlier import, and unmatched (never guessed)."""

    recorded = fields.List(fields.Nested(ImportedLineSchema))
    already_imported = fields.List(fields.Nested(ImportedLineSchema))
    unmatched = fields.List(fields.Nested(ImportedLineSchema))


class LoanSchema(Schema):
    """A loan to grant: to a member co-op (its slug) or to an incubation project."""

    borrower_tenant = fields.Str(metadata={"description": "slug of the borrowing member co-op"})
    incubation_project_id = BoundedInt(validate=validate.Range(min=1))
    borrower_name = fields.Str(validate=validate.Length(min=1, max=200))
    principal = _positive_money()
    annual_rate = _percent(required=True)
    months = BoundedInt(required=True, validate=validate.Range(min=1, max=600))
    method = fields.Str(required=True, validate=validate.OneOf(LOAN_METHODS))
    first_due = fields.Date(required=True)
    granted_on = fields.Date(load_default=None)

    @validates_schema
    def _borrower(self, data, **kwargs):
        if "borrower_tenant" not in data and "incubation_project_id" not in data:
            raise ValidationError(_("name the borrowing co-op or the incubation project"), "borrower_tenant")
        if "borrower_tenant" not in data and not data.get("borrower_name"):
            raise ValidationError(_("required for a loan to an incubation project"), "borrower_name")


class InstalmentSchema(Schema):
    """One instalment of a loan's schedule."""

    number = BoundedInt()
    due_date = fields.Date()
    principal = Money()
    interest = Money()
    payment = Money()
    balance_after = Money()


class ArrearsSchema(Schema):
    """Where the borrower stands against the schedule today."""

    due_to_date = Money()
    paid_to_date = Money()
    arrears_amount = Money()
    instalments_overdue = BoundedInt()
    oldest_overdue_due_date = fields.Date()
    days_overdue = BoundedInt()


class RepaymentOutSchema(Schema):
    """A recorded repayment, split into principal and interest."""

    id = BoundedInt()
    loan_id = BoundedInt()
    paid_on = fields.Date(data_key="date")
    amount = Money()
    principal_part = Money()
    interest_part = Money()


class LoanOutSchema(Schema):
    """A loan with its schedule, repayments and arrears today."""

    id = BoundedInt()
    borrower_tenant_id = BoundedInt()
    borrower_tenant = fields.Function(lambda loan: tenant_slug(loan.borrower_tenant_id))
    incubation_project_id = BoundedInt()
    borrower_name = fields.Str()
    principal = Money()
    annual_rate = DecimalString(places=4)
    months = BoundedInt()
    method = fields.Str()
    first_due = fields.Date()
    granted_on = fields.Date()
    principal_repaid = Money()
    interest_paid = Money()
    outstanding_principal = Money()
    arrears = fields.Function(lambda loan: ArrearsSchema().dump(loan_arrears(loan, local_today())))
    instalments = fields.List(fields.Nested(InstalmentSchema))
    repayments = fields.List(fields.Nested(RepaymentOutSchema))


class LoanSummarySchema(LoanOutSchema):
    """A loan in a list: no schedule."""

    class Meta:
        exclude = ("instalments", "repayments")


class MoneyOnDateSchema(Schema):
    """An amount paid on a date (loan repayment, guarantee call)."""

    amount = _positive_money()
    paid_on = fields.Date(required=True, data_key="date")

    @validates_schema
    def _not_future(self, data, **kwargs):
        if data.get("paid_on") and data["paid_on"] > local_today():
            raise ValidationError(_("must not be in the future"), "date")


class GuaranteeSchema(Schema):
    """A guarantee to give a bank on a member co-op's loan."""

    tenant = fields.Str(required=True, metadata={"description": "slug of the member co-op"})
    bank_name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    amount = _positive_money()
    issued_on = fields.Date(load_default=None)
    expires_on = fields.Date(required=True)
    description = fields.Str(load_default=None, validate=validate.Length(max=2000))


class GuaranteeCallOutSchema(Schema):
    """A call on a guarantee."""

    id = BoundedInt()
    guarantee_id = BoundedInt()
    called_on = fields.Date(data_key="date")
    amount = Money()


class GuaranteeOutSchema(Schema):
    """A guarantee given by the fund, with what is still live today."""

    id = BoundedInt()
    tenant_id = BoundedInt()
    tenant = fields.Function(lambda guarantee: guarantee.tenant.slug)
    bank_name = fields.Str()
    amount = Money()
    issued_on = fields.Date()
    expires_on = fields.Date()
    description = fields.Str()
    called_amount = Money()
    live_amount = fields.Function(lambda guarantee: str(guarantee.live_amount(local_today())))
    calls = fields.List(fields.Nested(GuaranteeCallOutSchema))


class FundOverviewSchema(Schema):
    """The fund's balance, totals and exposure."""

    on = fields.Date()
    currency = fields.Str()
    balance = Money()
    contributions_due = Money()
    contributions_received = Money()
    contributions_outstanding = Money()
    loans_out = Money()
    repayments_principal = Money()
    interest = Money()
    guarantee_calls = Money()
    outstanding_loans = Money()
    live_guarantees = Money()
    exposure_multiple = DecimalString(places=4)
    exposure_limit = Money()
    headroom = Money()
    ledger_balanced = fields.Bool()


class PostingSchema(Schema):
    """One side of a ledger entry."""

    account = fields.Str()
    debit = Money()
    credit = Money()


class LedgerEntrySchema(Schema):
    """A fund movement and its balanced pair of postings."""

    id = BoundedInt()
    entry_date = fields.Date()
    kind = fields.Str()
    description = fields.Str()
    tenant_id = BoundedInt()
    contribution_id = BoundedInt()
    loan_id = BoundedInt()
    guarantee_id = BoundedInt()
    amount = Money()
    postings = fields.List(fields.Nested(PostingSchema))


class YearQuerySchema(Schema):
    """A calendar year (the current one when left out)."""

    year = BoundedInt(validate=validate.Range(min=1900, max=9999))
