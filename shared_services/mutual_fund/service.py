"""Mutual-fund rules: accepting accounts into contributions, payments, the ledger, loans, guarantees.

Plain functions on a session in the consortium scope (the API and pages run there). Every money
movement writes one balanced pair of postings through `_post`; the fund balance is the balance of
the fund's cash account. The money arithmetic itself lives in `calculations`.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import marshmallow as ma
from sqlalchemy import case, exists, func, select, text
from sqlalchemy.orm import selectinload
from stdnum import iban as stdnum_iban

from consortium.db import as_utc, once_per_statement, utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _, format_date
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from plugins.jurisdictions.base import InvalidIdentifier, get_jurisdiction, validate_iban
from shared_services.mutual_fund import calculations as calc
from shared_services.mutual_fund import explanation
from shared_services.mutual_fund.calculations import (
    CONTRIBUTION_INCOME,
    CONTRIBUTIONS_RECEIVABLE,
    FUND_CASH,
    GUARANTEE_CALLS_EXPENSE,
    INTEREST_INCOME,
    LOANS_RECEIVABLE,
    ZERO,
    round_cents,
)
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
from tenants.accounts import service as accounts

DEFAULT_JURISDICTION = "it"
DEFAULT_EXPOSURE_MULTIPLE = Decimal("3")
DEFAULT_REMINDER_DAYS_BEFORE = [14, 3]
DEFAULT_REMINDER_DAYS_AFTER = [7, 30]
SETTINGS_FIELDS = ("rate", "minimum", "due_days", "legal_reserve_share", "exposure_multiple", "associations",
                   "reminder_days_before", "reminder_days_after", "due_basis", "bank_account_name", "bank_iban")
# Settings that may be cleared (the fund's bank account is unknown until an admin enters it).
NULLABLE_SETTINGS = ("bank_account_name", "bank_iban")
# Serialises loan and guarantee grants on PostgreSQL, so two at once cannot both pass the exposure check.
FUND_LOCK_KEY = 5_006_001


# --------------------------------------------------------------------------- settings


def default_settings(jurisdiction: str = DEFAULT_JURISDICTION) -> FundSettings:
    """The jurisdiction's fund defaults as an unsaved settings row."""
    defaults = get_jurisdiction(jurisdiction).mutual_fund_defaults
    return FundSettings(
        rate=defaults.rate,
        minimum=defaults.minimum,
        due_days=defaults.due_days,
        legal_reserve_share=defaults.legal_reserve_share,
        exposure_multiple=DEFAULT_EXPOSURE_MULTIPLE,
        associations=1,
        reminder_days_before=list(DEFAULT_REMINDER_DAYS_BEFORE),
        reminder_days_after=list(DEFAULT_REMINDER_DAYS_AFTER),
        due_basis="approval",
        source=defaults.source,
    )


def get_settings(session, jurisdiction: str = DEFAULT_JURISDICTION) -> FundSettings:
    """The consortium's fund settings, or the jurisdiction's defaults until an admin changes them."""
    return session.scalar(select(FundSettings).order_by(FundSettings.id).limit(1)) or default_settings(jurisdiction)


def update_settings(session, changes: dict, *, jurisdiction: str = DEFAULT_JURISDICTION) -> FundSettings:
    """Change the fund's settings (consortium admin); contributions already fixed keep their terms."""
    settings = get_settings(session, jurisdiction)
    for name in SETTINGS_FIELDS:
        if name in changes:
            if changes[name] is None and name not in NULLABLE_SETTINGS:
                raise field_error(name, "may not be null")
            setattr(settings, name, changes[name])
    if settings.due_basis not in calc.DUE_BASES:
        raise field_error("due_basis", _("must be one of %(choices)s", choices=", ".join(calc.DUE_BASES)))
    if settings.bank_iban:
        try:
            settings.bank_iban = validate_iban(settings.bank_iban)
        except InvalidIdentifier as error:
            raise field_error("bank_iban", str(error)) from error
    for name in ("reminder_days_before", "reminder_days_after"):
        setattr(settings, name, sorted(set(getattr(settings, name)), reverse=True))
    settings.source = "Consortium settings, changed from the defaults: " + default_settings(jurisdiction).source
    session.add(settings)
    session.flush()
    return settings


def pay_to_text(settings: FundSettings) -> str | None:
    """'<holder>, IBAN <iban>' of the fund's bank account, or None until an admin enters it."""
    if not settings.bank_iban:
        return None
    holder = f"{settings.bank_account_name}, " if settings.bank_account_name else ""
    return f"{holder}IBAN {stdnum_iban.format(settings.bank_iban)}"


# --------------------------------------------------------------------------- ledger


def _post(session, kind: str, description: str, debit_account: str, credit_account: str, amount: Decimal,
          entry_date: date, *, created_by: int | None = None, **links) -> FundEntry:
    """Write one movement as a balanced pair of postings."""
    if links.get("contribution_id") is not None:
        _check_link(session, Contribution, links.get("tenant_id"), links["contribution_id"])
    debit, credit = calc.balanced_pair(description, debit_account, credit_account, amount)
    entry = FundEntry(
        entry_date=entry_date, kind=kind, description=description, created_by=created_by, **links,
        postings=[FundPosting(account=p.account, debit=p.debit, credit=p.credit) for p in (debit, credit)],
    )
    session.add(entry)
    session.flush()
    return entry


class BrokenLink(RuntimeError):
    """A fund row about to point at a co-op's contribution or payment that does not exist."""


def _check_link(session, model, tenant_id: int | None, row_id: int) -> None:
    """The foreign key the database cannot hold: the fund's books are reference tables on Citus and cannot point
    into the co-ops' distributed tables (migration 0023, docs/scaling.md), so the link is checked before writing.
    The row is almost always the one this transaction has just read or written, found without a query."""
    if tenant_id is None or session.get(model, (tenant_id, row_id), execution_options={"all_tenants": True}) is None:
        raise BrokenLink(f"no {model.__tablename__} row {row_id} of co-op {tenant_id} for the fund to point at")


def account_balances(session, *, until: date | None = None) -> dict[str, Decimal]:
    """Debits less credits of every fund account (of the entries up to `until`, if given)."""
    query = (
        select(FundPosting.account, func.sum(FundPosting.debit) - func.sum(FundPosting.credit))
        .group_by(FundPosting.account)
    )
    if until is not None:
        query = query.join(FundEntry).where(FundEntry.entry_date <= until)
    rows = session.execute(query)
    balances = {account: ZERO for account in (FUND_CASH, CONTRIBUTIONS_RECEIVABLE, CONTRIBUTION_INCOME,
                                              LOANS_RECEIVABLE, INTEREST_INCOME, GUARANTEE_CALLS_EXPENSE)}
    balances.update({account: round_cents(Decimal(total)) for account, total in rows})
    return balances


