"""Mutual-fund API: review of submitted accounts, the fund (contributions, payments, loans, guarantees,
settings, report) for consortium roles, and each co-op's own contributions and statement."""

from flask import Response, current_app, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.mutual_fund import schemas, service
from tenants.accounts import service as accounts

STAFF = ("consortium_admin", "consortium_staff")


class ContributionPage(SQLPage):
    """A page of `service.contribution_rows_query` as `service.ContributionRow`s (what ContributionSchema dumps)."""

    @property
    def items(self):
        return service.contribution_rows(db.session, super().items, **self.collection.get_execution_options())
COOP_READERS = ("treasurer", "viewer")

review_blp = Blueprint("accounts_review_api", __name__, url_prefix="/api/v1/consortium/accounts",
                       description="Review of co-ops' submitted annual accounts")
fund_blp = Blueprint("mutual_fund_api", __name__, url_prefix="/api/v1/consortium/mutual-fund",
                     description="The mutual fund: contributions, payments, ledger, loans, guarantees")
coop_blp = Blueprint("contributions_api", __name__, url_prefix="/api/v1/t/<slug>/contributions",
                     description="A co-op's mutual-fund contributions")


def jurisdiction() -> str:
    """The consortium's jurisdiction code, whose fund defaults apply until changed."""
    return current_app.config["CONSORTIUM_JURISDICTION"]


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download."""
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --------------------------------------------------------------------------- accounts review


@review_blp.route("")
class SubmissionsResource(MethodView):
    @consortium_role_required(*STAFF)
    @review_blp.arguments(schemas.SubmissionQuerySchema, location="query")
    @review_blp.response(200, schemas.SubmissionSchema(many=True))
    @review_blp.paginate(SQLPage)
    def get(self, filters):
        """Accounts submitted by co-ops, newest first; filter by `status` or `year`."""
        return accounts.submissions_query(status=filters.get("status"), year=filters.get("year"))


@review_blp.route("/<int:accounts_id>")
class SubmissionResource(MethodView):
    @consortium_role_required(*STAFF)
    @review_blp.response(200, schemas.SubmissionSchema)
    def get(self, accounts_id):
        """One submitted accounts version with its figures."""
        return accounts.get_submission(db.session, accounts_id)


@review_blp.route("/<int:accounts_id>/accept")
class AcceptResource(MethodView):
    @consortium_role_required(*STAFF)
    @review_blp.arguments(schemas.AcceptSchema)
    @review_blp.response(200, schemas.ContributionSchema)
    def post(self, data, accounts_id):
        """Accept submitted accounts: the year's net profit is fixed and its contribution created."""
        return service.accept_accounts(db.session, accounts_id, accepted_by=current_user.id,
                                       accepted_on=data["accepted_on"] or local_today(), jurisdiction=jurisdiction(),
                                       member_from=data["member_from"], member_until=data["member_until"])


@review_blp.route("/<int:accounts_id>/return")
class ReturnResource(MethodView):
    @consortium_role_required(*STAFF)
    @review_blp.arguments(schemas.ReturnSchema)
    @review_blp.response(200, schemas.SubmissionSchema)
    def post(self, data, accounts_id):
        """Return submitted accounts to the co-op with a comment."""
        return service.return_accounts(db.session, accounts_id, comment=data["comment"], returned_by=current_user.id)


@review_blp.route("/<int:accounts_id>/reopen")
class ReopenResource(MethodView):
    @consortium_role_required("consortium_admin")
    @review_blp.arguments(schemas.ReopenSchema)
    @review_blp.response(200, schemas.SubmissionSchema)
    def post(self, data, accounts_id):
        """Reopen an accepted year with a reason (consortium admin); re-acceptance corrects the contribution."""
        version = accounts.get_submission(db.session, accounts_id)  # read first: the service then writes (Citus)
        service.reopen_accounts(db.session, accounts_id, reason=data["reason"], by=current_user.id)
        return version


# --------------------------------------------------------------------------- the fund


