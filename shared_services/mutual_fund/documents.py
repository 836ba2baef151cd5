"""Mutual-fund PDFs: a co-op's contribution statement and the fund's annual report."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from plugins.jurisdictions.base import get_jurisdiction
from shared_services.mutual_fund import service
from shared_services.mutual_fund.calculations import ZERO
from shared_services.mutual_fund.models import Contribution

KIND_LABELS = {
    "contribution_due": "Contributions due (accounts accepted)",
    "contribution_adjustment": "Corrections to contributions due",
    "contribution_received": "Contributions received",
    "loan_out": "Loans paid out",
    "repayment_principal": "Loan repayments (principal)",
    "repayment_interest": "Interest received",
    "guarantee_call": "Guarantee calls paid",
}


# The fund's documents are written in English, so numbers and the page footer follow English conventions
# too (rather than an English text with Italian amounts); translating them is follow-up work.
DOCUMENT_LOCALE = "en_GB"

def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _outstanding_principal_on(loan, day: date) -> Decimal:
    return loan.principal - sum((r.principal_part for r in loan.repayments if r.paid_on <= day), ZERO)


def _called_by(guarantee, day: date) -> Decimal:
    return sum((call.amount for call in guarantee.calls if call.called_on <= day), ZERO)


def base_steps(contribution: Contribution, letterhead: Letterhead) -> list[list[str]]:
    """How the year's amount was worked out, one row per step: profit, deductions, base, rate, days, amount."""
    c = contribution
    rows = [["Net profit of the year", money(c.net_profit, letterhead)]]
    if c.net_profit <= 0:
        return [*rows, ["Not a profit: nothing is due", money(ZERO, letterhead)]]
    rows += [
        ["less: used to cover losses of prior years", money(-c.prior_losses_covered, letterhead)],
        ["less: ristorni allocated from the profit", money(-c.ristorni, letterhead)],
        ["= base of the contribution", money(c.base, letterhead)],
    ]
    full_year = c.full_year_amount if c.full_year_amount is not None else c.amount
    rows.append([f"x {_percent(c.rate)} = the year's contribution", money(full_year, letterhead)])
    if full_year < c.minimum:
        rows.append([f"below the minimum of {money(c.minimum, letterhead)}: nothing is due", money(ZERO, letterhead)])
        return rows
    if c.days_in_year:
        rows.append([f"x {c.days_member} / {c.days_in_year} days a member of the association = amount due",
                     money(c.amount, letterhead)])
    else:
        rows.append(["amount due", money(c.amount, letterhead)])
    return rows


def statement_for(session, tenant: Tenant, *, today: date, consortium_name: str, jurisdiction: str) -> bytes:
    """The co-op's statement with the fund's current settings (for the co-op itself or for consortium staff)."""
    settings = service.get_settings(session, jurisdiction)
    reserve_share, pay_to = settings.legal_reserve_share, service.pay_to_text(settings)
    with tenant_scope(session, tenant.id):
        return contribution_statement_pdf(session, tenant, today=today, consortium_name=consortium_name,
                                          legal_reserve_share=reserve_share, pay_to=pay_to)