def fund_balance(session, *, until: date | None = None) -> Decimal:
    """Contributions received, less loans out, plus repayments and interest, less guarantee calls: the cash."""
    return account_balances(session, until=until)[FUND_CASH]


def ledger_is_balanced(session) -> bool:
    """True when every entry's debits equal its credits, and so the whole ledger's."""
    unbalanced = session.scalar(
        select(func.count()).select_from(
            select(FundPosting.entry_id)
            .group_by(FundPosting.entry_id)
            .having(func.sum(FundPosting.debit) != func.sum(FundPosting.credit))
            .subquery()
        )
    )
    return unbalanced == 0


def ledger_query(*, year: int | None = None):
    """SELECT of fund entries, newest first (with their two postings)."""
    query = select(FundEntry).order_by(FundEntry.entry_date.desc(), FundEntry.id.desc())
    if year is not None:
        query = query.where(FundEntry.entry_date.between(date(year, 1, 1), date(year, 12, 31)))
    return query


def totals_by_kind(session, *, year: int | None = None) -> dict[str, Decimal]:
    """The amount moved by each kind of entry (all time, or in one calendar year)."""
    query = select(FundEntry.kind, func.sum(FundPosting.debit)).join(FundPosting).group_by(FundEntry.kind)
    if year is not None:
        query = query.where(FundEntry.entry_date.between(date(year, 1, 1), date(year, 12, 31)))
    return {kind: round_cents(Decimal(total)) for kind, total in session.execute(query)}


@dataclass(frozen=True)
class Exposure:
    """How far the fund is committed against its limit on one day."""

    balance: Decimal
    outstanding_loans: Decimal
    live_guarantees: Decimal
    multiple: Decimal
    limit: Decimal
    headroom: Decimal


def outstanding_loans_total(session) -> Decimal:
    """Principal lent and not yet repaid, over every loan."""
    total = session.scalar(select(func.coalesce(func.sum(Loan.principal - Loan.principal_repaid), 0)))
    return round_cents(Decimal(total))


def live_guarantees_total(session, on: date) -> Decimal:
    """What the fund still stands behind on `on`: unexpired guarantees less what was called."""
    total = session.scalar(
        select(func.coalesce(func.sum(Guarantee.amount - Guarantee.called_amount), 0))
        .where(Guarantee.expires_on >= on)
    )
    return round_cents(Decimal(total))


def loans_and_guarantees_totals(session, on: date) -> tuple[Decimal, Decimal]:
    """`outstanding_loans_total` and `live_guarantees_total(on)` read in one statement (for reports)."""
    loans = select(func.coalesce(func.sum(Loan.principal - Loan.principal_repaid), 0)).scalar_subquery()
    guarantees = (select(func.coalesce(func.sum(Guarantee.amount - Guarantee.called_amount), 0))
                  .where(Guarantee.expires_on >= on).scalar_subquery())
    outstanding, live = session.execute(select(loans, guarantees)).one()
    return round_cents(Decimal(outstanding)), round_cents(Decimal(live))


def exposure(session, on: date, settings: FundSettings | None = None) -> Exposure:
    """The fund's balance, commitments, limit and headroom on `on`."""
    settings = settings or get_settings(session)
    balance = fund_balance(session)
    loans = outstanding_loans_total(session)
    guarantees = live_guarantees_total(session, on)
    return Exposure(
        balance=balance,
        outstanding_loans=loans,
        live_guarantees=guarantees,
        multiple=settings.exposure_multiple,
        limit=round_cents(balance * settings.exposure_multiple),
        headroom=calc.exposure_headroom(balance, loans, guarantees, settings.exposure_multiple),
    )


def _lock_fund(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FUND_LOCK_KEY})


def _check_exposure(session, amount: Decimal, on: date, kind: str, field_name: str) -> None:
    _lock_fund(session)
    state = exposure(session, on)
    try:
        calc.check_exposure(state.balance, state.outstanding_loans, state.live_guarantees, state.multiple, amount,
                            kind=kind)
    except calc.ExposureLimitExceeded as refused:
        message = str(refused)
        raise ServiceError(message[:1].upper() + message[1:] + ".", {field_name: [message]}) from refused


# --------------------------------------------------------------------------- contributions


def contribution_reference(year: int, slug: str) -> str:
    """The reference a co-op quotes on its bank transfer, e.g. MF-2024-girasole."""
    return f"MF-{year}-{slug}"


def _status_from_amounts(contribution: Contribution) -> str:
    return _status(contribution.total_due, contribution.paid_amount)


def _status(total_due: Decimal, paid: Decimal) -> str:
    if total_due <= 0 and paid == 0:
        return "nothing_due"
    if paid >= total_due:
        return "paid"
    return "part_paid" if paid > 0 else "due"


