"""Mutual-fund PDFs: a co-op's contribution statement and the fund's annual report."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.i18n import _, _l, format_date, format_locale, format_number, lazy_pgettext, pgettext
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from plugins.jurisdictions.base import get_jurisdiction
from shared_services.mutual_fund import explanation, service
from shared_services.mutual_fund.calculations import ZERO
from shared_services.mutual_fund.models import Contribution

KIND_LABELS = {
    "contribution_due": _l("Contributions due (accounts accepted)"),
    "contribution_adjustment": _l("Corrections to contributions due"),
    "contribution_received": _l("Contributions received"),
    "loan_out": _l("Loans paid out"),
    "repayment_principal": _l("Loan repayments (principal)"),
    "repayment_interest": _l("Interest received"),
    "guarantee_call": _l("Guarantee calls paid"),
}
CONTRIBUTION_STATUS_LABELS = {"nothing_due": _l("nothing due"), "due": _l("due"), "part_paid": _l("part paid"),
                              "paid": lazy_pgettext("contribution", "paid"), "reopened": _l("reopened")}


# The fund's documents are written in the reader's language: its words, numbers, dates and page footer.


def _percent(rate: Decimal) -> str:
    return explanation.percent(rate)


def _outstanding_principal_on(loan, day: date) -> Decimal:
    return loan.principal - sum((r.principal_part for r in loan.repayments if r.paid_on <= day), ZERO)


def _called_by(guarantee, day: date) -> Decimal:
    return sum((call.amount for call in guarantee.calls if call.called_on <= day), ZERO)


def base_steps(contribution: Contribution, letterhead: Letterhead) -> list[list[str]]:
    """How the year's amount was worked out, one row per step: profit, deductions, base, rate, days, amount."""
    c = contribution
    rows = [[_("Net profit of the year"), money(c.net_profit, letterhead)]]
    if c.net_profit <= 0:
        return [*rows, [_("Not a profit: nothing is due"), money(ZERO, letterhead)]]
    rows += [
        [_("less: used to cover losses of prior years"), money(-c.prior_losses_covered, letterhead)],
        [_("less: ristorni allocated from the profit"), money(-c.ristorni, letterhead)],
        [_("= base of the contribution"), money(c.base, letterhead)],
    ]
    full_year = c.full_year_amount if c.full_year_amount is not None else c.amount
    rows.append([_("x %(rate)s = the year's contribution", rate=_percent(c.rate)), money(full_year, letterhead)])
    if full_year < c.minimum:
        rows.append([_("below the minimum of %(minimum)s: nothing is due", minimum=money(c.minimum, letterhead)),
                     money(ZERO, letterhead)])
        return rows
    if c.days_in_year:
        rows.append([_("x %(days)s / %(year_days)s days a member of the association = amount due",
                       days=c.days_member, year_days=c.days_in_year), money(c.amount, letterhead)])
    else:
        rows.append([_("amount due"), money(c.amount, letterhead)])
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
    letterhead = Letterhead(name=consortium_name, currency=tenant.currency, locale=format_locale())
    total_due = sum((c.total_due for c in contributions), ZERO)
    total_paid = sum((c.paid_amount for c in contributions), ZERO)
    total_owed = sum((c.outstanding for c in contributions), ZERO)
    address = ", ".join(part for part in (tenant.address, tenant.postcode, tenant.city) if part)
    content = [
        key_value_table([
            (_("Co-op"), tenant.name),
            (_("Address"), address or "—"),
            (_("Registration no."), tenant.registration_number or "—"),
            (_("Statement date"), format_date(today)),
            (_("Contributions due"), money(total_due, letterhead)),
            (_("Paid"), money(total_paid, letterhead)),
            (pgettext("contribution", "Still owed"), money(total_owed, letterhead)),
        ]),
        heading(_("Contributions by year")),
    ]
    if not contributions:
        content.append(paragraph(_("No accounts of this co-op have been accepted yet, so no contribution is due.")))
    else:
        content.append(data_table(
            [_("Year"), _("Reference"), _("Net profit"), _("Amount"), _("Corrections"), _("Paid"), _("Owed"),
             _("Due by")],
            [[str(c.year), c.reference, money(c.net_profit, letterhead), money(c.amount, letterhead),
              money(c.adjustments_total, letterhead), money(c.paid_amount, letterhead),
              money(c.outstanding, letterhead),
              _("%(date)s (overdue)", date=format_date(c.due_date)) if c.is_overdue(today) else format_date(c.due_date)]
             for c in contributions],
            numeric_columns={2, 3, 4, 5, 6},
            totals_row=[_("Total"), "", "", money(sum((c.amount for c in contributions), ZERO), letterhead),
                        money(sum((c.adjustments_total for c in contributions), ZERO), letterhead),
                        money(total_paid, letterhead), money(total_owed, letterhead), ""],
        ))
        content.append(heading(_("How each year's amount was worked out")))
        for c in contributions:
            terms = service.current_terms(c, legal_reserve_share)
            if c.due_basis == "year_end":
                due = _("%(year)s (due by %(date)s, counted from the end of the financial year)", year=c.year,
                        date=format_date(c.due_date))
            else:
                due = _("%(year)s (due by %(date)s, counted from the members' assembly's approval on %(approved)s)",
                        year=c.year, date=format_date(c.due_date),
                        approved=format_date(c.assembly_approved_on or c.approved_on))
            content.append(paragraph(due))
            content.append(data_table([_("Step"), _("Amount")], base_steps(c, letterhead), numeric_columns={1}))
            if c.adjustments:
                content.append(paragraph(terms.explanation))
            content.append(paragraph(_("Legal reserve (for information): %(amount)s.",
                                       amount=money(terms.legal_reserve, letterhead))))
        corrections = [(c, a) for c in contributions for a in c.adjustments]
        if corrections:
            content.append(heading(_("Corrections after a year was reopened")))
            content.append(data_table(
                [_("Year"), _("Date"), _("Reason"), _("Net profit before"), _("Net profit after"), _("Change")],
                [[str(c.year), format_date(a.adjusted_on), a.reason, money(a.previous_net_profit, letterhead),
                  money(a.net_profit, letterhead), money(a.delta, letterhead)] for c, a in corrections],
                numeric_columns={3, 4, 5},
            ))
        payments = [(c, p) for c in contributions for p in c.payments]
        content.append(heading(_("Payments received")))
        if payments:
            content.append(data_table(
                [_("Date"), _("Year"), _("Reference"), _("How"), _("Amount")],
                [[format_date(p.paid_on), str(c.year), c.reference,
                  _("bank statement") if p.source == "bank_import" else _("entered by the consortium"),
                  money(p.amount, letterhead)] for c, p in sorted(payments, key=lambda pair: pair[1].paid_on)],
                numeric_columns={4},
            ))
        else:
            content.append(paragraph(_("No payments received yet.")))
        owed = [c for c in contributions if c.outstanding > 0]
        if owed:
            references = "; ".join(_("%(reference)s (%(amount)s by %(date)s)", reference=c.reference,
                                     amount=money(c.outstanding, letterhead), date=format_date(c.due_date))
                                   for c in owed)
            content.append(paragraph(
                _("Please pay by bank transfer to %(account)s, quoting the reference in the description: "
                  "%(references)s.", account=pay_to, references=references) if pay_to else
                _("Please pay by bank transfer quoting the reference in the description: %(references)s.",
                  references=references)
            ))
    return build_pdf(letterhead, _("Mutual fund contribution statement"), content,
                     subject=_("Contribution statement of %(coop)s", coop=tenant.name))


