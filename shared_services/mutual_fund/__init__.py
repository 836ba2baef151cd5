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
        BankStatementLine,
        Contribution,
        ContributionAdjustment,
        ContributionPayment,
        FundEntry,
        FundPosting,
        FundSettings,
        Guarantee,
        GuaranteeCall,
        Loan,
        LoanInstalment,
        LoanRepayment,
    )
    from shared_services.mutual_fund.views import (
        ACCOUNT_LABELS,
        CONTRIBUTION_STATUS_LABELS,
        DUE_BASIS_LABELS,
        ENTRY_KIND_LABELS,
        LOAN_METHOD_LABELS,
        PAYMENT_SOURCE_LABELS,
    )

    audit_words(Contribution, _l("contribution"), name=lambda contribution: contribution.reference,
                values={"status": CONTRIBUTION_STATUS_LABELS, "due_basis": dict(DUE_BASIS_LABELS)},
                events={("status", "paid"): _l("%(who)s recorded contribution %(name)s as paid"),
                        ("status", "part_paid"): _l("%(who)s recorded part of contribution %(name)s as paid")},
                fields={"reference": _l("Reference"), "year": _l("Year"), "amount": _l("Amount"),
                        "paid_amount": _l("Paid"), "status": _l("Status"), "due_date": _l("Due by"),
                        "rate": _l("Rate"), "minimum": _l("Minimum amount due"),
                        "due_basis": _l("The due date counts from"), "net_profit": _l("Net profit"),
                        "prior_losses_covered": _l("Prior losses covered"), "ristorni": _l("Patronage refunds"),
                        "base": _l("Base of the contribution"), "full_year_amount": _l("Amount for a whole year"),
                        "legal_reserve": _l("Legal reserve"), "associations": _l("Associations"),
                        "adjustments_total": _l("Corrections"), "approved_on": _l("Accounts accepted on"),
                        "assembly_approved_on": _l("Approved by the assembly on"),
                        "member_from": _l("Member from"), "member_until": _l("Member until"),
                        "days_member": _l("Days a member"), "days_in_year": _l("Days in the year"),
                        "reopen_reason": _l("Reason"), "reopened_at": _l("Reopened on")},
                hidden={"explanation", "explanation_steps"})  # the contribution page explains the figure
    audit_words(ContributionPayment, _l("contribution payment"),
                name=lambda payment: format_date(payment.paid_on) if payment.paid_on else "",
                values={"source": PAYMENT_SOURCE_LABELS},
                fields={"amount": _l("Amount"), "paid_on": _l("Paid on"), "description": _l("Description"),
                        "source": _l("Source")})
    audit_words(ContributionAdjustment, _l("correction to a contribution"),
                fields={"adjusted_on": _l("Corrected on"), "delta": _l("Change to the amount due"),
                        "net_profit": _l("Net profit"), "previous_net_profit": _l("Net profit before"),
                        "prior_losses_covered": _l("Prior losses covered"), "ristorni": _l("Patronage refunds"),
                        "reason": _l("Reason")})
    audit_words(FundEntry, _l("fund ledger entry"), name=lambda entry: str(ENTRY_KIND_LABELS.get(entry.kind, "")),
                values={"kind": ENTRY_KIND_LABELS},
                fields={"entry_date": _l("Date"), "kind": _l("Movement")},
                hidden={"description"})  # written once in the consortium's language; the ledger shows it
    audit_words(FundPosting, _l("fund ledger posting"), values={"account": ACCOUNT_LABELS},
                fields={"account": _l("Account"), "debit": _l("Debit"), "credit": _l("Credit")})
    audit_words(LoanInstalment, _l("loan instalment"), name=lambda instalment: str(instalment.number),
                fields={"number": _l("Instalment"), "due_date": _l("Due on"), "payment": _l("Instalment amount"),
                        "principal": _l("Principal"), "interest": _l("Interest"),
                        "balance_after": _l("Balance after")})
    audit_words(GuaranteeCall, _l("guarantee call"),
                fields={"amount": _l("Amount"), "called_on": _l("Called on")})
    audit_words(BankStatementLine, _l("bank statement line"),
                fields={"line_date": _l("Date"), "amount": _l("Amount"), "description": _l("Description"),
                        "imported_at": _l("Imported on")}, hidden={"line_hash"})
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
                        "bank_iban": _l("Fund bank account: IBAN (printed on statements and reminders)"),
                        "legal_reserve_share": _l("Share of the profit to the legal reserve"),
                        "exposure_multiple": _l("Exposure limit (times the fund)"),
                        "associations": _l("Associations"),
                        "reminder_days_before": _l("Reminders before the due date (days)"),
                        "reminder_days_after": _l("Reminders after the due date (days)"),
                        "source": _l("Source of the rules")})