@fund_blp.route("")
class FundResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, schemas.FundOverviewSchema)
    def get(self):
        """The fund's balance, totals by movement and exposure today."""
        return service.fund_overview(db.session, local_today(), jurisdiction=jurisdiction())


@fund_blp.route("/ledger")
class LedgerResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.YearQuerySchema, location="query")
    @fund_blp.response(200, schemas.LedgerEntrySchema(many=True))
    @fund_blp.paginate(SQLPage)
    def get(self, filters):
        """The fund's ledger, newest first: every movement with its balanced pair of postings."""
        return service.ledger_query(year=filters.get("year"))


@fund_blp.route("/contributions")
class ContributionsResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.ContributionQuerySchema, location="query")
    @fund_blp.response(200, schemas.ContributionSchema(many=True))
    @fund_blp.paginate(ContributionPage)
    def get(self, filters):
        """Every co-op's contributions, newest year first; filter by `year` or `tenant` (slug)."""
        tenant_id = schemas.tenant_id_for_slug(filters["tenant"], "tenant") if "tenant" in filters else None
        return service.contribution_rows_query(service.contributions_query(year=filters.get("year"),
                                                                           tenant_id=tenant_id))


@fund_blp.route("/payments")
class PaymentsResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.PaymentSchema)
    @fund_blp.response(201, schemas.PaymentOutSchema)
    def post(self, data):
        """Record a payment against a contribution, named by `reference` or `contribution_id`."""
        contribution = service.get_contribution(db.session, contribution_id=data.get("contribution_id"),
                                                reference=data.get("reference"))
        return service.record_payment(db.session, contribution, amount=data["amount"], paid_on=data["paid_on"],
                                      recorded_by=current_user.id)


@fund_blp.route("/payments/import")
class PaymentsImportResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.BankStatementSchema, location="files")
    @fund_blp.response(200, schemas.ImportResultSchema)
    def post(self, files):
        """Import a bank statement CSV (date, description, amount): lines quoting a contribution reference
        are recorded, the others listed; importing the same lines again records nothing twice."""
        return service.import_bank_statement(db.session, files["file"].read(), recorded_by=current_user.id)


@fund_blp.route("/loans")
class LoansResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, schemas.LoanSummarySchema(many=True))
    @fund_blp.paginate(SQLPage)
    def get(self):
        """Every loan of the fund, newest first, with its arrears today."""
        return service.loans_query()

    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.LoanSchema)
    @fund_blp.response(201, schemas.LoanOutSchema)
    def post(self, data):
        """Grant a loan with its repayment schedule; refused (422) beyond the exposure limit, saying by how much."""
        tenant_id = (schemas.tenant_id_for_slug(data["borrower_tenant"], "borrower_tenant")
                     if "borrower_tenant" in data else None)
        name = data.get("borrower_name") or schemas.tenant_name(tenant_id)
        return service.grant_loan(
            db.session, borrower_tenant_id=tenant_id, incubation_project_id=data.get("incubation_project_id"),
            borrower_name=name, principal=data["principal"], annual_rate=data["annual_rate"], months=data["months"],
            method=data["method"], first_due=data["first_due"], granted_on=data["granted_on"] or local_today(),
            granted_by=current_user.id,
        )


@fund_blp.route("/loans/<int:loan_id>")
class LoanResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, schemas.LoanOutSchema)
    def get(self, loan_id):
        """One loan with its schedule, repayments and arrears today."""
        return service.get_loan(db.session, loan_id)


@fund_blp.route("/loans/<int:loan_id>/repayments")
class RepaymentsResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.MoneyOnDateSchema)
    @fund_blp.response(201, schemas.RepaymentOutSchema)
    def post(self, data, loan_id):
        """Record a repayment; it covers the schedule in order, each instalment's interest first."""
        return service.record_repayment(db.session, service.get_loan(db.session, loan_id), amount=data["amount"],
                                        paid_on=data["paid_on"], recorded_by=current_user.id)