def contribution_statement_pdf(session, tenant: Tenant, *, today: date, consortium_name: str,
                               legal_reserve_share: Decimal, pay_to: str | None = None) -> bytes:
    """The co-op's statement: each year's contribution, its corrections and payments, and what is owed.

    `legal_reserve_share` is the fund's setting, for the legal reserve of a year corrected after reopening.
    """
    contributions = list(session.scalars(service.with_history(
        select(Contribution).where(Contribution.tenant_id == tenant.id).order_by(Contribution.year)
    )))
    letterhead = Letterhead(name=consortium_name, currency=tenant.currency, locale=DOCUMENT_LOCALE)
    total_due = sum((c.total_due for c in contributions), ZERO)
    total_paid = sum((c.paid_amount for c in contributions), ZERO)
    total_owed = sum((c.outstanding for c in contributions), ZERO)
    address = ", ".join(part for part in (tenant.address, tenant.postcode, tenant.city) if part)
    content = [
        key_value_table([
            ("Co-op", tenant.name),
            ("Address", address or "—"),
            ("Registration no.", tenant.registration_number or "—"),
            ("Statement date", today.isoformat()),
            ("Contributions due", money(total_due, letterhead)),
            ("Paid", money(total_paid, letterhead)),
            ("Still owed", money(total_owed, letterhead)),
        ]),
        heading("Contributions by year"),
    ]
    if not contributions:
        content.append(paragraph("No accounts of this co-op have been accepted yet, so no contribution is due."))
    else:
        content.append(data_table(
            ["Year", "Reference", "Net profit", "Amount", "Corrections", "Paid", "Owed", "Due by"],
            [[str(c.year), c.reference, money(c.net_profit, letterhead), money(c.amount, letterhead),
              money(c.adjustments_total, letterhead), money(c.paid_amount, letterhead),
              money(c.outstanding, letterhead), c.due_date.isoformat() + (" (overdue)" if c.is_overdue(today) else "")]
             for c in contributions],
            numeric_columns={2, 3, 4, 5, 6},
            totals_row=["Total", "", "", money(sum((c.amount for c in contributions), ZERO), letterhead),
                        money(sum((c.adjustments_total for c in contributions), ZERO), letterhead),
                        money(total_paid, letterhead), money(total_owed, letterhead), ""],
        ))
        content.append(heading("How each year's amount was worked out"))
        for c in contributions:
            terms = service.current_terms(c, legal_reserve_share)
            due_from = ("the end of the financial year" if c.due_basis == "year_end" else
                        f"the members' assembly's approval on {(c.assembly_approved_on or c.approved_on).isoformat()}")
            content.append(paragraph(f"{c.year} (due by {c.due_date.isoformat()}, counted from {due_from})"))
            content.append(data_table(["Step", "Amount"], base_steps(c, letterhead), numeric_columns={1}))
            if c.adjustments:
                content.append(paragraph(terms.explanation))
            content.append(paragraph(f"Legal reserve (for information): {money(terms.legal_reserve, letterhead)}."))
        corrections = [(c, a) for c in contributions for a in c.adjustments]
        if corrections:
            content.append(heading("Corrections after a year was reopened"))
            content.append(data_table(
                ["Year", "Date", "Reason", "Net profit before", "Net profit after", "Change"],
                [[str(c.year), a.adjusted_on.isoformat(), a.reason, money(a.previous_net_profit, letterhead),
                  money(a.net_profit, letterhead), money(a.delta, letterhead)] for c, a in corrections],
                numeric_columns={3, 4, 5},
            ))
        payments = [(c, p) for c in contributions for p in c.payments]
        content.append(heading("Payments received"))
        if payments:
            content.append(data_table(
                ["Date", "Year", "Reference", "How", "Amount"],
                [[p.paid_on.isoformat(), str(c.year), c.reference,
                  "bank statement" if p.source == "bank_import" else "entered by the consortium",
                  money(p.amount, letterhead)] for c, p in sorted(payments, key=lambda pair: pair[1].paid_on)],
                numeric_columns={4},
            ))
        else:
            content.append(paragraph("No payments received yet."))
        owed = [c for c in contributions if c.outstanding > 0]
        if owed:
            content.append(paragraph(
                ("Please pay by bank transfer to " + pay_to + ", " if pay_to else "Please pay by bank transfer ")
                + "quoting the reference in the description: "
                + "; ".join(f"{c.reference} ({money(c.outstanding, letterhead)} by {c.due_date.isoformat()})"
                            for c in owed) + "."
            ))
    return build_pdf(letterhead, "Mutual fund contribution statement", content,
                     subject=f"Contribution statement of {tenant.name}")