def coop_by_slug(session, slug: str) -> Tenant:
    """A member co-op named in a consortium URL; an unknown one is not found."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("No co-op %(slug)s.", slug=slug))
    return tenant


def contribution_for_year(session, tenant_id: int, year: int) -> Contribution | None:
    """The contribution of one co-op and year, if its accounts were ever accepted."""
    return session.scalar(
        select(Contribution).where(Contribution.tenant_id == tenant_id, Contribution.year == year)
        .execution_options(all_tenants=True)
    )


def accept_accounts(session, version_id: int, *, accepted_by: int, accepted_on: date,
                    jurisdiction: str = DEFAULT_JURISDICTION, member_from: date | None = None,
                    member_until: date | None = None) -> Contribution:
    """Accept a submitted accounts version and create the year's contribution (rate fixed now).

    `member_from` / `member_until` are the days the co-op joined or left the association within the year,
    when it did: the contribution is then pro rata by days (`calculations.membership_days`).

    Accepting the same version again returns the contribution unchanged. After a consortium admin
    reopened the year, accepting the corrected version recomputes the amount at the year's fixed rate
    and records the difference as a correcting entry; the original amount is never edited.
    """
    version = accounts.get_submission(session, version_id)
    existing = contribution_for_year(session, version.tenant_id, version.year)
    if existing is not None and existing.status != "reopened":
        if existing.accounts_version_id == version.id and version.status == "accepted":
            return existing
        raise Conflict(
            f"The {version.year} accounts of this co-op are already accepted; a consortium admin must reopen "
            "the year before another version can be accepted.", {"year": [f"{version.year} is already accepted"]}
        )
    _check_membership_dates(version.year, member_from, member_until)
    accounts.mark_accepted(session, version, accepted_by=accepted_by, accepted_on=accepted_on)
    tenant = session.get(Tenant, version.tenant_id)
    with tenant_scope(session, version.tenant_id):
        if existing is None:
            return _create_contribution(session, tenant, version, get_settings(session, jurisdiction),
                                        accepted_by=accepted_by, accepted_on=accepted_on,
                                        member_from=member_from, member_until=member_until)
        return _correct_contribution(session, existing, version, accepted_by=accepted_by, accepted_on=accepted_on,
                                     legal_reserve_share=get_settings(session, jurisdiction).legal_reserve_share)


def _check_membership_dates(year: int, member_from: date | None, member_until: date | None) -> None:
    for name, day in (("member_from", member_from), ("member_until", member_until)):
        if day is not None and day.year != year:
            raise field_error(name, _("must fall in %(year)s, the year of the accounts (leave it empty when the "
                                      "co-op belonged to the association all year)", year=year))
    if member_from and member_until and member_until < member_from:
        raise field_error("member_until", _("must not be before the day the co-op joined"))


def _terms(contribution: Contribution, net_profit: Decimal, prior_losses_covered: Decimal, ristorni: Decimal,
           legal_reserve_share: Decimal) -> calc.Contribution:
    """The calculation on the contribution's fixed terms (rate, minimum, due date, days of membership)."""
    return calc.compute_contribution(
        net_profit, rate=contribution.rate, minimum=contribution.minimum,
        approval_date=contribution.assembly_approved_on or contribution.approved_on, due_days=0,
        due_date=contribution.due_date, associations=contribution.associations,
        legal_reserve_share=legal_reserve_share, prior_losses_covered=prior_losses_covered, ristorni=ristorni,
        days_member=contribution.days_member, days_in_year=contribution.days_in_year,
    )


def _create_contribution(session, tenant: Tenant, version, settings: FundSettings, *, accepted_by: int,
                         accepted_on: date, member_from: date | None = None,
                         member_until: date | None = None) -> Contribution:
    # Accounts submitted before the assembly date was asked for count from the consortium's acceptance.
    assembly_on = version.assembly_approved_on or accepted_on
    due_date = calc.contribution_due_date(settings.due_basis, year=version.year, approval_date=assembly_on,
                                          due_days=settings.due_days)
    days_member = days_in_year = None
    if member_from is not None or member_until is not None:
        days_member, days_in_year = calc.membership_days(version.year, member_from, member_until)
    result = calc.compute_contribution(
        version.net_profit, rate=settings.rate, minimum=settings.minimum, approval_date=assembly_on,
        due_days=settings.due_days, due_date=due_date, associations=settings.associations,
        legal_reserve_share=settings.legal_reserve_share, prior_losses_covered=version.prior_losses_covered,
        ristorni=version.ristorni_from_profit, days_member=days_member, days_in_year=days_in_year,
    )
    contribution = Contribution(
        tenant_id=tenant.id, year=version.year, accounts_version_id=version.id, net_profit=version.net_profit,
        prior_losses_covered=version.prior_losses_covered, ristorni=version.ristorni_from_profit,
        base=result.base, rate=result.rate, minimum=settings.minimum, associations=settings.associations,
        amount=result.amount, full_year_amount=result.full_year_amount, legal_reserve=result.legal_reserve,
        approved_on=accepted_on, assembly_approved_on=version.assembly_approved_on, due_basis=settings.due_basis,
        due_date=result.due_date, member_from=member_from, member_until=member_until,
        days_member=result.days_member, days_in_year=result.days_in_year,
        explanation=result.explanation, explanation_steps=list(result.steps), currency=tenant.currency,
        reference=contribution_reference(version.year, tenant.slug), adjustments_total=ZERO, paid_amount=ZERO,
        accepted_by=accepted_by, status="nothing_due" if result.amount == 0 else "due",
    )
    session.add(contribution)
    session.flush()
    if result.amount > 0:
        _post(session, "contribution_due", f"{version.year} contribution due, {tenant.name}",
              CONTRIBUTIONS_RECEIVABLE, CONTRIBUTION_INCOME, result.amount, accepted_on, created_by=accepted_by,
              tenant_id=tenant.id, contribution_id=contribution.id)
    return contribution


def _recompute(contribution: Contribution, version, legal_reserve_share: Decimal) -> calc.Contribution:
    """The contribution on a corrected version's figures, on the year's fixed terms (rate, minimum, due date)."""
    return _terms(contribution, version.net_profit, version.prior_losses_covered, version.ristorni_from_profit,
                  legal_reserve_share)


def _correct_contribution(session, contribution: Contribution, version, *, accepted_by: int,
                          accepted_on: date, legal_reserve_share: Decimal) -> Contribution:
    result = _recompute(contribution, version, legal_reserve_share)
    earlier = contribution_adjustments(session, contribution)
    previous_profit = earlier[-1].net_profit if earlier else contribution.net_profit
    delta = result.amount - contribution.total_due
    adjustment = ContributionAdjustment(
        tenant_id=contribution.tenant_id, contribution_id=contribution.id, accounts_version_id=version.id,
        previous_net_profit=previous_profit, net_profit=version.net_profit, delta=delta,
        prior_losses_covered=version.prior_losses_covered, ristorni=version.ristorni_from_profit,
        reason=contribution.reopen_reason or "", adjusted_on=accepted_on, created_by=accepted_by,
    )
    session.add(adjustment)
    contribution.adjustments_total += delta
    contribution.accounts_version_id = version.id
    contribution.status = _status_from_amounts(contribution)
    session.flush()
    session.expire(contribution, ["adjustments"])  # the read-only list now has one more row
    description = f"{contribution.year} contribution corrected, {contribution.tenant.name}"
    if delta > 0:
        _post(session, "contribution_adjustment", description, CONTRIBUTIONS_RECEIVABLE, CONTRIBUTION_INCOME, delta,
              accepted_on, created_by=accepted_by, tenant_id=contribution.tenant_id, contribution_id=contribution.id)
    elif delta < 0:
        _post(session, "contribution_adjustment", description, CONTRIBUTION_INCOME, CONTRIBUTIONS_RECEIVABLE, -delta,
              accepted_on, created_by=accepted_by, tenant_id=contribution.tenant_id, contribution_id=contribution.id)
    return contribution