def fund_report_pdf(session, year: int, *, today: date, jurisdiction: str, consortium_name: str) -> bytes:
    """The fund's annual report: balance, movements, contributions by co-op, loans, guarantees, arrears."""
    rules = get_jurisdiction(jurisdiction)
    letterhead = Letterhead(name=consortium_name, currency=rules.default_currency, locale=format_locale())
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(today, year_end)
    opening = service.fund_balance(session, until=date(year - 1, 12, 31))
    closing = service.fund_balance(session, until=year_end)
    movements = service.totals_by_kind(session, year=year)
    settings = service.get_settings(session, jurisdiction)
    content = [
        key_value_table([
            (_("Year"), str(year)),
            (_("Figures as of"), format_date(as_of)),
            (_("Balance at the start of the year"), money(opening, letterhead)),
            (_("Balance at the end of the year") if today > year_end else _("Balance so far"),
             money(closing, letterhead)),
            (_("Contribution rate (current setting)"), _percent(settings.rate)),
            (_("Exposure limit"), _("%(multiple)s x the fund's balance",
                                    multiple=format_number(settings.exposure_multiple.normalize()))),
        ]),
        paragraph(_("The balance is the fund's cash: contributions received, less loans paid out, plus repayments "
                    "and interest, less guarantee calls. Every movement is a balanced pair of ledger entries.")),
        heading(_("Movements in the year")),
        data_table([_("Movement"), _("Amount")],
                   [[str(label), money(movements.get(kind, ZERO), letterhead)] for kind, label in KIND_LABELS.items()],
                   numeric_columns={1}),
    ]
    # Contributions as they stood on `as_of` too: corrections and payments dated later are left out.
    every_contribution = list(session.scalars(service.contributions_query()))
    positions = service.positions_on(session, every_contribution, as_of)
    contributions = sorted(((c, positions[c.tenant_id, c.id]) for c in every_contribution
                            if year_start <= c.approved_on <= year_end), key=lambda pair: pair[0].tenant.name)
    content.append(heading(_("Contributions on accounts accepted in %(year)s, by co-op", year=year)))
    if contributions:
        content.append(data_table(
            [_("Co-op"), _("Accounts year"), _("Net profit"), _("Total due"), _("Paid"), _("Owed"), _("Status")],
            [[c.tenant.name, str(c.year), money(c.net_profit, letterhead), money(p.total_due, letterhead),
              money(p.paid, letterhead), money(p.outstanding, letterhead),
              str(CONTRIBUTION_STATUS_LABELS.get(p.status, p.status.replace("_", " ")))]
             for c, p in contributions],
            numeric_columns={2, 3, 4, 5},
            totals_row=[_("Total"), "", "", money(sum((p.total_due for _, p in contributions), ZERO), letterhead),
                        money(sum((p.paid for _, p in contributions), ZERO), letterhead),
                        money(sum((p.outstanding for _, p in contributions), ZERO), letterhead), ""],
        ))
    else:
        content.append(paragraph(_("No accounts accepted in %(year)s.", year=year)))
    # Loans and guarantees as they stood on `as_of`: a past year's report ignores later repayments and calls.
    loans = [(loan, _outstanding_principal_on(loan, as_of)) for loan in session.scalars(service.loans_query())
             if loan.granted_on <= as_of]
    content.append(heading(_("Loans outstanding")))
    live_loans = [(loan, outstanding, service.loan_arrears(loan, as_of))
                  for loan, outstanding in loans if outstanding > 0]
    if live_loans:
        content.append(data_table(
            [_("Borrower"), _("Granted"), _("Principal"), pgettext("interest", "Rate"), _("Outstanding"), _("Arrears"),
             _("Days overdue")],
            [[loan.borrower_name, format_date(loan.granted_on), money(loan.principal, letterhead),
              _percent(loan.annual_rate), money(outstanding, letterhead),
              money(state.arrears_amount, letterhead), str(state.days_overdue)]
             for loan, outstanding, state in live_loans],
            numeric_columns={2, 3, 4, 5, 6},
        ))
    else:
        content.append(paragraph(_("No loans outstanding.")))
    guarantees = [(g, _called_by(g, as_of)) for g in session.scalars(service.guarantees_query())
                  if g.issued_on <= as_of <= g.expires_on]
    guarantees = [(g, called) for g, called in guarantees if g.amount > called]
    content.append(heading(_("Guarantees live")))
    if guarantees:
        content.append(data_table(
            [_("Co-op"), _("Bank"), _("Amount"), _("Called"), _("Expires"), _("Live")],
            [[g.tenant.name, g.bank_name, money(g.amount, letterhead), money(called, letterhead),
              format_date(g.expires_on), money(g.amount - called, letterhead)] for g, called in guarantees],
            numeric_columns={2, 3, 5},
        ))
    else:
        content.append(paragraph(_("No guarantees live.")))
    overdue = [(c, positions[c.tenant_id, c.id]) for c in every_contribution
               if positions[c.tenant_id, c.id].is_overdue(as_of)]
    content.append(heading(_("Contributions in arrears")))
    if overdue:
        content.append(data_table(
            [_("Co-op"), _("Year"), _("Due by"), _("Owed"), _("Days overdue")],
            [[c.tenant.name, str(c.year), format_date(c.due_date), money(p.outstanding, letterhead),
              str((as_of - c.due_date).days)] for c, p in overdue],
            numeric_columns={3, 4},
        ))
    else:
        content.append(paragraph(_("No contribution is overdue.")))
    title = _("Mutual fund annual report %(year)s", year=year)
    return build_pdf(letterhead, title, content, subject=title)