@fund_blp.route("/guarantees")
class GuaranteesResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, schemas.GuaranteeOutSchema(many=True))
    @fund_blp.paginate(SQLPage)
    def get(self):
        """Every guarantee, soonest expiry first."""
        return service.guarantees_query()

    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.GuaranteeSchema)
    @fund_blp.response(201, schemas.GuaranteeOutSchema)
    def post(self, data):
        """Give a guarantee to a bank on a member's loan; refused (422) beyond the exposure limit."""
        return service.give_guarantee(
            db.session, tenant_id=schemas.tenant_id_for_slug(data["tenant"], "tenant"), bank_name=data["bank_name"],
            amount=data["amount"], issued_on=data["issued_on"] or local_today(), expires_on=data["expires_on"],
            description=data["description"], created_by=current_user.id,
        )


@fund_blp.route("/guarantees/<int:guarantee_id>/calls")
class GuaranteeCallsResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.MoneyOnDateSchema)
    @fund_blp.response(201, schemas.GuaranteeCallOutSchema)
    def post(self, data, guarantee_id):
        """Record that the bank called (part of) a guarantee: the fund pays out."""
        return service.call_guarantee(db.session, service.get_guarantee(db.session, guarantee_id),
                                      amount=data["amount"], called_on=data["paid_on"], recorded_by=current_user.id)


@fund_blp.route("/settings")
class SettingsResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, schemas.SettingsSchema)
    def get(self):
        """The fund's settings (the jurisdiction's defaults until an admin changes them)."""
        return service.get_settings(db.session, jurisdiction())

    @consortium_role_required("consortium_admin")
    @fund_blp.arguments(schemas.SettingsUpdateSchema)
    @fund_blp.response(200, schemas.SettingsSchema)
    def patch(self, changes):
        """Change the settings (consortium admin); contributions already fixed keep their rate."""
        return service.update_settings(db.session, changes, jurisdiction=jurisdiction())


@fund_blp.route("/report.pdf")
class ReportResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.arguments(schemas.YearQuerySchema, location="query")
    @fund_blp.response(200, description="The fund's annual report as PDF")
    def get(self, filters):
        """The fund's annual report (PDF): balance, movements, contributions by co-op, loans, guarantees, arrears."""
        from shared_services.mutual_fund import documents
        year = filters.get("year") or local_today().year
        data = documents.fund_report_pdf(db.session, year, today=local_today(), jurisdiction=jurisdiction(),
                                         consortium_name=current_app.config["CONSORTIUM_NAME"])
        return pdf_response(data, f"mutual-fund-report-{year}.pdf")


# --------------------------------------------------------------------------- a co-op's own


@coop_blp.route("")
class OwnContributionsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.ContributionSchema(many=True))
    @coop_blp.paginate(ContributionPage)
    def get(self):
        """The co-op's contributions to the mutual fund, newest year first."""
        # the list shows totals, not the payments
        return service.contribution_rows_query(service.own_contributions_query(history=False))


@coop_blp.route("/statement.pdf")
class StatementResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, description="The co-op's contribution statement as PDF")
    def get(self):
        """The co-op's contribution statement (PDF): every year, corrections and payments, balance owed."""
        return statement_response(g.tenant)


def statement_response(tenant) -> Response:
    """A co-op's contribution statement as a PDF download."""
    from shared_services.mutual_fund import documents
    data = documents.statement_for(db.session, tenant, today=local_today(), jurisdiction=jurisdiction(),
                                   consortium_name=current_app.config["CONSORTIUM_NAME"])
    return pdf_response(data, f"contribution-statement-{tenant.slug}.pdf")


@fund_blp.route("/coops/<coop>/statement.pdf")
class CoopStatementResource(MethodView):
    @consortium_role_required(*STAFF)
    @fund_blp.response(200, description="A co-op's contribution statement as PDF")
    def get(self, coop):
        """A co-op's contribution statement (consortium staff), the same the co-op downloads; 404 for no such co-op."""
        return statement_response(service.coop_by_slug(db.session, coop))