def contribution_adjustments(session, contribution: Contribution) -> list[ContributionAdjustment]:
    """The correcting entries of one contribution, oldest first."""
    return list(session.scalars(
        select(ContributionAdjustment)
        .where(ContributionAdjustment.tenant_id == contribution.tenant_id,
               ContributionAdjustment.contribution_id == contribution.id)
        .order_by(ContributionAdjustment.id).execution_options(all_tenants=True)
    ))


@dataclass(frozen=True)
class CurrentTerms:
    """What a co-op is shown for its contribution now: after a correction, the corrected year's figures."""

    net_profit: Decimal
    legal_reserve: Decimal
    explanation: str
    # "en" when the explanation is a stored English sentence (a row fixed before steps were kept), else None:
    # it is written in the reader's language.
    explanation_language: str | None = None


def current_terms(contribution: Contribution, legal_reserve_share: Decimal | None) -> CurrentTerms:
    """The net profit, legal reserve and explanation that hold now (the original row is never edited).

    Without corrections these are the figures fixed on acceptance. After a reopened year was accepted
    again they are worked out from the latest corrected net profit on the year's fixed rate, with the
    fund's legal-reserve share (the contribution does not store the share it was first computed with),
    and the explanation says the original amount stands and the correction is a separate entry.
    `legal_reserve_share` is needed only for a corrected year. The explanation is written in the
    reader's language (`explanation`).
    """
    if not contribution.adjustments:
        return CurrentTerms(contribution.net_profit, contribution.legal_reserve,
                            explanation.of_contribution(contribution), explanation.language_of(contribution))
    if legal_reserve_share is None:
        raise ValueError(f"legal_reserve_share is needed for the corrected contribution {contribution.reference}")
    latest = contribution.adjustments[-1]
    result = _terms(contribution, latest.net_profit, latest.prior_losses_covered, latest.ristorni, legal_reserve_share)
    count = len(contribution.adjustments)
    values = dict(date=format_date(latest.adjusted_on), reason=latest.reason,
                  before=explanation.money(latest.previous_net_profit), after=explanation.money(latest.net_profit),
                  amount=explanation.money(contribution.amount), count=count,
                  corrections=explanation.money(contribution.adjustments_total),
                  total=explanation.money(contribution.total_due))
    corrected = (_("Corrected on %(date)s after the year was reopened (%(reason)s)", **values) if latest.reason
                 else _("Corrected on %(date)s after the year was reopened", **values))
    # One correction or several (the same choice in Italian and English, so no plural forms are needed).
    history = corrected + ": " + (_(
        "net profit %(before)s became %(after)s. The amount first fixed, %(amount)s, stands; the correction of "
        "%(corrections)s is a separate entry, so %(total)s is due in all.", **values) if count == 1 else _(
        "net profit %(before)s became %(after)s. The amount first fixed, %(amount)s, stands; the %(count)s "
        "corrections of %(corrections)s are separate entries, so %(total)s is due in all.", **values))
    return CurrentTerms(latest.net_profit, result.legal_reserve, f"{history} {explanation.render(result.steps)}")


def return_accounts(session, version_id: int, *, comment: str, returned_by: int):
    """Send a submitted version back to the co-op with a comment."""
    return accounts.mark_returned(session, accounts.get_submission(session, version_id), comment=comment,
                                  returned_by=returned_by)


def reopen_accounts(session, version_id: int, *, reason: str, by: int) -> Contribution | None:
    """Reopen an accepted year (consortium admin, checked by the caller); its contribution waits for re-acceptance."""
    version = accounts.get_submission(session, version_id)
    # Read before writing: on Citus the reader cannot read what this transaction has written as the app role.
    contribution = contribution_for_year(session, version.tenant_id, version.year)
    accounts.reopen(session, version, reason=reason, by=by)
    if contribution is None:
        return None
    with tenant_scope(session, version.tenant_id):
        contribution.status = "reopened"
        contribution.reopen_reason = version.reopen_reason
        contribution.reopened_at = utcnow()
        session.flush()
    return contribution


@functools.lru_cache(maxsize=128)  # built once per set of arguments: see consortium.api._page_statements
def contributions_query(*, year: int | None = None, tenant_id: int | None = None):
    """SELECT of contributions across co-ops, newest year first then by co-op (consortium scope).

    `year` is the financial year of the accounts.
    """
    query = (
        select(Contribution)
        .order_by(Contribution.year.desc(), Contribution.tenant_id)
        .execution_options(all_tenants=True)
    )
    if year is not None:
        query = query.where(Contribution.year == year)
    if tenant_id is not None:
        query = query.where(Contribution.tenant_id == tenant_id)
    return query


def contribution_totals_by_tenant(session, year: int) -> dict[int, dict[str, Decimal]]:
    """Per co-op, its contributions of `year`: how many, due (with corrections), paid and outstanding (as
    `Contribution.outstanding`: never below zero), read as columns in one query (consortium scope; for reports)."""
    rows = session.execute(
        select(Contribution.tenant_id, Contribution.amount + Contribution.adjustments_total, Contribution.paid_amount)
        .where(Contribution.year == year)
        .execution_options(all_tenants=True))
    totals: dict[int, dict] = {}
    for tenant_id, due, paid in rows:
        row = totals.setdefault(tenant_id, {"count": 0, "due": Decimal("0.00"), "paid": Decimal("0.00"),
                                            "outstanding": Decimal("0.00")})
        row["count"] += 1
        row["due"] += due
        row["paid"] += paid
        row["outstanding"] += max(due - paid, Decimal("0.00"))
    return totals


def contribution_totals_by_currency(session, year: int) -> dict[str, dict[str, Decimal]]:
    """The active co-ops' contributions of `year` summed per currency by the database, as
    `contribution_totals_by_tenant` per co-op: how many, due (with corrections), paid and outstanding (each
    contribution's never below zero); one grouped query over the figures' columns (consortium scope; reports)."""
    due = Contribution.amount + Contribution.adjustments_total
    owed = case((due > Contribution.paid_amount, due - Contribution.paid_amount), else_=0)
    query = (select(Tenant.currency, func.count(), func.sum(due), func.sum(Contribution.paid_amount), func.sum(owed))
             .join(Tenant, Tenant.id == Contribution.tenant_id)
             .where(Contribution.year == year, Tenant.status == "active")
             .group_by(Tenant.currency).execution_options(all_tenants=True))
    return {currency: {"count": count, "due": round_cents(Decimal(due_total)), "paid": round_cents(Decimal(paid)),
                       "outstanding": round_cents(Decimal(outstanding))}
            for currency, count, due_total, paid, outstanding in session.execute(query)}


