"""Mutual-fund pages: accounts review and the fund for consortium staff; contributions for each co-op."""

import marshmallow as ma
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from consortium import lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.fields import query_int
from consortium.forms import load_form, run_service
from consortium.i18n import _, _l, format_date, format_locale, lazy_pgettext, pgettext
from consortium.models import Tenant
from consortium.money import money as format_money

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.mutual_fund import explanation, schemas, service
from shared_services.mutual_fund.api import COOP_READERS, STAFF, jurisdiction, pdf_response, statement_response
from shared_services.mutual_fund.models import FundEntry
from tenants.accounts import service as accounts
from tenants.accounts.parsing import LINES_BY_CODE, line_label
from tenants.accounts.service import FIGURE_CODES

review_blp = Blueprint("accounts_review", __name__, url_prefix="/consortium/accounts", template_folder="templates")
fund_blp = Blueprint("mutual_fund", __name__, url_prefix="/consortium/mutual-fund", template_folder="templates")
coop_blp = Blueprint("contributions", __name__, url_prefix="/t/<slug>/contributions", template_folder="templates")



def _tenant_names() -> dict[int, str]:
    return dict(db.session.execute(select(Tenant.id, Tenant.name)).all())


def _tenant_slugs() -> dict[int, str]:
    """Each co-op's slug by id, for the links to its page (`directory.coop`) from lists that name it."""
    return dict(db.session.execute(select(Tenant.id, Tenant.slug)).all())


def _tenant_options() -> list[tuple[str, str]]:
    return [(t.slug, t.name) for t in db.session.scalars(select(Tenant).order_by(Tenant.name))]


# The services name the dates and the contribution as the API does; the pages' forms send `date` and `reference`.
_PAGE_FIELDS = {"paid_on": "date", "called_on": "date", "contribution_id": "reference"}


def _page_errors(errors: dict) -> dict:
    """A refusal's errors keyed by the page form's field names, so each is shown at (and tied to) its input."""
    return {_PAGE_FIELDS.get(key, key): messages for key, messages in errors.items()}


# --------------------------------------------------------------------------- accounts review


SUBMISSION_STATUS_LABELS = {"submitted": _l("waiting for review"), "returned": _l("returned"),
                            "accepted": _l("accepted"), "reopened": _l("reopened")}


@review_blp.route("/")
@consortium_role_required(*STAFF)
def submissions():
    """Accounts submitted by co-ops, waiting for review first: searched by co-op, sorted, by status, in pages."""
    names = _tenant_names()
    versions = db.session.scalars(accounts.submissions_query()).all()
    listing = lists.Listing(
        search=lambda v: names.get(v.tenant_id, ""),
        sorts={"coop": lambda v: names.get(v.tenant_id, ""), "year": lambda v: v.year,
               "submitted": lambda v: v.submitted_at, "profit": lambda v: v.net_profit,
               "status": lambda v: v.status != "submitted"},
        default_sort="status", descending=("year", "submitted", "profit"),
        filters={"status": {code: (label, lambda v, code=code: v.status == code)
                            for code, label in SUBMISSION_STATUS_LABELS.items()},
                 "year": _year_filter(versions)},
        date=lambda v: v.submitted_at.date() if v.submitted_at else None)
    rows = listing.apply(db.session, versions)
    currencies = dict(db.session.execute(select(Tenant.id, Tenant.currency)).all())
    return render_template("mutual_fund/submissions.html", submissions=rows, names=names, currencies=currencies,
                           slugs=_tenant_slugs(),
                           status_labels=SUBMISSION_STATUS_LABELS)


def _year_filter(rows) -> dict:
    """A filter offering each financial year among `rows`, newest first."""
    return {str(year): (str(year), lambda row, year=year: row.year == year)
            for year in sorted({row.year for row in rows}, reverse=True)}


@review_blp.route("/<int:accounts_id>")
@consortium_role_required(*STAFF)
def submission(accounts_id):
    """One submitted version: its figures, and the accept / return / reopen forms."""
    return _submission_page(accounts_id)


