"""The consortium's mutual fund: members' yearly contributions in, loans and guarantees out."""


def register(app, api):
    """Attach the accounts review, the fund's API and pages, its reminders job and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_home_tasks, add_nav_link
    from shared_services.mutual_fund import api as fund_api
    from shared_services.mutual_fund import jobs, views
    from shared_services.mutual_fund.demo import load_demo_fund

    for blueprint in (fund_api.review_blp, fund_api.fund_blp, fund_api.coop_blp):
        api.register_blueprint(blueprint)
    for blueprint in (views.review_blp, views.fund_blp, views.coop_blp):
        app.register_blueprint(blueprint)
    staff = ("consortium_admin", "consortium_staff")
    add_nav_link(_l("Accounts review"), "accounts_review.submissions", "consortium", staff)
    add_nav_link(_l("Mutual fund"), "mutual_fund.overview", "consortium", staff)
    add_nav_link(_l("Contributions"), "contributions.history", "tenant", ("treasurer", "viewer"))
    add_home_tasks("tenant", ("treasurer",), views.coop_home_tasks)
    add_home_tasks("consortium", staff, views.staff_home_tasks)
    add_coop_section("mutual_fund/_coop_section.html", views.coop_section, order=30)
    register_email_kind(jobs.REMINDER_KIND, _l("Reminders of mutual-fund contributions due and overdue"))
    add_demo_loader(load_demo_fund)
    _audit_words()


def _audit_words():
    """The fund in the audit log: a contribution by its reference, a loan by its borrower, fields by form labels."""
    from consortium.audit import audit_words
    from consortium.i18n import _l, format_date
    from shared_services.mutual_fund.models import (
        Contribution,
        ContributionPayment,
        FundSettings,
        Guarantee,
        Loan,
        LoanRepayment,
    )
    from shared_services.mutual_fund.views import CONTRIBUTION_STATUS_LABELS, DUE_BASIS_LABELS, LOAN_METHOD_LABELS

    audit_words(Contribution, _l("contribution"), name=lambda contribution: contribution.reference,
                values={"status": CONTRIBUTION_STATUS_LABELS, "due_basis": dict(DUE_BASIS_LABELS)},
                events={("status", "paid"): _l("%(who)s recorded contribution %(name)s as paid"),
                        ("status", "part_paid"): _l("%(who)s recorded part of contribution %(name)s as paid")},
                fields={"reference": _l("Reference"), "year": _l("Year"), "amount": _l("Amount"),
                        "paid_amount": _l("Paid"), "status": _l("Status"), "due_date": _l("Due by"),
                        "rate": _l("Rate"), "minimum": _l("Minimum amount due"),
                        "due_basis": _l("The due date counts from")})
    audit_words(ContributionPayment, _l("contribution payment"),
                name=lambda payment: format_date(payment.paid_on) if payment.paid_on else "",
                fields={"amount": _l("Amount"), "paid_on": _l("Paid on"), "description": _l("Description")})
    audit_words(Loan, _l("loan"), name=lambda loan: loan.borrower_name, values={"method": LOAN_METHOD_LABELS},
                fields={"borrower_name": _l("Borrower"), "principal": _l("Principal"), "annual_rate": _l("Rate"),
                        "months": _l("Months"), "method": _l("Repayment"), "first_due": _l("First instalment due"),
                        "granted_on": _l("Granted on"), "principal_repaid": _l("Repaid"),
                        "interest_paid": _l("Interest")})
    audit_words(LoanRepayment, _l("loan repayment"),
                name=lambda repayment: format_date(repayment.paid_on) if repayment.paid_on else "",
                fields={"amount": _l("Amount"), "paid_on": _l("Paid on"), "principal_part": _l("Principal"),
                        "interest_part": _l("Interest")})
    audit_words(Guarantee, _l("guarantee"), name=lambda guarantee: guarantee.bank_name,
                fields={"bank_name": _l("Bank"), "amount": _l("Amount guaranteed"), "issued_on": _l("Given on"),
                        "expires_on": _l("Expires on"), "description": _l("Description"),
                        "called_amount": _l("Called")})
    audit_words(FundSettings, _l("mutual fund settings"),
                values={"due_basis": dict(DUE_BASIS_LABELS)},
                fields={"rate": _l("Rate"), "minimum": _l("Minimum amount due"), "due_days": _l("Days to pay"),
                        "due_basis": _l("The due date counts from"),
                        "bank_account_name": _l("Fund bank account: holder"),
                        "bank_iban": _l("Fund bank account: IBAN (printed on statements and reminders)")})