@functools.lru_cache(maxsize=128)  # built once per set of arguments: see consortium.api._page_statements
def own_contributions_query(*, payments: bool = True, history: bool = True):
    """SELECT of the current co-op's contributions, newest year first (the tenant filter applies), loading their
    corrections and, with `payments`, their payments (neither without `history`)."""
    query = select(Contribution).order_by(Contribution.year.desc())
    return with_history(query, payments=payments) if history else query


def with_history(query, *, payments: bool = True):
    """`query` of contributions loading their corrections (and payments) in one query each, not one per row."""
    query = query.options(selectinload(Contribution.adjustments))
    return query.options(selectinload(Contribution.payments)) if payments else query


# The API's contributions lists read as columns (issue 16): every column of the row (the schema, the explanation
# and a correction's terms read them), the co-op's slug by an outer join on its key (PostgreSQL drops it from the
# page's COUNT) and whether the row has corrections, so only a page with some loads them.
ROW_COLUMNS = (*Contribution.__table__.columns, Tenant.slug.label("tenant_slug"),
               exists().where(ContributionAdjustment.tenant_id == Contribution.tenant_id,
                              ContributionAdjustment.contribution_id == Contribution.id)
               .correlate(Contribution).label("has_adjustments"))


@once_per_statement  # the two lists pass the statements their builders keep (see consortium.api._page_statements)
def contribution_rows_query(query):
    """`contributions_query` or `own_contributions_query` as rows of ROW_COLUMNS (for `contribution_rows`)."""
    return query.with_only_columns(*ROW_COLUMNS, maintain_column_froms=False).outerjoin_from(
        Contribution, Tenant, Tenant.id == Contribution.tenant_id)


class ContributionRow:
    """A contribution read as columns, with what `ContributionSchema` and `current_terms` read of a Contribution:
    its columns, `tenant.slug`, `adjustments` (oldest first), `total_due`, `outstanding` and `is_overdue`."""

    total_due = Contribution.total_due
    outstanding = Contribution.outstanding
    is_overdue = Contribution.is_overdue

    def __init__(self, row, adjustments: list):
        self.__dict__.update(row._mapping)
        self.tenant = SimpleNamespace(slug=row.tenant_slug)
        self.adjustments = adjustments


def contribution_rows(session, rows, **execution_options) -> list[ContributionRow]:
    """Rows of `contribution_rows_query` as ContributionRow; the corrections of those that have any in one query."""
    corrected = [(row.tenant_id, row.id) for row in rows if row.has_adjustments]
    adjustments: dict[tuple[int, int], list] = {}
    if corrected:
        query = (select(ContributionAdjustment)
                 .where(ContributionAdjustment.tenant_id.in_({key[0] for key in corrected}),
                        ContributionAdjustment.contribution_id.in_([key[1] for key in corrected]))
                 .order_by(ContributionAdjustment.id).execution_options(**execution_options))
        for adjustment in session.scalars(query):
            adjustments.setdefault((adjustment.tenant_id, adjustment.contribution_id), []).append(adjustment)
    return [ContributionRow(row, adjustments.get((row.tenant_id, row.id), [])) for row in rows]


def get_contribution(session, *, contribution_id: int | None = None, reference: str | None = None) -> Contribution:
    """One contribution of any co-op, by id or by its payment reference (case-insensitive)."""
    query = select(Contribution).execution_options(all_tenants=True)
    if contribution_id is not None:
        contribution = session.scalar(query.where(Contribution.id == contribution_id))
        if contribution is None:
            raise NotFound(_("No contribution %(id)s.", id=contribution_id),
                           {"contribution_id": [_("No contribution %(id)s.", id=contribution_id)]})
        return contribution
    contribution = session.scalar(query.where(func.lower(Contribution.reference) == (reference or "").lower()))
    if contribution is None:
        unknown = _("%(reference)s matches no contribution", reference=(reference or "").upper())
        raise NotFound(unknown, {"reference": [unknown]})
    return contribution


@dataclass(frozen=True)
class Position:
    """A contribution as it stood on one day: corrections and payments dated after it left out."""

    total_due: Decimal
    paid: Decimal
    status: str
    due_date: date

    @property
    def outstanding(self) -> Decimal:
        """What was still owed that day (never below zero)."""
        return max(self.total_due - self.paid, ZERO)

    def is_overdue(self, on: date) -> bool:
        """True if the due date had passed by `on` with money still owed (a reopened year excepted)."""
        return calc.contribution_overdue(self.status, self.outstanding, self.due_date, on)


def _sums_by_contribution(session, model, amount_column, date_column, on: date) -> dict[tuple[int, int], tuple]:
    """(sum of amounts dated on or before `on`, latest date of any row) per contribution, in one grouped query."""
    rows = session.execute(
        select(model.tenant_id, model.contribution_id,
               func.sum(case((date_column <= on, amount_column), else_=0)), func.max(date_column))
        .group_by(model.tenant_id, model.contribution_id).execution_options(all_tenants=True)
    )
    return {(tenant_id, contribution_id): (round_cents(Decimal(str(total or 0))), latest)
            for tenant_id, contribution_id, total, latest in rows}


def positions_on(session, contributions: list[Contribution], on: date) -> dict[tuple[int, int], Position]:
    """Each contribution as it stood at the end of `on`, keyed by (tenant_id, id); two grouped queries in all.

    A year reopened by then and accepted again only later (or not yet) counts as reopened that day.
    """
    corrections = _sums_by_contribution(session, ContributionAdjustment, ContributionAdjustment.delta,
                                        ContributionAdjustment.adjusted_on, on)
    payments = _sums_by_contribution(session, ContributionPayment, ContributionPayment.amount,
                                     ContributionPayment.paid_on, on)
    positions = {}
    for contribution in contributions:
        key = (contribution.tenant_id, contribution.id)
        corrected, last_corrected_on = corrections.get(key, (ZERO, None))
        paid, _ = payments.get(key, (ZERO, None))
        total_due = contribution.amount + corrected
        reopened_on = as_utc(contribution.reopened_at).date() if contribution.reopened_at else None
        reopened = reopened_on is not None and reopened_on <= on and (
            contribution.status == "reopened" or (last_corrected_on is not None and last_corrected_on > on))
        status = "reopened" if reopened else _status(total_due, paid)
        positions[key] = Position(total_due, paid, status, contribution.due_date)
    return positions


@dataclass(frozen=True)
class BreakdownRow:
    """Contributions due, paid and outstanding for one co-op or one year."""

    key: str
    label: str
    contributions: int
    due: Decimal
    paid: Decimal
    outstanding: Decimal