def _submission_page(accounts_id, form: str | None = None, errors: dict | None = None, values=None):
    """A submitted version's page; after a refused `form` (accept, return, reopen) its errors and what was typed."""
    version = accounts.get_submission(db.session, accounts_id)
    contribution = service.contribution_for_year(db.session, version.tenant_id, version.year)
    page = render_template("mutual_fund/submission.html", version=version, contribution=contribution,
                           explanation=explanation.of_contribution(contribution) if contribution else "",
                           explanation_language=explanation.language_of(contribution) if contribution else None,
                           status_labels=SUBMISSION_STATUS_LABELS, contribution_labels=CONTRIBUTION_STATUS_LABELS,
                           tenant=db.session.get(Tenant, version.tenant_id), figure_codes=FIGURE_CODES,
                           labels={code: line_label(code) for code in LINES_BY_CODE},
                           today=local_today(), form=form, errors=errors or {}, values=values or {})
    return (page, 422) if errors else page


@review_blp.route("/<int:accounts_id>/accept", methods=["POST"])
@consortium_role_required(*STAFF)
def accept(accounts_id):
    """Accept the accounts and create the year's contribution."""
    data, errors = load_form(schemas.AcceptSchema(), request.form)
    if data is not None:
        contribution, errors = run_service(lambda: service.accept_accounts(
            db.session, accounts_id, accepted_by=current_user.id, accepted_on=data["accepted_on"] or local_today(),
            jurisdiction=jurisdiction(), member_from=data["member_from"], member_until=data["member_until"]))
        if contribution is not None:
            flash(_("Accepted. Contribution %(reference)s: %(amount)s, due by %(date)s.",
                    reference=contribution.reference, date=format_date(contribution.due_date),
                    amount=format_money(contribution.total_due, contribution.currency, format_locale())))
            return redirect(url_for("accounts_review.submission", accounts_id=accounts_id))
    return _submission_page(accounts_id, "accept", errors, request.form)


@review_blp.route("/<int:accounts_id>/return", methods=["POST"])
@consortium_role_required(*STAFF)
def return_to_coop(accounts_id):
    """Return the accounts to the co-op with a comment."""
    data, errors = load_form(schemas.ReturnSchema(), request.form)
    if data is None:
        errors = {"comment": [_("Write the comment the treasurer will read.")]}
    else:
        version, errors = run_service(lambda: service.return_accounts(
            db.session, accounts_id, comment=data["comment"], returned_by=current_user.id))
        if version is not None:
            flash(_("Returned to the co-op with your comment."))
            return redirect(url_for("accounts_review.submission", accounts_id=accounts_id))
    return _submission_page(accounts_id, "return", errors, request.form)


@review_blp.route("/<int:accounts_id>/reopen", methods=["POST"])
@consortium_role_required("consortium_admin")
def reopen(accounts_id):
    """Reopen an accepted year (consortium admin), giving the reason."""
    data, errors = load_form(schemas.ReopenSchema(), request.form)
    if data is None:
        errors = {"reason": [_("Give the reason for reopening the year.")]}
    else:
        _reopened, errors = run_service(lambda: service.reopen_accounts(
            db.session, accounts_id, reason=data["reason"], by=current_user.id))
        if not errors:
            flash(_("The year is reopened: the co-op can submit corrected accounts; accepting them corrects the "
                    "contribution."))
            return redirect(url_for("accounts_review.submission", accounts_id=accounts_id))
    return _submission_page(accounts_id, "reopen", errors, request.form)


# --------------------------------------------------------------------------- the fund


@fund_blp.route("/")
@consortium_role_required(*STAFF)
def overview():
    """The fund: balance, exposure, breakdowns by co-op and year, loans, guarantees, payment entry."""
    return _overview_page()


def _overview_page(form: str | None = None, errors: dict | None = None, values=None):
    """The overview; after a refused `form` ("payment" or "import") its errors and what was typed, answering 422."""
    today = local_today()
    page = render_template(
        "mutual_fund/overview.html",
        overview=service.fund_overview(db.session, today, jurisdiction=jurisdiction()),
        by_coop=service.breakdown_by_coop(db.session),
        by_year=service.breakdown_by_year(db.session),
        settings=service.get_settings(db.session, jurisdiction()),
        today=today, form=form, errors=_page_errors(errors or {}), values=values or {},
    )
    return (page, 422) if errors else page


# The fund's ledger accounts (`calculations`) and where a payment came from, in words.
ACCOUNT_LABELS = {"fund_cash": _l("Fund cash"), "contributions_receivable": _l("Contributions receivable"),
                  "contribution_income": _l("Contribution income"), "loans_receivable": _l("Loans receivable"),
                  "interest_income": _l("Interest income"), "guarantee_calls_expense": _l("Guarantee calls paid")}
