"""Demo mutual fund: accepted accounts of earlier years with their contributions and payments, a loan to the
spin-out being incubated, a guarantee, and last year's submitted accounts of Il Girasole accepted.

Two years show the published rules at work: Fragola Lavoro joined the association on 1 April of its first
year, so that year's contribution is pro rata by days; Consorzio Sol closed a year at a loss and used part of
last year's profit to cover it, so last year's base is the profit less that part."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from consortium.clock import local_today
from consortium.tenancy import tenant_scope
from shared_services.mutual_fund import service
from tenants.accounts import service as accounts
from tenants.accounts.parsing import CSV_COLUMNS, CSV_SECTION_SUMMARY, SUMMARY_LINES

ZERO = Decimal("0.00")
# (co-op slug, treasurer key, years ago, net profit, of it covering prior losses, share of the contribution paid,
#  joined the association on (month, day) of that year, or None when a member all year)
DEMO_YEARS = (
    ("fragola-lavoro", "treasurer", 3, Decimal("120000.00"), ZERO, Decimal("1"), (4, 1)),
    ("fragola-lavoro", "treasurer", 2, Decimal("95000.00"), ZERO, Decimal("0.5"), None),
    ("consorzio-sol", "admin", 3, Decimal("210000.00"), ZERO, Decimal("1"), None),
    ("consorzio-sol", "admin", 2, Decimal("-15000.00"), ZERO, Decimal("0"), None),
    ("consorzio-sol", "admin", 1, Decimal("42000.00"), Decimal("15000.00"), Decimal("0"), None),
    ("girasole", "treasurer", 2, Decimal("344.00"), ZERO, Decimal("0"), None),
)


def accounts_figures(net_profit: Decimal, prior_losses_covered: Decimal = ZERO,
                     ristorni: Decimal = ZERO) -> dict[str, Decimal]:
    """Summary figures that add up to `net_profit` (turnover less staff costs, other costs and tax)."""
    staff, other, tax = Decimal("410000.00"), Decimal("95000.00"), Decimal("12000.00")
    turnover = net_profit + staff + other + tax
    public = (turnover * Decimal("0.6")).quantize(Decimal("0.01"))
    return {
        "turnover_public_contracts": public, "turnover_private_fees": turnover - public,
        "turnover_grants_donations": Decimal("0.00"), "turnover_other": Decimal("0.00"),
        "staff_costs": staff, "other_costs": other, "tax": tax, "net_profit": net_profit,
        "prior_losses_covered": prior_losses_covered, "ristorni_from_profit": ristorni,
        "share_capital": Decimal("25000.00"), "reserves_indivisible": Decimal("180000.00"),
        "reserves_other": Decimal("0.00"), "loans": Decimal("60000.00"), "cash": Decimal("85000.00"),
    }


def accounts_csv(year: int, net_profit: Decimal, prior_losses_covered: Decimal = ZERO,
                 ristorni: Decimal = ZERO) -> bytes:
    """An accounts upload in the CSV template's layout for `year` with the given net profit and allocations."""
    figures = {"financial_year": Decimal(year), **accounts_figures(net_profit, prior_losses_covered, ristorni)}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in SUMMARY_LINES:
        writer.writerow([CSV_SECTION_SUMMARY, line.code, line.label, str(figures[line.code]), "", "", ""])
    return buffer.getvalue().encode()


def submit_accounts(session, tenant, user, year: int, net_profit: Decimal, today: date, *,
                    assembly_approved_on: date | None = None, prior_losses_covered: Decimal = ZERO,
                    ristorni: Decimal = ZERO):
    """Upload and submit a co-op's accounts for `year` as its treasurer would; returns the version.

    The assembly approves them on 29 April of the next year unless told otherwise (or today, if that is sooner).
    """
    assembly_approved_on = assembly_approved_on or min(date(year + 1, 4, 29), today)
    data = accounts_csv(year, net_profit, prior_losses_covered, ristorni)
    with tenant_scope(session, tenant.id):
        version = accounts.upload_accounts(session, tenant=tenant, year=year, filename=f"accounts-{year}.csv",
                                           data=data, uploaded_by=user, today=today)
        return accounts.submit_version(session, version, assembly_approved_on=assembly_approved_on, today=today,
                                       submitted_by=user)


def load_demo_fund(session, tenants, users, rng) -> None:
    """Fill the fund: contributions over two past years, payments, a loan with repayments, a guarantee."""
    today = local_today()
    staff = users["staff"].id
    # The fund's account (ECBS's sample Italian IBAN, not a real account), printed on statements and reminders.
    service.update_settings(session, {"bank_account_name": "Consorzio Fragola, fondo mutualistico",
                                      "bank_iban": "IT60X0542811101000000123456"})
    for slug, user_key, years_ago, profit, prior_losses, paid_share, joined in DEMO_YEARS:
        year = today.year - years_ago
        version = submit_accounts(session, tenants[slug], users[user_key], year, profit, today,
                                  prior_losses_covered=prior_losses)
        accepted_on = min(date(year + 1, 5, 15), today)
        contribution = service.accept_accounts(session, version.id, accepted_by=staff, accepted_on=accepted_on,
                                               member_from=date(year, *joined) if joined else None)
        paid = (contribution.total_due * paid_share).quantize(Decimal("0.01"))
        if paid > 0:
            service.record_payment(session, contribution, amount=paid, paid_on=accepted_on + timedelta(days=40),
                                   recorded_by=staff, description="bank transfer " + contribution.reference)
    # Last year's accounts of Il Girasole were submitted by the accounts demo: accept them 75 days ago.
    for version in session.scalars(accounts.submissions_query(status="submitted",
                                                              tenant_id=tenants["girasole"].id)):
        service.accept_accounts(session, version.id, accepted_by=staff, accepted_on=today - timedelta(days=75))
    spin_out = tenants["piccola-fragola"]
    granted_on = date(today.year - 1, 3, 1)
    loan = service.grant_loan(
        session, borrower_tenant_id=spin_out.id, borrower_name=spin_out.name, principal=Decimal("6000.00"),
        annual_rate=Decimal("2.5"), months=24, method="annuity", first_due=date(today.year - 1, 4, 1),
        granted_on=granted_on, granted_by=staff,
    )
    for instalment in loan.instalments[:6]:
        service.record_repayment(session, loan, amount=instalment.payment, paid_on=instalment.due_date,
                                 recorded_by=staff)
    service.give_guarantee(
        session, tenant_id=tenants["consorzio-sol"].id, bank_name="Banca Etica", amount=Decimal("2500.00"),
        issued_on=date(today.year - 1, 6, 1), expires_on=date(today.year + 2, 5, 31),
        description="Overdraft facility for the new day centre", created_by=staff,
    )