def _breakdown(session, group_column, label_of) -> list[BreakdownRow]:
    due = Contribution.amount + Contribution.adjustments_total
    outstanding = case((due > Contribution.paid_amount, due - Contribution.paid_amount), else_=0)
    rows = session.execute(
        select(group_column, func.count(), func.sum(due), func.sum(Contribution.paid_amount), func.sum(outstanding))
        .group_by(group_column).execution_options(all_tenants=True)
    )
    return [
        BreakdownRow(str(key), label_of(key), count, round_cents(Decimal(total_due)), round_cents(Decimal(paid)),
                     round_cents(Decimal(owed)))
        for key, count, total_due, paid, owed in rows
    ]


def breakdown_by_coop(session) -> list[BreakdownRow]:
    """Every co-op's contributions over all years, by co-op name."""
    names = dict(session.execute(select(Tenant.id, Tenant.name)).all())
    return sorted(_breakdown(session, Contribution.tenant_id, lambda key: names.get(key, str(key))),
                  key=lambda row: row.label)


def breakdown_by_year(session) -> list[BreakdownRow]:
    """Contributions of every co-op by year, newest first."""
    return sorted(_breakdown(session, Contribution.year, str), key=lambda row: row.key, reverse=True)


# --------------------------------------------------------------------------- payments


def _require_cents(field_name: str, amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise field_error(field_name, "must be an amount")
    if amount <= 0:
        raise field_error(field_name, "must be positive")
    if amount != round_cents(amount):
        raise field_error(field_name, "must be in whole cents")
    return amount


def _payment_refusal(contribution: Contribution, amount: Decimal) -> str | None:
    if contribution.total_due <= 0:
        return _("nothing is due on %(reference)s", reference=contribution.reference)
    if amount > contribution.outstanding:
        return _("%(amount)s is more than the %(outstanding)s outstanding on %(reference)s",
                 amount=calc.format_money(amount), outstanding=calc.format_money(contribution.outstanding),
                 reference=contribution.reference)
    return None


def record_payment(session, contribution: Contribution, *, amount: Decimal, paid_on: date, recorded_by: int | None,
                   source: str = "manual", description: str | None = None) -> ContributionPayment:
    """Record money received against a contribution (never more than is outstanding)."""
    _require_cents("amount", amount)
    refusal = _payment_refusal(contribution, amount)
    if refusal:
        raise field_error("amount", refusal)
    with tenant_scope(session, contribution.tenant_id):
        payment = ContributionPayment(
            tenant_id=contribution.tenant_id, contribution_id=contribution.id, paid_on=paid_on, amount=amount,
            source=source, description=description, recorded_by=recorded_by,
        )
        session.add(payment)
        contribution.paid_amount += amount
        if contribution.status != "reopened":
            contribution.status = _status_from_amounts(contribution)
        session.flush()
        session.expire(contribution, ["payments"])  # the read-only list now has one more row
        # In the co-op's scope, as the contribution's own entry is: on Citus a transaction that has written as the
        # app role cannot then write as the consortium reader (docs/scaling.md).
        _post(session, "contribution_received",
              f"{contribution.year} contribution received, {contribution.tenant.name}",
              FUND_CASH, CONTRIBUTIONS_RECEIVABLE, amount, paid_on, created_by=recorded_by,
              tenant_id=contribution.tenant_id, contribution_id=contribution.id)
    return payment


# --------------------------------------------------------------------------- bank statement import

STATEMENT_COLUMNS = ("date", "description", "amount")
REFERENCE_PATTERN = re.compile(r"MF-\d{4}-[A-Za-z0-9-]+", re.IGNORECASE)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


@dataclass(frozen=True)
class StatementLine:
    """One line of a bank statement, as read from the CSV (row numbers as the user sees them)."""

    row: int
    line_date: date
    description: str
    amount: Decimal
    line_hash: str


@dataclass
class ImportedLine:
    """What became of one statement line: recorded, already imported, or unmatched (and why)."""

    row: int
    line_date: date
    description: str
    amount: Decimal
    status: str
    reference: str | None = None
    reason: str | None = None
    payment_id: int | None = None


@dataclass
class ImportResult:
    """The lines recorded now, those recorded by an earlier import, and those nobody matched."""

    recorded: list[ImportedLine] = field(default_factory=list)
    already_imported: list[ImportedLine] = field(default_factory=list)
    unmatched: list[ImportedLine] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_date(value: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _parse_amount(value: str, decimal_comma: bool) -> Decimal:
    cleaned = value.strip().replace(" ", "").replace("\u00a0", "").strip("£€")
    cleaned = cleaned.replace(".", "").replace(",", ".") if decimal_comma else cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not an amount") from None
    if not amount.is_finite() or amount != round_cents(amount):
        raise ValueError(f"'{value}' is not an amount in whole cents")
    return round_cents(amount)


def line_hash(line_date: date, description: str, amount: Decimal, occurrence: int) -> str:
    """The identity of a statement line: date, description, amount, and which identical line it is."""
    text_value = f"{line_date.isoformat()}|{description.strip()}|{round_cents(amount)}|{occurrence}"
    return hashlib.sha256(text_value.encode()).hexdigest()


def parse_bank_statement(data: bytes) -> list[StatementLine]:
    """Read a bank statement CSV (date, description, amount); any bad row refuses the whole file."""
    content = _decode(data)
    if not content.strip():
        raise field_error("file", "the file is empty")
    first_line = content.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in STATEMENT_COLUMNS if name not in header]
    if missing:
        raise field_error("file", "missing column(s): " + ", ".join(missing) + "; the header must name "
                          + ", ".join(STATEMENT_COLUMNS))
    position = {name: header.index(name) for name in STATEMENT_COLUMNS}
    lines, errors, seen = [], {}, {}
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[index] if index < len(row) else "") for name, index in position.items()}
        problems = []
        try:
            line_date = _parse_date(cells["date"])
        except ValueError as error:
            problems.append(f"date: {error}")
        try:
            amount = _parse_amount(cells["amount"], decimal_comma=delimiter == ";")
        except ValueError as error:
            problems.append(f"amount: {error}")
        description = cells["description"].strip()
        if not description:
            problems.append("description: is empty")
        if problems:
            errors[f"row {row_number}"] = problems
            continue
        identity = (line_date, description, amount)
        seen[identity] = seen.get(identity, 0) + 1
        lines.append(StatementLine(row_number, line_date, description, amount,
                                   line_hash(line_date, description, amount, seen[identity])))
    if errors:
        raise ma.ValidationError(errors)
    if not lines:
        raise field_error("file", "the statement has no lines")
    return lines