PAYMENT_SOURCE_LABELS = {"manual": _l("recorded by hand"), "bank_import": _l("bank statement")}
ENTRY_KIND_LABELS = {
    "contribution_due": _l("contribution due"), "contribution_adjustment": _l("contribution corrected"),
    "contribution_received": _l("contribution received"), "loan_out": _l("loan paid out"),
    "repayment_principal": _l("repayment (principal)"), "repayment_interest": _l("repayment (interest)"),
    "guarantee_call": _l("guarantee called")}


@fund_blp.route("/ledger")
@consortium_role_required(*STAFF)
def ledger():
    """The fund's ledger: every movement with its balanced pair of postings."""
    year = query_int("year", minimum=1900, maximum=9999)
    listing = lists.Listing(
        search=[FundEntry.description],
        sorts={"date": FundEntry.entry_date, "kind": FundEntry.kind},
        default_sort="date", default_desc=True, descending=("date",),
        filters={"kind": {code: (label, FundEntry.kind == code) for code, label in ENTRY_KIND_LABELS.items()}},
        date=FundEntry.entry_date, page_size=50)
    entries = listing.apply(db.session, service.ledger_query(year=year))
    return render_template("mutual_fund/ledger.html", entries=entries, year=year, kinds=ENTRY_KIND_LABELS,
                           balanced=service.ledger_is_balanced(db.session))


LOAN_METHOD_LABELS = {"annuity": _l("annuity"), "straight_line": _l("straight line")}
CONTRIBUTION_STATUS_LABELS = {"nothing_due": _l("nothing due"), "due": _l("due"), "part_paid": _l("part paid"),
                              "paid": lazy_pgettext("contribution", "paid"), "reopened": _l("reopened")}


def _contribution_list(rows, today) -> lists.Listing:
    filters = {code: (label, lambda c, code=code: c.status == code and not c.is_overdue(today))
               for code, label in CONTRIBUTION_STATUS_LABELS.items()}
    filters["overdue"] = (_l("overdue"), lambda c: c.is_overdue(today))
    return lists.Listing(
        search=lambda c: f"{c.tenant.name} {c.reference}",
        sorts={"coop": lambda c: c.tenant.name, "year": lambda c: c.year, "reference": lambda c: c.reference,
               "due": lambda c: c.total_due, "paid": lambda c: c.paid_amount, "owed": lambda c: c.outstanding,
               "due_by": lambda c: c.due_date},
        default_sort="year", default_desc=True, descending=("due", "paid", "owed"),
        filters={"status": filters, "year": _year_filter(rows)}, date=lambda c: c.due_date)


@fund_blp.route("/contributions")
@consortium_role_required(*STAFF)
def contributions():
    """Every co-op's contributions: searched by co-op or reference, sorted, by status and year, in pages."""
    today = local_today()
    rows = db.session.scalars(service.contributions_query()).all()
    page = _contribution_list(rows, today).apply(db.session, rows)
    return render_template("mutual_fund/contributions.html", contributions=page, today=today,
                           status_labels=CONTRIBUTION_STATUS_LABELS)


@fund_blp.route("/payments", methods=["POST"])
@consortium_role_required(*STAFF)
def record_payment():
    """Record a payment against a contribution reference."""
    data, errors = load_form(schemas.PaymentSchema(), request.form)
    if data is not None:
        def record():
            # The currency is read before the payment is written: on Citus a transaction that wrote in a co-op's
            # scope cannot then read in the consortium's (docs/scaling.md).
            contribution = service.get_contribution(db.session, reference=data.get("reference"),
                                                    contribution_id=data.get("contribution_id"))
            currency = contribution.currency
            return service.record_payment(db.session, contribution, amount=data["amount"], paid_on=data["paid_on"],
                                          recorded_by=current_user.id), currency
        recorded, errors = run_service(record)
        if recorded is not None:
            payment, currency = recorded
            flash(pgettext("contribution", "Payment of %(amount)s recorded.",
                           amount=format_money(payment.amount, currency, format_locale())))
            return redirect(url_for("mutual_fund.overview"))
    return _overview_page("payment", errors, request.form)