def fund_report_pdf(session, year: int, *, today: date, jurisdiction: str, consortium_name: str) -> bytes:
    """The fund's annual report: balance, movements, contributions by co-op, loans, guarantees, arrears."""
    rules = get_jurisdiction(jurisdiction)
    letterhead = Letterhead(name=consortium_name, currency=rules.default_currency, locale=DOCUMENT_LOCALE)
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(today, year_end)
    opening = service.fund_balance(session, until=date(year - 1, 12, 31))
    closing = service.fund_balance(session, until=year_end)
    movements = service.totals_by_kind(session, year=year)
    settings = service.get_settings(session, jurisdiction)
    content = [
        key_value_table([
            ("Year", str(year)),
            ("Figures as of", as_of.isoformat()),
            ("Balance at the start of the year", money(opening, letterhead)),
            ("Balance at the end of the year" if today > year_end else "Balance so far", money(closing, letterhead)),
            ("Contribution rate (current setting)", _percent(settings.rate)),
            ("Exposure limit", f"{settings.exposure_multiple.normalize():f} x the fund's balance"),
        ]),
        paragraph("The balance is the fund's cash: contributions received, less loans paid out, plus repayments "
                  "and interest, less guarantee calls. Every movement is a balanced pair of ledger entries."),
        heading("Movements in the year"),
        data_table(["Movement", "Amount"],
                   [[label, money(movements.get(kind, ZERO), letterhead)] for kind, label in KIND_LABELS.items()],
                   numeric_columns={1}),
    ]
    # Contributions as they stood on `as_of` too: corrections and payments dated later are left out.
    every_contribution = list(session.scalars(service.contributions_query()))
    positions = service.positions_on(session, every_contribution, as_of)
    contributions = sorted(((c, positions[c.tenant_id, c.id]) for c in every_contribution
                            if year_start <= c.approved_on <= year_end), key=lambda pair: pair[0].tenant.name)
    content.append(heading(f"Contributions on accounts accepted in {year}, by co-op"))
    if contributions:
        content.append(data_table(
            ["Co-op", "Accounts year", "Net profit", "Due", "Paid", "Owed", "Status"],
            [[c.tenant.name, str(c.year), money(c.net_profit, letterhead), money(p.total_due, letterhead),
              money(p.paid, letterhead), money(p.outstanding, letterhead), p.status.replace("_", " ")]
             for c, p in contributions],
            numeric_columns={2, 3, 4, 5},
            totals_row=["Total", "", "", money(sum((p.total_due for _, p in contributions), ZERO), letterhead),
                        money(sum((p.paid for _, p in contributions), ZERO), letterhead),
                        money(sum((p.outstanding for _, p in contributions), ZERO), letterhead), ""],
        ))
    else:
        content.append(paragraph(f"No accounts accepted in {year}."))
    # Loans and guarantees as they stood on `as_of`: a past year's report ignores later repayments and calls.
    loans = [(loan, _outstanding_principal_on(loan, as_of)) for loan in session.scalars(service.loans_query())
             if loan.granted_on <= as_of]
    content.append(heading("Loans outstanding"))
    live_loans = [(loan, outstanding, service.loan_arrears(loan, as_of))
                  for loan, outstanding in loans if outstanding > 0]
    if live_loans:
        content.append(data_table(
            ["Borrower", "Granted", "Principal", "Rate", "Outstanding", "Arrears", "Days overdue"],
            [[loan.borrower_name, loan.granted_on.isoformat(), money(loan.principal, letterhead),
              _percent(loan.annual_rate), money(outstanding, letterhead),
              money(state.arrears_amount, letterhead), str(state.days_overdue)]
             for loan, outstanding, state in live_loans],
            numeric_columns={2, 3, 4, 5, 6},
        ))
    else:
        content.append(paragraph("No loans outstanding."))
    guarantees = [(g, _called_by(g, as_of)) for g in session.scalars(service.guarantees_query())
                  if g.issued_on <= as_of <= g.expires_on]
    guarantees = [(g, called) for g, called in guarantees if g.amount > called]
    content.append(heading("Guarantees live"))
    if guarantees:
        content.append(data_table(
            ["Co-op", "Bank", "Amount", "Called", "Expires", "Live"],
            [[g.tenant.name, g.bank_name, money(g.amount, letterhead), money(called, letterhead),
              g.expires_on.isoformat(), money(g.amount - called, letterhead)] for g, called in guarantees],
            numeric_columns={2, 3, 5},
        ))
    else:
        content.append(paragraph("No guarantees live."))
    overdue = [(c, positions[c.tenant_id, c.id]) for c in every_contribution
               if positions[c.tenant_id, c.id].is_overdue(as_of)]
    content.append(heading("Contributions in arrears"))
    if overdue:
        content.append(data_table(
            ["Co-op", "Year", "Due by", "Owed", "Days overdue"],
            [[c.tenant.name, str(c.year), c.due_date.isoformat(), money(p.outstanding, letterhead),
              str((as_of - c.due_date).days)] for c, p in overdue],
            numeric_columns={3, 4},
        ))
    else:
        content.append(paragraph("No contribution is overdue."))
    return build_pdf(letterhead, f"Mutual fund annual report {year}", content,
                     subject=f"Mutual fund annual report {year}")