def _candidate_references(description: str) -> list[str]:
    """References quoted in a description, each also cut back at its hyphens (bank text may follow the slug)."""
    candidates = []
    for token in REFERENCE_PATTERN.findall(description):
        parts = token.lower().split("-")
        candidates += ["-".join(parts[:end]) for end in range(len(parts), 2, -1)]
    return candidates


def import_bank_statement(session, data: bytes, *, recorded_by: int | None) -> ImportResult:
    """Record the statement's lines that quote a contribution reference; list the others, never guess."""
    lines = parse_bank_statement(data)
    known = set(session.scalars(
        select(BankStatementLine.line_hash).where(BankStatementLine.line_hash.in_([line.line_hash for line in lines]))
    ))
    candidates = {candidate for line in lines for candidate in _candidate_references(line.description)}
    by_reference = {
        contribution.reference.lower(): contribution
        for contribution in session.scalars(
            select(Contribution).where(func.lower(Contribution.reference).in_(candidates))
            .execution_options(all_tenants=True)
        )
    } if candidates else {}
    result = ImportResult()
    for line in lines:
        outcome = ImportedLine(line.row, line.line_date, line.description, line.amount, "unmatched")
        if line.line_hash in known:
            outcome.status = "already_imported"
            result.already_imported.append(outcome)
            continue
        references = _candidate_references(line.description)
        contribution = next((by_reference[ref] for ref in references if ref in by_reference), None)
        if contribution is None:
            outcome.reason = (_("no contribution reference (MF-year-coop) in the description") if not references
                              else _("%(reference)s matches no contribution", reference=references[0].upper()))
        elif line.amount <= 0:
            outcome.reference, outcome.reason = contribution.reference, _("not a credit to the fund")
        else:
            outcome.reference = contribution.reference
            outcome.reason = _payment_refusal(contribution, line.amount)
        if outcome.reason:
            result.unmatched.append(outcome)
            continue
        payment = record_payment(session, contribution, amount=line.amount, paid_on=line.line_date,
                                 recorded_by=recorded_by, source="bank_import", description=line.description)
        _check_link(session, ContributionPayment, contribution.tenant_id, payment.id)
        with tenant_scope(session, contribution.tenant_id):  # with its payment (Citus: see record_payment)
            session.add(BankStatementLine(line_hash=line.line_hash, line_date=line.line_date,
                                          description=line.description, amount=line.amount,
                                          tenant_id=contribution.tenant_id, payment_id=payment.id))
            session.flush()
        known.add(line.line_hash)
        outcome.status, outcome.payment_id = "recorded", payment.id
        result.recorded.append(outcome)
    return result


# --------------------------------------------------------------------------- loans


def _value_error_as_field_error(error: Exception) -> ServiceError:
    message = str(error)
    return field_error(message.split(" ", 1)[0], message)


def grant_loan(session, *, borrower_tenant_id: int | None = None, incubation_project_id: int | None = None,
               borrower_name: str, principal: Decimal, annual_rate: Decimal, months: int, method: str,
               first_due: date, granted_on: date, granted_by: int | None) -> Loan:
    """Lend from the fund to a member co-op or an incubation project, within the exposure limit."""
    if borrower_tenant_id is None and incubation_project_id is None:
        raise field_error("borrower_tenant_id", "name the borrowing co-op or the incubation project")
    if borrower_tenant_id is not None and session.get(Tenant, borrower_tenant_id) is None:
        raise field_error("borrower_tenant_id", f"no co-op {borrower_tenant_id}")
    if incubation_project_id is not None:
        # Imported here: the incubation service imports this module to grant its projects' loan requests.
        from shared_services.incubation import service as incubation

        if session.get(incubation.IncubationProject, incubation_project_id) is None:
            raise field_error("incubation_project_id", f"no incubation project {incubation_project_id}")
    if not (borrower_name or "").strip():
        raise field_error("borrower_name", "is required")
    if first_due <= granted_on:
        raise field_error("first_due", "the first instalment must fall due after the loan is granted")
    try:
        schedule = calc.loan_schedule(principal, annual_rate, months, method, first_due)
    except (TypeError, ValueError) as error:
        raise _value_error_as_field_error(error) from error
    _lock_fund(session)
    cash = fund_balance(session)
    if principal > cash:
        raise field_error("principal", f"the fund holds only {calc.format_money(cash)}; it cannot pay out "
                                       f"{calc.format_money(principal)}")
    # checked on the fund as it will be once the principal is paid out (calculations.exposure_after)
    _check_exposure(session, principal, granted_on, "loan", "principal")
    loan = Loan(
        borrower_tenant_id=borrower_tenant_id, incubation_project_id=incubation_project_id,
        borrower_name=borrower_name.strip(), principal=principal, annual_rate=annual_rate, months=months,
        method=method, first_due=first_due, granted_on=granted_on, granted_by=granted_by,
        principal_repaid=ZERO, interest_paid=ZERO,
        instalments=[LoanInstalment(number=i.number, due_date=i.due_date, principal=i.principal, interest=i.interest,
                                    payment=i.payment, balance_after=i.balance_after) for i in schedule],
    )
    session.add(loan)
    session.flush()
    _post(session, "loan_out", f"Loan {loan.id} to {loan.borrower_name}", LOANS_RECEIVABLE, FUND_CASH, principal,
          granted_on, created_by=granted_by, tenant_id=borrower_tenant_id, loan_id=loan.id)
    return loan


def get_loan(session, loan_id: int) -> Loan:
    """One loan of the fund."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise NotFound(_("No loan %(id)s.", id=loan_id))
    return loan


def loans_query():
    """SELECT of every loan, newest first."""
    return select(Loan).order_by(Loan.granted_on.desc(), Loan.id.desc())


def _split_repayment(loan: Loan, amount: Decimal) -> tuple[Decimal, Decimal]:
    """(principal, interest) a payment covers: the schedule in order, each instalment's interest first."""
    already, left = loan.principal_repaid + loan.interest_paid, amount
    principal = interest = ZERO
    for instalment in loan.instalments:
        for is_interest, part in ((True, instalment.interest), (False, instalment.principal)):
            covered = min(part, already)
            already -= covered
            taken = min(part - covered, left)
            left -= taken
            if is_interest:
                interest += taken
            else:
                principal += taken
    return principal, interest