@fund_blp.route("/payments/import", methods=["POST"])
@consortium_role_required(*STAFF)
def import_payments():
    """Import a bank statement CSV; show what was recorded and the lines nobody matched."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _overview_page("import", {"file": [_("Choose the bank statement CSV to import.")]})
    result, errors = run_service(lambda: service.import_bank_statement(db.session, upload.read(),
                                                                       recorded_by=current_user.id))
    if result is None:
        # a statement's own lines are refused by row ("row 3"): each is said at the file input, naming its row
        return _overview_page("import", {"file": [message if where == "file" else f"{where}: {message}"
                                                  for where, messages in errors.items() for message in messages]})
    return render_template("mutual_fund/import_result.html", result=result)


@fund_blp.route("/loans")
@consortium_role_required(*STAFF)
def loans():
    """Every loan with where its borrower stands: searched by borrower, sorted, those in arrears, in pages."""
    today = local_today()
    rows = [(loan, service.loan_arrears(loan, today)) for loan in db.session.scalars(service.loans_query())]
    listing = lists.Listing(
        search=lambda row: row[0].borrower_name,
        sorts={"borrower": lambda row: row[0].borrower_name, "granted": lambda row: row[0].granted_on,
               "principal": lambda row: row[0].principal, "outstanding": lambda row: row[0].outstanding_principal,
               "arrears": lambda row: row[1].arrears_amount, "overdue": lambda row: row[1].days_overdue},
        default_sort="granted", default_desc=True,
        descending=("granted", "principal", "outstanding", "arrears", "overdue"),
        filters={"arrears": {"1": (_l("in arrears only"), lambda row: row[1].arrears_amount > 0)},
                 "repaid": {"0": (lazy_pgettext("loan", "still owed"), lambda row: row[0].outstanding_principal > 0),
                            "1": (_l("repaid"), lambda row: row[0].outstanding_principal <= 0)}},
        date=lambda row: row[0].granted_on)
    return render_template("mutual_fund/loans.html", loans=listing.apply(db.session, rows), slugs=_tenant_slugs(),
                           currency=service.fund_currency(jurisdiction()))


@fund_blp.route("/guarantees")
@consortium_role_required(*STAFF)
def guarantees():
    """Every guarantee the fund gave: searched by co-op or bank, sorted, live or expired, in pages; calls."""
    return _guarantees_page()


def _guarantees_page(refused: int | None = None, errors: dict | None = None, values=None):
    """The guarantees; after a refused call on guarantee `refused`, its errors and what was typed, answering 422."""
    today = local_today()
    listing = lists.Listing(
        search=lambda g: f"{g.tenant.name} {g.bank_name}",
        sorts={"coop": lambda g: g.tenant.name, "bank": lambda g: g.bank_name, "amount": lambda g: g.amount,
               "called": lambda g: g.called_amount, "expires": lambda g: g.expires_on,
               "live": lambda g: g.live_amount(today)},
        default_sort="expires", descending=("amount", "called", "live"),
        filters={"live": {"1": (_l("live"), lambda g: g.live_amount(today) > 0),
                          "0": (_l("expired or fully called"), lambda g: g.live_amount(today) <= 0)}},
        date=lambda g: g.expires_on, endpoint="mutual_fund.guarantees")
    rows = listing.apply(db.session, db.session.scalars(service.guarantees_query()).all())
    page = render_template("mutual_fund/guarantees.html", guarantees=rows, today=today,
                           currency=service.fund_currency(jurisdiction()), refused=refused,
                           errors=_page_errors(errors or {}), values=values or {})
    return (page, 422) if errors else page


@fund_blp.route("/loans/new", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def new_loan():
    """Grant a loan (refused beyond the exposure limit, saying by how much)."""
    errors, values = {}, request.form
    if request.method == "POST":
        data, errors = load_form(schemas.LoanSchema(), request.form)
        if data is not None:
            loan, errors = run_service(lambda: _grant(data))
            if loan is not None:
                flash(_("Loan %(number)s granted to %(borrower)s.", number=loan.id, borrower=loan.borrower_name))
                return redirect(url_for("mutual_fund.loan", loan_id=loan.id))
    return render_template("mutual_fund/loan_form.html", values=values, errors=errors, tenants=_tenant_options(),
                           methods=list(LOAN_METHOD_LABELS.items()), today=local_today())


def _grant(data):
    tenant_id = (schemas.tenant_id_for_slug(data["borrower_tenant"], "borrower_tenant")
                 if data.get("borrower_tenant") else None)
    return service.grant_loan(
        db.session, borrower_tenant_id=tenant_id, incubation_project_id=data.get("incubation_project_id"),
        borrower_name=data.get("borrower_name") or schemas.tenant_name(tenant_id), principal=data["principal"],
        annual_rate=data["annual_rate"], months=data["months"], method=data["method"], first_due=data["first_due"],
        granted_on=data["granted_on"] or local_today(), granted_by=current_user.id)


@fund_blp.route("/loans/<int:loan_id>")
@consortium_role_required(*STAFF)
def loan(loan_id):
    """A loan: its schedule, repayments, arrears, and the repayment form."""
    return _loan_page(service.get_loan(db.session, loan_id))


def _loan_page(record, errors: dict | None = None, values=None):
    """A loan's page; after a refused repayment its errors and what was typed, answering 422."""
    page = render_template("mutual_fund/loan.html", loan=record, arrears=service.loan_arrears(record, local_today()),
                           today=local_today(), method_labels=LOAN_METHOD_LABELS,
                           errors=_page_errors(errors or {}), values=values or {})
    return (page, 422) if errors else page


@fund_blp.route("/loans/<int:loan_id>/repayments", methods=["POST"])
@consortium_role_required(*STAFF)
def record_repayment(loan_id):
    """Record a repayment of a loan."""
    record = service.get_loan(db.session, loan_id)
    data, errors = load_form(schemas.MoneyOnDateSchema(), request.form)
    if data is not None:
        repayment, errors = run_service(lambda: service.record_repayment(
            db.session, record, amount=data["amount"], paid_on=data["paid_on"], recorded_by=current_user.id))
        if repayment is not None:
            currency = service.fund_currency(jurisdiction())
            flash(_("Repayment recorded: %(principal)s principal, %(interest)s interest.",
                    principal=format_money(repayment.principal_part, currency, format_locale()),
                    interest=format_money(repayment.interest_part, currency, format_locale())))
            return redirect(url_for("mutual_fund.loan", loan_id=loan_id))
    return _loan_page(service.get_loan(db.session, loan_id), errors, request.form)


@fund_blp.route("/guarantees/new", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def new_guarantee():
    """Give a guarantee to a bank on a member's loan (refused beyond the exposure limit)."""
    errors, values = {}, request.form
    if request.method == "POST":
        data, errors = load_form(schemas.GuaranteeSchema(), request.form)
        if data is not None:
            guarantee, errors = run_service(lambda: service.give_guarantee(
                db.session, tenant_id=schemas.tenant_id_for_slug(data["tenant"], "tenant"),
                bank_name=data["bank_name"], amount=data["amount"], issued_on=data["issued_on"] or local_today(),
                expires_on=data["expires_on"], description=data["description"], created_by=current_user.id))
            if guarantee is not None:
                flash(_("Guarantee to %(bank)s recorded.", bank=guarantee.bank_name))
                return redirect(url_for("mutual_fund.overview"))
    return render_template("mutual_fund/guarantee_form.html", values=values, errors=errors,
                           tenants=_tenant_options(), today=local_today())


@fund_blp.route("/guarantees/<int:guarantee_id>/calls", methods=["POST"])
@consortium_role_required(*STAFF)
def call_guarantee(guarantee_id):
    """Record a call on a guarantee."""
    guarantee = service.get_guarantee(db.session, guarantee_id)
    data, errors = load_form(schemas.MoneyOnDateSchema(), request.form)
    if data is not None:
        call, errors = run_service(lambda: service.call_guarantee(
            db.session, guarantee, amount=data["amount"], called_on=data["paid_on"], recorded_by=current_user.id))
        if call is not None:
            flash(_("Call of %(amount)s on the guarantee to %(bank)s recorded.", bank=guarantee.bank_name,
                    amount=format_money(call.amount, service.fund_currency(jurisdiction()), format_locale())))
            return redirect(url_for("mutual_fund.guarantees", **lists.request_state()))  # back to the page it was on
    return _guarantees_page(guarantee_id, errors, request.form)  # the list's state came in the query string


DUE_BASIS_LABELS = (("approval", _l("the assembly's approval")), ("year_end", _l("the end of the year")))


def _settings_page(values, errors):
    return render_template("mutual_fund/settings.html", values=values, errors=errors, due_bases=DUE_BASIS_LABELS,
                           can_edit=current_user.has_consortium_role("consortium_admin"))


@fund_blp.route("/settings")
@consortium_role_required(*STAFF)
def settings():
    """The fund's settings (staff read them; admins change them)."""
    values = schemas.SettingsSchema().dump(service.get_settings(db.session, jurisdiction()))
    for key in ("reminder_days_before", "reminder_days_after"):
        values[key] = ", ".join(map(str, values[key]))
    return _settings_page(values, {})


@fund_blp.route("/settings", methods=["POST"])
@consortium_role_required("consortium_admin")
def save_settings():
    """Change the fund's settings (consortium admin)."""
    form = {key: request.form[key].strip() for key in request.form if key != "csrf_token"}
    for key in ("reminder_days_before", "reminder_days_after"):
        form[key] = [part.strip() for part in form.get(key, "").split(",") if part.strip()]
    for key in service.NULLABLE_SETTINGS:
        if key in form and not form[key]:
            form[key] = None
    try:
        data = schemas.SettingsUpdateSchema().load(form)
    except ma.ValidationError as error:
        return _settings_page(request.form, error.messages), 422
    updated, errors = run_service(lambda: service.update_settings(db.session, data, jurisdiction=jurisdiction()))
    if updated is None:
        return _settings_page(request.form, errors), 422
    flash(_("Settings saved. Contributions already fixed keep their rate."))
    return redirect(url_for("mutual_fund.settings"))


@fund_blp.route("/report.pdf")
@consortium_role_required(*STAFF)
def report_pdf():
    """The fund's annual report (PDF)."""
    from shared_services.mutual_fund import documents
    year = query_int("year", local_today().year, minimum=1900, maximum=9999)
    data = documents.fund_report_pdf(db.session, year, today=local_today(), jurisdiction=jurisdiction(),
                                     consortium_name=current_app.config["CONSORTIUM_NAME"])
    return pdf_response(data, f"mutual-fund-report-{year}.pdf")


# --------------------------------------------------------------------------- a co-op's own


@coop_blp.route("/")
@tenant_role_required(*COOP_READERS)
def history():
    """The co-op's contributions, corrections and payments."""
    today = local_today()
    rows = db.session.scalars(service.own_contributions_query()).all()
    share = service.get_settings(db.session, jurisdiction()).legal_reserve_share
    page = _contribution_list(rows, today).apply(db.session, rows)
    return render_template("mutual_fund/coop_contributions.html", contributions=page, today=today,
                           status_labels=CONTRIBUTION_STATUS_LABELS,
                           terms={c.id: service.current_terms(c, share) for c in page})


@coop_blp.route("/statement.pdf")
@tenant_role_required(*COOP_READERS)
def statement_pdf():
    """The co-op's contribution statement (PDF)."""
    return statement_response(g.tenant)


@fund_blp.route("/coops/<coop>/statement.pdf")
@consortium_role_required(*STAFF)
def coop_statement_pdf(coop):
    """A co-op's contribution statement (PDF) for consortium staff."""
    return statement_response(service.coop_by_slug(db.session, coop))


def coop_home_tasks(tenant) -> list[dict]:
    """The treasurer's fund to-dos: contributions still owed, and those of them past their due date."""
    today = local_today()
    owed = [c for c in db.session.scalars(service.own_contributions_query()) if c.outstanding > 0]
    url = url_for("contributions.history", slug=tenant.slug)
    return [{"label": _("Contributions overdue"), "count": sum(1 for c in owed if c.is_overdue(today)), "url": url},
            {"label": _("Contributions owed to the mutual fund"), "count": len(owed), "url": url}]


def staff_home_tasks(_tenant=None) -> list[dict]:
    """Staff to-dos: accounts waiting for review, contributions overdue, loans in arrears."""
    today = local_today()
    # The outer count says all_tenants too: a subquery's execution options do not reach the statement around it.
    waiting = db.session.scalar(select(func.count()).select_from(
        accounts.submissions_query(status="submitted").order_by(None).subquery()).execution_options(all_tenants=True))
    overdue = sum(1 for c in db.session.scalars(service.contributions_query()) if c.is_overdue(today))
    arrears = sum(1 for loan in db.session.scalars(service.loans_query())
                  if service.loan_arrears(loan, today).arrears_amount > 0)
    return [{"label": _("Accounts submissions to review"), "count": waiting,
             "url": url_for("accounts_review.submissions", status="submitted")},
            {"label": _("Contributions overdue"), "count": overdue,
             "url": url_for("mutual_fund.contributions", status="overdue")},
            {"label": _("Loans in arrears"), "count": arrears, "url": url_for("mutual_fund.loans", arrears="1")}]


def coop_section(tenant) -> dict:
    """The staff page of a co-op: its contributions, loans and guarantees (consortium scope)."""
    today = local_today()
    loans = [loan for loan in db.session.scalars(service.loans_query()) if loan.borrower_tenant_id == tenant.id]
    return {"contributions": db.session.scalars(service.contributions_query(tenant_id=tenant.id)).all(),
            "loans": [(loan, service.loan_arrears(loan, today)) for loan in loans],
            "guarantees": [g for g in db.session.scalars(service.guarantees_query()) if g.tenant_id == tenant.id],
            "today": today}