def record_repayment(session, loan: Loan, *, amount: Decimal, paid_on: date, recorded_by: int | None) -> LoanRepayment:
    """Record a borrower's payment, split into interest and principal against the schedule."""
    _require_cents("amount", amount)
    if paid_on < loan.granted_on:
        raise field_error("paid_on", f"the loan was granted on {loan.granted_on.isoformat()}")
    remaining = sum((i.payment for i in loan.instalments), ZERO) - loan.principal_repaid - loan.interest_paid
    if amount > remaining:
        raise field_error("amount", f"{calc.format_money(amount)} is more than the "
                                    f"{calc.format_money(remaining)} left to repay on loan {loan.id}")
    principal, interest = _split_repayment(loan, amount)
    repayment = LoanRepayment(paid_on=paid_on, amount=amount, principal_part=principal, interest_part=interest,
                              recorded_by=recorded_by)
    loan.repayments.append(repayment)
    loan.principal_repaid += principal
    loan.interest_paid += interest
    session.flush()
    links = {"created_by": recorded_by, "tenant_id": loan.borrower_tenant_id, "loan_id": loan.id}
    if principal > 0:
        _post(session, "repayment_principal", f"Loan {loan.id} repayment, principal, {loan.borrower_name}",
              FUND_CASH, LOANS_RECEIVABLE, principal, paid_on, **links)
    if interest > 0:
        _post(session, "repayment_interest", f"Loan {loan.id} repayment, interest, {loan.borrower_name}",
              FUND_CASH, INTEREST_INCOME, interest, paid_on, **links)
    return repayment


def loan_arrears(loan: Loan, as_of: date) -> calc.Arrears:
    """Where the borrower stands against the schedule on `as_of`."""
    schedule = [calc.Instalment(i.number, i.due_date, i.principal, i.interest, i.payment, i.balance_after)
                for i in loan.instalments]
    return calc.arrears(schedule, [(r.paid_on, r.amount) for r in loan.repayments], as_of)


# --------------------------------------------------------------------------- guarantees


def give_guarantee(session, *, tenant_id: int, bank_name: str, amount: Decimal, issued_on: date, expires_on: date,
                   description: str | None, created_by: int | None) -> Guarantee:
    """Guarantee a bank's loan to a member co-op, within the exposure limit."""
    if session.get(Tenant, tenant_id) is None:
        raise field_error("tenant_id", f"no co-op {tenant_id}")
    if not (bank_name or "").strip():
        raise field_error("bank_name", "is required")
    _require_cents("amount", amount)
    if expires_on <= issued_on:
        raise field_error("expires_on", "must be after issued_on")
    _check_exposure(session, amount, issued_on, "guarantee", "amount")
    guarantee = Guarantee(tenant_id=tenant_id, bank_name=bank_name.strip(), amount=amount, issued_on=issued_on,
                          expires_on=expires_on, description=description, called_amount=ZERO, created_by=created_by)
    session.add(guarantee)
    session.flush()
    return guarantee


def get_guarantee(session, guarantee_id: int) -> Guarantee:
    """One guarantee given by the fund."""
    guarantee = session.get(Guarantee, guarantee_id)
    if guarantee is None:
        raise NotFound(_("No guarantee %(id)s.", id=guarantee_id))
    return guarantee


def guarantees_query():
    """SELECT of every guarantee, soonest expiry first."""
    return select(Guarantee).order_by(Guarantee.expires_on, Guarantee.id)


def call_guarantee(session, guarantee: Guarantee, *, amount: Decimal, called_on: date,
                   recorded_by: int | None) -> GuaranteeCall:
    """The bank called the guarantee: the fund pays up to what is left of it, while it is live."""
    _require_cents("amount", amount)
    if called_on < guarantee.issued_on:
        raise field_error("called_on", f"the guarantee was given on {guarantee.issued_on.isoformat()}")
    if called_on > guarantee.expires_on:
        raise field_error("called_on", f"the guarantee expired on {guarantee.expires_on.isoformat()}")
    left = guarantee.amount - guarantee.called_amount
    if amount > left:
        raise field_error("amount", f"{calc.format_money(amount)} is more than the {calc.format_money(left)} "
                                    f"left of guarantee {guarantee.id}")
    call = GuaranteeCall(called_on=called_on, amount=amount, recorded_by=recorded_by)
    guarantee.calls.append(call)
    guarantee.called_amount += amount
    session.flush()
    _post(session, "guarantee_call", f"Guarantee {guarantee.id} called by {guarantee.bank_name}",
          GUARANTEE_CALLS_EXPENSE, FUND_CASH, amount, called_on, created_by=recorded_by,
          tenant_id=guarantee.tenant_id, guarantee_id=guarantee.id)
    return call


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class FundOverview:
    """The fund at a glance: balance, totals by movement, commitments and the exposure limit."""

    on: date
    balance: Decimal
    contributions_due: Decimal
    contributions_received: Decimal
    contributions_outstanding: Decimal
    loans_out: Decimal
    repayments_principal: Decimal
    interest: Decimal
    guarantee_calls: Decimal
    outstanding_loans: Decimal
    live_guarantees: Decimal
    exposure_multiple: Decimal
    exposure_limit: Decimal
    headroom: Decimal
    ledger_balanced: bool
    currency: str


def fund_overview(session, on: date, *, jurisdiction: str = DEFAULT_JURISDICTION) -> FundOverview:
    """Balance and totals of the fund on `on`."""
    totals = totals_by_kind(session)
    balances = account_balances(session)
    state = exposure(session, on, get_settings(session, jurisdiction))
    return FundOverview(
        on=on,
        balance=state.balance,
        contributions_due=ZERO - balances[CONTRIBUTION_INCOME],
        contributions_received=totals.get("contribution_received", ZERO),
        contributions_outstanding=balances[CONTRIBUTIONS_RECEIVABLE],
        loans_out=totals.get("loan_out", ZERO),
        repayments_principal=totals.get("repayment_principal", ZERO),
        interest=totals.get("repayment_interest", ZERO),
        guarantee_calls=totals.get("guarantee_call", ZERO),
        outstanding_loans=state.outstanding_loans,
        live_guarantees=state.live_guarantees,
        exposure_multiple=state.multiple,
        exposure_limit=state.limit,
        headroom=state.headroom,
        ledger_balanced=ledger_is_balanced(session),
        currency=get_jurisdiction(jurisdiction).default_currency,
    )



def fund_currency(jurisdiction: str = DEFAULT_JURISDICTION) -> str:
    """The currency the fund keeps its books in (its jurisdiction's)."""
    return get_jurisdiction(jurisdiction).default_currency
