"""Consortium reporting: the dashboard (consortium-wide and per co-op), the social report (bilancio sociale)
per co-op and consolidated, the UK annual-return calendar and audit-exemption test.

Every figure comes from another feature's *service* functions. Consortium-wide figures are read in the
consortium scope over what co-ops report to it (accepted accounts, contributions, member counts by
category, training compliance counts); a figure the reader may not read (disadvantaged workers) is
computed per co-op in that co-op's own scope (`tenant_scope` nested in the consortium scope) and only the
count leaves it. Money is grouped by currency: a GBP and a EUR co-op are never added together.

Sources of the rules:
- Social report sections: D.M. Lavoro 4 July 2019 (G.U. n. 186 of 9 Aug 2019), annex § 6, the eight sections;
  an omitted item must be explained (fiscoetasse.com summary of the guidelines; full text at studiocerbone.com
  and italianonprofit.it). Imprese sociali, social co-ops and their consortia included, file it whatever their
  size; groups file it consolidated (welforum.it, 11 Aug 2019). Deposit at the Registro delle imprese and
  publication online: D.Lgs. 112/2017 art. 9 co. 2 (italianonprofit.it, premises of the D.M.). The 30 June
  date: the guidelines' § 7 apply to social enterprises the 30 June of D.Lgs. 117/2017 art. 48 co. 3 (through
  D.Lgs. 112/2017 art. 1 co. 5), and Ministero del Lavoro nota n. 8452 of 24 June 2021 confirms it for social
  co-ops and their consortia (studioboaretto.it, cantiereterzosettore.it, ntplusfisco.ilsole24ore.com); a co-op
  that files its accounts later (within 30 days of approval, c.c. art. 2435) may file the social report with them,
  which the reminders do not model.
- Pay ratio: D.Lgs. 112/2017 art. 13 co. 1: the gap between employees' gross annual pay may not exceed 1:8,
  or 1:12 where specific skills are proven to be needed (added by D.L. 48/2023 art. 29 co. 3 lett. b,
  converted by L. 85/2023; gazzettaufficiale.it). Art. 13 co. 2: volunteers may not outnumber workers
  (e-glossa.it, art. 13 text).
- UK: the AR30 annual return is due 7 months after the year end (CCBS Act 2014 s.89(1); fca.org.uk "Annual
  returns and accounts: mutual societies"). Audit may be disapplied by resolution if the previous year's
  turnover is at most £10.2m and assets at most £5.1m (CCBS Act 2014 s.84 as amended by the CCBS Act 2014
  (Amendments to Audit Requirements) Order 2018, from 6 April 2018; gov.uk consultation outcome of
  1 Dec 2017 and uk.coop "Audit requirement changes").
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select, type_coerce

from consortium.db import utcnow
from consortium.errors import Conflict, NotFound, ServiceError
from consortium.i18n import _, _l, format_number
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, current_tenant_id, set_tenant
from shared_services.incubation import lineage
from shared_services.incubation import service as incubation
from shared_services.mutual_fund import service as fund
from shared_services.reporting.models import ReportedFigures, SocialReport
from shared_services.tendering import service as tendering
from tenants.accounts import service as accounts
from tenants.invoicing import service as invoicing
from tenants.members import service as members
from tenants.payroll import service as payroll
from tenants.training import service as training

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# D.M. 4 July 2019 annex § 6: the eight sections, in order.
SECTIONS = (
    ("methodology", _l("Methodology adopted")),
    ("general", _l("General information on the entity")),
    ("governance", _l("Structure, governance and administration")),
    ("people", _l("People who work for the entity")),
    ("activities", _l("Objectives and activities")),
    ("economics", _l("Economic and financial situation")),
    ("other", _l("Other information")),
    ("monitoring", _l("Monitoring by the control body")),
)
SECTION_KEYS = tuple(key for key, _label in SECTIONS)
SECTION_LABELS = dict(SECTIONS)
# Sections the platform fills from its own data; the others hold only what the co-op writes.
DATA_SECTIONS = ("general", "governance", "people", "economics")

PAY_RATIO_LIMIT = Decimal("8")  # art. 13 co. 1, D.Lgs. 112/2017
PAY_RATIO_LIMIT_SKILLS = Decimal("12")  # the same, with proven need for specific skills (D.L. 48/2023 art. 29)
UK_AUDIT_TURNOVER_LIMIT = Decimal("10200000")  # CCBS Act 2014 s.84 as amended from 6 April 2018
UK_AUDIT_ASSETS_LIMIT = Decimal("5100000")
AR30_MONTHS_AFTER_YEAR_END = 7
SOCIAL_REPORT_DUE = (6, 30)  # 30 June of the year after (D.M. 4 July 2019 § 7; nota MLPS 8452/2021)

TYPE_B_FORM = "social_coop_b"
# Turnover bands of the distribution (in the co-op's own currency).
TURNOVER_BANDS = (Decimal("100000"), Decimal("500000"), Decimal("1000000"), Decimal("5000000"))


# --------------------------------------------------------------------------- small helpers


def _q(value: Decimal | None, step: Decimal = CENT) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(step, ROUND_HALF_UP)


def median(values) -> Decimal | None:
    """The median of Decimals (the mean of the middle two for an even count), to the cent; None if empty."""
    values = list(values)
    return _q(statistics.median(values)) if values else None


def percent(part, whole, step: Decimal = TENTH) -> Decimal | None:
    """`part` of `whole` as a percentage to one decimal; None when `whole` is zero."""
    return _q(Decimal(part) * 100 / Decimal(whole), step) if whole else None


def band_of(turnover: Decimal) -> int:
    """The index of the turnover band: 0 below 100,000 ... 4 at 5,000,000 and over."""
    return sum(1 for limit in TURNOVER_BANDS if turnover >= limit)


def jsonable(value):
    """A figures tree with Decimals as strings and dates as ISO text (the API and the frozen snapshot)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def purchasing_summary(session, year: int, tenant_id: int | None = None) -> dict:
    """Spend and savings of the purchasing rounds delivered in `year` (the consortium's, or one co-op's)."""
    from shared_services.purchasing import service as purchasing

    return purchasing.purchasing_summary(session, year, tenant_id=tenant_id)


def _turnover(figures: dict) -> Decimal:
    return (
        figures["turnover_public_contracts"]
        + figures["turnover_private_fees"]
        + figures["turnover_grants_donations"]
        + figures["turnover_other"]
    )


REVENUE_LINES = ("turnover_public_contracts", "turnover_private_fees", "turnover_grants_donations", "turnover_other")


def _accounts_block(rows, revenue_totals: dict[str, dict[str, Decimal]]) -> dict:
    """Totals, medians and distribution of accepted accounts, per currency, from each co-op's (currency,
    turnover, net profit) and the database's totals of the revenue lines per currency."""
    by_currency: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for currency, turnover, profit in rows:
        turnovers, profits = by_currency[currency]
        turnovers.append(turnover)
        profits.append(profit)
    result = {}
    for currency, (turnovers, profits) in sorted(by_currency.items()):
        bands = [0] * (len(TURNOVER_BANDS) + 1)
        for t in turnovers:
            bands[band_of(t)] += 1
        revenue = {line: revenue_totals[currency][line] for line in REVENUE_LINES}
        total = sum(turnovers, ZERO)
        result[currency] = {
            "coops": len(turnovers),
            "turnover_total": total,
            "turnover_median": median(turnovers),
            "net_profit_total": sum(profits, ZERO),
            "net_profit_median": median(profits),
            "distribution": bands,
            "revenue": revenue,
            "public_percent": percent(revenue["turnover_public_contracts"], total),
        }
    return result


def _invoicing_block(rows: list[tuple[Tenant, ReportedFigures]]) -> dict | None:
    """Net invoicing by customer type summed per currency over the co-ops that invoiced here; None if none did."""
    by_currency: dict[str, dict] = {}
    for tenant, row in rows:
        if not row.invoiced_by_type:
            continue
        block = by_currency.setdefault(tenant.currency, {"coops": 0, "by_type": defaultdict(lambda: ZERO)})
        block["coops"] += 1
        for kind, net in row.invoiced_by_type.items():
            block["by_type"][kind] += Decimal(net)
    result = {}
    for currency, block in sorted(by_currency.items()):
        by_type = {kind: block["by_type"][kind] for kind in sorted(block["by_type"])}
        public = sum((v for k, v in by_type.items() if k in invoicing.PUBLIC_BODY_TYPES), ZERO)
        total = sum(by_type.values(), ZERO)
        result[currency] = {"coops": block["coops"], "by_type": by_type, "public": public, "private": total - public,
                            "total": total, "public_percent": percent(public, total)}
    return result or None


# --------------------------------------------------------------------------- the consortium dashboard


def consortium_dashboard(session, year: int, *, today: date | None = None) -> dict:
    """Every consortium-wide figure for `year` beside the year before (call in the consortium scope)."""
    today = today or utcnow().date()
    previous = year - 1
    # the directory's columns the dashboard uses, as plain rows (no ORM objects for a thousand co-ops), read once
    # for the active co-ops' figures and for the lineage (which counts every co-op)
    directory = session.execute(lineage.lineage_tenants(Tenant.legal_form, Tenant.country, Tenant.currency)).all()
    tenants = {t.id: t for t in directory if t.status == "active"}
    by_form, by_country = defaultdict(int), defaultdict(int)
    for tenant in tenants.values():
        by_form[tenant.legal_form] += 1
        by_country[tenant.country] += 1

    # members by stakeholder category at each year's end (the columns co-ops report to the consortium)
    by_day = members.category_totals_on(session, [date(y, 12, 31) for y in (year, previous)])
    categories = {y: by_day[date(y, 12, 31)] for y in (year, previous)}

    # disadvantaged workers in Type B co-ops and invoicing by customer type: what each co-op reports (the job
    # `reporting.report_figures` counts them in the co-op's own scope); read here for every co-op in one query
    reported, reported_before = reported_figures_of(session, year, previous)
    type_b = [t for t in tenants.values() if t.legal_form == TYPE_B_FORM]
    type_b_rows = [reported[t.id] for t in type_b if t.id in reported]
    workers = sum(r.workers for r in type_b_rows)
    disadvantaged = sum(r.disadvantaged for r in type_b_rows)
    invoicing_block = _invoicing_block([(tenants[tid], r) for tid, r in reported.items() if tid in tenants])
    hours = {y: training_hours_block([r for tid, r in rows.items() if tid in tenants], len(tenants))
             for y, rows in ((year, reported), (previous, reported_before))}

    # the revenue lines summed by the database per currency over five years (the trend is their total), and
    # each co-op's turnover and profit of the two years compared, for the medians and the distribution
    revenue_totals = accounts.accepted_totals_by_currency(session, range(year - 4, year + 1), REVENUE_LINES)
    per_coop = defaultdict(list)
    for currency, fy, turnover, profit in accounts.accepted_turnovers_and_profits(session, (year, previous)):
        per_coop[fy].append((currency, turnover, profit))
    accounts_by_year = {}
    for y in (year, previous):
        totals = {currency: lines for (currency, fy), lines in revenue_totals.items() if fy == y}
        accounts_by_year[y] = _accounts_block(per_coop[y], totals) if per_coop[y] else None
    trend = defaultdict(dict)  # currency -> {year: turnover total}
    for (currency, fy), lines in revenue_totals.items():
        trend[currency][fy] = sum(lines.values(), ZERO)

    contributions = fund.contribution_totals_by_currency(session, year)

    outstanding_loans, live_guarantees = fund.loans_and_guarantees_totals(session, min(today, date(year, 12, 31)))
    tender_year = next((r for r in tendering.results_by_year(session) if r.year == year), None)
    reports = {r.tenant_id: r for r in training.compliance_reports(session) if r.tenant_id in tenants}
    training_rows = [
        (tenants[tid].name, r.workers, r.required, r.valid, r.percent_compliant)
        for tid, r in sorted(reports.items(), key=lambda item: tenants[item[0]].name)
    ]
    pipeline = incubation.pipeline(session)
    generations = lineage_generations(session, date(year, 12, 31), tenants=directory)
    spin_outs = [t for t in tenants.values() if t.sponsor_id is not None]
    return {
        "year": year,
        "previous_year": previous,
        "coops": {
            "total": len(tenants),
            "by_legal_form": dict(sorted(by_form.items())),
            "by_country": dict(sorted(by_country.items())),
        },
        "members": {
            "by_category": {
                c: [categories[year].get(c, 0), categories[previous].get(c, 0)] for c in members.CATEGORIES
            },
            "total": [sum(categories[year].values()), sum(categories[previous].values())],
        },
        "type_b": {
            "coops": len(type_b),
            "reported": len(type_b_rows),
            "workers": workers,
            "disadvantaged": disadvantaged,
            "percent": percent(disadvantaged, workers),
        },
        "accounts": accounts_by_year[year],
        "accounts_previous": accounts_by_year[previous],
        "turnover_trend": {c: {y: trend[c].get(y) for y in range(year - 4, year + 1)} for c in sorted(trend)},
        "invoicing": invoicing_block,
        "contributions": dict(sorted(contributions.items())),
        "fund": {"outstanding_loans": outstanding_loans, "live_guarantees": live_guarantees,
                 "currency": fund.fund_currency()},
        "tenders": None
        if tender_year is None
        else {
            "decided": tender_year.decided,
            "won": tender_year.won,
            "win_rate": tender_year.win_rate,
            "value_won": tender_year.value_won,
        },
        "purchasing": purchasing_summary(session, year),
        "training": {"coops": training_rows, "median_percent": median(r[4] for r in training_rows if r[4] is not None)},
        "training_hours": hours[year],
        "training_hours_previous": hours[previous],
        "incubation": {
            "pipeline": pipeline,
            "spin_outs": len(spin_outs),
            "spin_outs_in_year": sum(1 for t in spin_outs if t.founding_date and t.founding_date.year == year),
            "lineage": generations,
        },
    }


def training_hours_block(rows, coops: int) -> dict:
    """The training hours the co-ops reported for a year, summed (no co-op named): of `coops` active co-ops, how
    many have reported (a row counted since the hours were added), their hours, completions and completions of
    courses with no hours stated, and the median hours per reporting co-op."""
    counted = [r for r in rows if r.training_hours is not None]
    return {
        "coops": coops,
        "reported": len(counted),
        "hours": sum((r.training_hours for r in counted), Decimal("0.0")),
        "completions": sum(r.training_completions or 0 for r in counted),
        "without_hours": sum(r.training_without_hours or 0 for r in counted),
        "median_hours": _q(statistics.median(r.training_hours for r in counted), TENTH) if counted else None,
    }


def lineage_generations(session, as_of: date | None = None, *, tenants=None) -> dict[int, dict[str, int]]:
    """The incubation lineage as it stood at the end of `as_of` (the report year's 31 December; None: today),
    counted per generation (1: co-ops no other co-op sponsored, 2: their runners, 3: runners of runners...):
    member co-ops, co-ops that left, projects still incubated. Co-ops converted from a project count from their
    conversion, others from their founding date; whether a co-op has left is as the directory says today.
    `tenants`: the directory's rows (`lineage.lineage_tenants`) when the caller has read them already."""
    tree = lineage.lineage_tree(session, as_of=as_of, tenants=tenants)
    counts = {}
    for generation, nodes in lineage.by_generation(tree["roots"]).items():
        row = counts[generation] = {"members": 0, "left": 0, "projects": 0}
        for node, _parent in nodes:
            key = "projects" if node["kind"] == "project" else "left" if node["status"] == "left" else "members"
            row[key] += 1
    return counts


# --------------------------------------------------------------------------- a co-op's own dashboard


def coop_figures(session, tenant: Tenant, year: int) -> dict:
    """One co-op's own figures for `year` (call in its scope): members, workforce, accounts, invoicing, fund."""
    end = date(year, 12, 31)
    overview = members.register_overview(session, tenant, end)
    workers, disadvantaged = members.worker_counts(session, end)
    accepted = accounts.accepted_figures(session, (year,)).get((tenant.id, year))
    invoiced = invoicing.net_invoiced_by_customer_type(session, year)
    contribution = fund.contribution_for_year(session, tenant.id, year)
    report = training.compliance_report(session)
    hours = training.training_hours(session, year)
    return {
        "members": {
            "total": overview.total_members,
            "by_category": {c.category: c.members for c in overview.categories},
            "voting_rights": {c.category: c.voting_rights for c in overview.categories},
            "workers": workers,
            "disadvantaged": disadvantaged,
            "disadvantaged_percent": percent(disadvantaged, workers),
        },
        "accounts": None
        if accepted is None
        else {
            **{line: accepted[line] for line in REVENUE_LINES},
            "turnover": _turnover(accepted),
            "net_profit": accepted["net_profit"],
            "staff_costs": accepted["staff_costs"],
            "public_percent": percent(accepted["turnover_public_contracts"], _turnover(accepted)),
        },
        "invoicing": invoiced if invoiced["by_type"] else None,
        "contribution": None
        if contribution is None
        else {"due": contribution.total_due, "paid": contribution.paid_amount, "outstanding": contribution.outstanding},
        "training": None
        if report is None
        else {
            "workers": report.workers,
            "required": report.required,
            "valid": report.valid,
            "percent_compliant": report.percent_compliant,
        },
        "training_hours": {"hours": hours.hours, "completions": hours.completions,
                           "without_hours": hours.without_hours},
    }


@contextmanager
def _consortium_reads(session):
    """The consortium scope with no co-op (the reader role), left again for the co-op's own scope afterwards.

    A co-op's page sees medians computed over what co-ops report to the consortium; only the medians leave."""
    previous = current_tenant_id(session)
    set_tenant(session, None)
    try:
        with consortium_scope(session):
            yield
    finally:
        set_tenant(session, previous)


def consortium_medians(session, tenant: Tenant, year: int) -> dict:
    """The consortium's medians beside which a co-op sees itself: co-ops of the same currency, no names."""
    with _consortium_reads(session):
        tenants = {
            t.id: t
            for t in session.scalars(
                select(Tenant).where(Tenant.status == "active", Tenant.currency == tenant.currency)
            )
        }
        figures = [f for (tid, _y), f in accounts.accepted_figures(session, (year,)).items() if tid in tenants]
        counts = members.category_counts_by_tenant(session, date(year, 12, 31))
        compliance = [
            r.percent_compliant
            for r in training.compliance_reports(session)
            if r.tenant_id in tenants and r.percent_compliant is not None
        ]
        hours = [r.training_hours for tid, r in reported_figures(session, year).items()
                 if tid in tenants and r.training_hours is not None]
    return {
        "coops": len(figures),
        "currency": tenant.currency,
        "turnover": median(_turnover(f) for f in figures),
        "net_profit": median(f["net_profit"] for f in figures),
        "members": median(Decimal(sum(counts.get(tid, {}).values())) for tid in tenants) if tenants else None,
        "training_percent": median(compliance),
        "training_hours": _q(statistics.median(hours), TENTH) if hours else None,
    }


def coop_dashboard(session, tenant: Tenant, year: int) -> dict:
    """The co-op's own dashboard for `year`, the year before, and the consortium's medians."""
    return {
        "year": year,
        "previous_year": year - 1,
        "currency": tenant.currency,
        "current": coop_figures(session, tenant, year),
        "previous": coop_figures(session, tenant, year - 1),
        "medians": consortium_medians(session, tenant, year),
        "purchasing": purchasing_summary(session, year, tenant_id=tenant.id),
        "uk": uk_calendar_of(session, tenant, year) if tenant.country == "uk" else None,
    }


def coop_figures_turnover(session, tenant: Tenant, year: int) -> Decimal | None:
    accepted = accounts.accepted_figures(session, (year,)).get((tenant.id, year))
    return None if accepted is None else _turnover(accepted)


# --------------------------------------------------------------------------- UK: AR30 and audit exemption


def add_months(day: date, months: int) -> date:
    """`day` moved on by `months`, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def ar30_due(year_end: date) -> date:
    """The AR30 with accounts is due 7 months after the year end (FCA; no extension): a month-end year end
    gives a month-end due date (31 March -> 31 October, the FCA's own example)."""
    if _is_month_end(year_end):
        return _month_end(add_months(date(year_end.year, year_end.month, 1), AR30_MONTHS_AFTER_YEAR_END))
    return add_months(year_end, AR30_MONTHS_AFTER_YEAR_END)


def _is_month_end(day: date) -> bool:
    return add_months(date(day.year, day.month, 1), 1).toordinal() - 1 == day.toordinal()


def _month_end(first: date) -> date:
    return date.fromordinal(add_months(first, 1).toordinal() - 1)


def audit_exemption(turnover: Decimal | None, assets: Decimal | None) -> dict:
    """Whether a society may disapply audit on the previous year's figures (a resolution is still needed)."""
    turnover_ok = None if turnover is None else turnover <= UK_AUDIT_TURNOVER_LIMIT
    assets_ok = None if assets is None else assets <= UK_AUDIT_ASSETS_LIMIT
    eligible = None if turnover_ok is None or assets_ok is None else (turnover_ok and assets_ok)
    if turnover_ok is False or assets_ok is False:
        eligible = False
    return {
        "turnover": turnover,
        "turnover_limit": UK_AUDIT_TURNOVER_LIMIT,
        "turnover_ok": turnover_ok,
        "assets": assets,
        "assets_limit": UK_AUDIT_ASSETS_LIMIT,
        "assets_ok": assets_ok,
        "eligible": eligible,
    }


def uk_calendar(year_end: date, previous_turnover: Decimal | None, previous_assets: Decimal | None = None) -> dict:
    """The society's AR30 due date for the financial year ending on `year_end` and its audit-exemption test on
    the previous year's turnover (accepted accounts) and total assets (as the treasurer stated them)."""
    return {"year_end": year_end, "ar30_due": ar30_due(year_end),
            "audit": audit_exemption(previous_turnover, previous_assets)}


def uk_calendar_of(session, tenant: Tenant, year: int) -> dict:
    """`uk_calendar` from what the co-op holds (call in its scope): its stated year end (else 31 December) and
    the previous year's turnover and total assets."""
    previous = year_facts(session, year - 1)
    facts = year_facts(session, year)
    return {**uk_calendar(year_end_of(session, year), coop_figures_turnover(session, tenant, year - 1),
                          previous.total_assets if previous else None),
            "total_assets": facts.total_assets if facts else None, "year_end_stated": bool(facts and facts.year_end)}


# --------------------------------------------------------------------------- social reports


def _tax_year(year: int) -> str:
    """The UK tax year starting in April of `year` ("2025-26")."""
    return f"{year}-{str(year + 1)[2:]}"


def social_report_figures(session, tenant: Tenant, year: int) -> dict:
    """The figures the platform fills the social report with, live (call in the co-op's scope)."""
    own = coop_figures(session, tenant, year)
    workforce = payroll.workforce_summary(session, _tax_year(year), date(year, 12, 31))
    ratio = workforce["ratio"]
    volunteers = own["members"]["by_category"].get("volunteer", 0)
    return {
        "general": {
            "name": tenant.name,
            "legal_form": tenant.legal_form,
            "country": tenant.country,
            "registration_number": tenant.registration_number,
            "vat_number": tenant.vat_number,
            "founding_date": tenant.founding_date,
            "city": tenant.city,
            "address": tenant.address,
        },
        "governance": {
            "members": own["members"]["total"],
            "by_category": own["members"]["by_category"],
            "voting_rights": own["members"]["voting_rights"],
        },
        "people": {
            "workers": own["members"]["workers"],
            "disadvantaged": own["members"]["disadvantaged"],
            "disadvantaged_percent": own["members"]["disadvantaged_percent"],
            "volunteers": volunteers,
            "volunteers_within_limit": volunteers <= own["members"]["workers"],
            "employees": workforce["employees"],
            "by_pay_basis": workforce["by_pay_basis"],
            "paid_in_year": workforce["paid_in_year"],
            "tax_year": _tax_year(year),
            "highest_gross": workforce["highest_gross"],
            "lowest_gross": workforce["lowest_gross"],
            "pay_ratio": ratio,
            "pay_ratio_within_8": None if ratio is None else ratio <= PAY_RATIO_LIMIT,
            "pay_ratio_within_12": None if ratio is None else ratio <= PAY_RATIO_LIMIT_SKILLS,
            "training": own["training"],
            "training_hours": training_hours_figures(session, year),
        },
        "economics": {
            "currency": tenant.currency,
            "accounts": own["accounts"],
            "invoicing": own["invoicing"],
            "contribution": own["contribution"],
        },
    }


def training_hours_figures(session, year: int) -> dict:
    """The co-op's training hours in `year` from the training service (call in its scope): totals, no names."""
    found = training.training_hours(session, year)
    return {"hours": found.hours, "completions": found.completions, "without_hours": found.without_hours}


def training_hours_text(figures: dict | None) -> str:
    """The social report's line for training hours (page and PDF); a report frozen before they were read has none."""
    if not figures:
        return _("not recorded when this report was approved")
    if not figures["completions"]:
        return _("no course completed in the year")
    text = _("%(hours)s hours in %(completions)s completed courses", hours=format_number(figures["hours"], 1),
             completions=figures["completions"])
    if figures["without_hours"]:
        text += "; " + _("completions of courses without hours in the catalogue, not counted: %(count)s",
                         count=figures["without_hours"])
    return text


def _clean_sections(sections: dict | None) -> dict:
    """Only the eight known sections, each {"text", "omission_reason"} stripped; unknown keys refused."""
    sections = sections or {}
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        raise ServiceError(_("Unknown section."), {f"sections.{key}": [_("no such section")] for key in unknown})
    cleaned = {}
    for key in SECTION_KEYS:
        entry = sections.get(key) or {}
        cleaned[key] = {
            "text": (entry.get("text") or "").strip(),
            "omission_reason": (entry.get("omission_reason") or "").strip(),
        }
    return cleaned


def reports_query():
    """The co-op's social reports, newest year first."""
    return select(SocialReport).order_by(SocialReport.year.desc())


def get_report(session, report_id: int) -> SocialReport:
    """One of the co-op's social reports (another co-op's answers 404 like a missing one)."""
    report = session.scalar(select(SocialReport).where(SocialReport.id == report_id))
    if report is None:
        raise NotFound(_("No social report %(id)s in this co-op.", id=report_id))
    return report


def create_report(session, tenant: Tenant, data: dict) -> SocialReport:
    """A draft social report for a year that has none yet."""
    year = data["year"]
    if session.scalar(select(SocialReport.id).where(SocialReport.year == year)) is not None:
        raise Conflict(
            _("There is already a social report for %(year)s.", year=year),
            {"year": [_("a report for this year exists")]},
        )
    report = SocialReport(tenant_id=tenant.id, year=year, state="draft", sections=_clean_sections(data.get("sections")))
    session.add(report)
    session.flush()
    return report


def _require_draft(report: SocialReport) -> None:
    if report.state != "draft":
        raise Conflict(
            _("An approved social report cannot be changed: it is frozen as the assembly approved it."),
            {"state": [_("the report is %(state)s, not a draft", state=report.state)]},
        )


def update_report(session, report: SocialReport, changes: dict) -> SocialReport:
    """Change a draft's free-text sections (only the sections sent are replaced)."""
    _require_draft(report)
    merged = {**(report.sections or {}), **(changes.get("sections") or {})}
    report.sections = _clean_sections(merged)
    session.flush()
    return report


def section_is_empty(key: str, entry: dict, figures: dict) -> bool:
    """A section is empty when the co-op wrote nothing and the platform holds no data for it."""
    return not entry.get("text") and key not in DATA_SECTIONS


def approve_report(session, tenant: Tenant, report: SocialReport, approved_on: date, *, today: date) -> SocialReport:
    """The assembly approved the report on `approved_on`: every empty section must give its reason for
    omission, the date must fall after the year's end and not in the future; the figures are frozen."""
    _require_draft(report)
    errors = {}
    if approved_on <= date(report.year, 12, 31):
        errors["approved_on"] = [_("must be after the end of %(year)s (31 December)", year=report.year)]
    elif approved_on > today:
        errors["approved_on"] = [_("cannot be in the future")]
    figures = social_report_figures(session, tenant, report.year)
    sections = _clean_sections(report.sections)
    for key in SECTION_KEYS:
        if section_is_empty(key, sections[key], figures) and not sections[key]["omission_reason"]:
            errors[f"sections.{key}.omission_reason"] = [
                _("“%(section)s” is empty: write it or give the reason it is omitted", section=SECTION_LABELS[key])
            ]
    if errors:
        raise ServiceError(_("The social report cannot be approved yet."), errors)
    report.sections = sections
    report.snapshot = jsonable(figures)
    report.approved_on = approved_on
    report.state = "approved"
    session.flush()
    return report


def file_report(session, report: SocialReport, filed_on: date, *, today: date) -> SocialReport:
    """The approved report was deposited at the Registro delle imprese on `filed_on`."""
    if report.state != "approved":
        raise Conflict(_("Only an approved social report can be filed."), {"state": [_("not approved")]})
    if filed_on < report.approved_on or filed_on > today:
        raise ServiceError(
            _("Check the filing date."),
            {
                "filed_on": [
                    _(
                        "must be on or after the approval (%(date)s) and not in the future",
                        date=report.approved_on.isoformat(),
                    )
                ]
            },
        )
    report.filed_on = filed_on
    report.state = "filed"
    session.flush()
    return report


def report_figures(session, tenant: Tenant, report: SocialReport) -> dict:
    """The figures a report shows: the frozen snapshot once approved, else read live (as JSON text)."""
    if report.snapshot is not None:
        return report.snapshot
    return jsonable(social_report_figures(session, tenant, report.year))


def social_report_due(year: int) -> date:
    """The day the social report of `year` is due: 30 June of the next year."""
    return date(year + 1, *SOCIAL_REPORT_DUE)


def consolidated_figures(session, year: int, *, today: date | None = None) -> dict:
    """The consortium's consolidated social report figures: the dashboard's aggregates, no co-op's details."""
    dashboard = consortium_dashboard(session, year, today=today)
    return {"year": year, "dashboard": dashboard, "reports": social_report_states(session, year)}


def social_report_states(session, year: int) -> dict[str, int]:
    """How many active co-ops' reports for `year` are draft, approved, filed or missing (one grouped query over
    the state column co-ops report to the consortium; call in the consortium scope)."""
    active = select(Tenant.id).where(Tenant.status == "active")
    rows = session.execute(
        select(SocialReport.state, func.count())
        .where(SocialReport.year == year, SocialReport.tenant_id.in_(active))
        .group_by(SocialReport.state)
        .execution_options(all_tenants=True)
    ).all()
    counts = {"draft": 0, "approved": 0, "filed": 0}
    counts.update({state: count for state, count in rows})
    counts["missing"] = session.scalar(select(func.count()).select_from(active.subquery())) - sum(counts.values())
    return counts


def report_state_in_scope(session, year: int) -> str | None:
    """The state of this co-op's report for `year`, or None (call in the co-op's scope)."""
    return session.scalar(select(SocialReport.state).where(SocialReport.year == year))


# --------------------------------------------------------------------------- what co-ops report


def reported_figures(session, year: int) -> dict[int, ReportedFigures]:
    """Every co-op's reported figures for `year`, by tenant id (call in the consortium scope): one query, read
    as plain rows (workers, disadvantaged, invoiced_by_type, training_*), not as ORM objects."""
    query = (select(ReportedFigures.tenant_id, ReportedFigures.workers, ReportedFigures.disadvantaged,
                    ReportedFigures.invoiced_by_type, ReportedFigures.training_hours,
                    ReportedFigures.training_completions, ReportedFigures.training_without_hours)
             .where(ReportedFigures.year == year).execution_options(all_tenants=True))
    return {row.tenant_id: row for row in session.execute(query)}


def reported_figures_of(session, year: int, previous: int) -> tuple[dict, dict]:
    """Every co-op's reported figures for `year` and for `previous`, each by tenant id, in one query (consortium
    scope): the dashboard's read. The rows are those of `reported_figures`, except that the previous year's carry
    no invoicing (`invoiced_by_type` None: the dashboard compares only training hours with the year before, and
    a JSON document per co-op is the dearest column to read)."""
    invoiced = type_coerce(case((ReportedFigures.year == year, ReportedFigures.invoiced_by_type)),
                           ReportedFigures.invoiced_by_type.type).label("invoiced_by_type")
    query = (select(ReportedFigures.tenant_id, ReportedFigures.year, ReportedFigures.workers,
                    ReportedFigures.disadvantaged, invoiced, ReportedFigures.training_hours,
                    ReportedFigures.training_completions, ReportedFigures.training_without_hours)
             .where(ReportedFigures.year.in_((year, previous))).execution_options(all_tenants=True))
    found: dict[int, dict] = {year: {}, previous: {}}
    for row in session.execute(query):
        found[row.year][row.tenant_id] = row
    return found[year], found[previous]


def refresh_reported_figures(session, tenant: Tenant, years) -> int:
    """Count this co-op's worker members (and disadvantaged) at each year's end, its net invoicing by customer
    type and its training hours in the year, and store them as what it reports to the consortium (call in the
    co-op's own scope). Returns the rows written; running it again with nothing changed writes the same values."""
    query = select(ReportedFigures).where(ReportedFigures.year.in_(list(years)))
    existing = {r.year: r for r in session.scalars(query)}
    now = utcnow()
    for year in years:
        row = existing.get(year)
        workers, disadvantaged = members.worker_counts(session, (row and row.year_end) or date(year, 12, 31))
        by_type = invoicing.net_invoiced_by_customer_type(session, year)["by_type"]
        invoiced = {kind: str(net) for kind, net in by_type.items()}
        hours = training.training_hours(session, year)
        counted = (workers, disadvantaged, invoiced, hours.hours, hours.completions, hours.without_hours)
        if row is None:
            row = ReportedFigures(tenant_id=tenant.id, year=year)
            session.add(row)
        # only what changed is written (and audited): a daily run over the same data changes nothing
        if (row.workers, row.disadvantaged, row.invoiced_by_type, row.training_hours, row.training_completions,
                row.training_without_hours) != counted:
            (row.workers, row.disadvantaged, row.invoiced_by_type, row.training_hours, row.training_completions,
             row.training_without_hours) = counted
            row.refreshed_at = now
    session.flush()
    return len(list(years))


def year_facts(session, year: int) -> ReportedFigures | None:
    """This co-op's reported row for `year` (its stated year end and total assets), or None (co-op's scope)."""
    return session.scalar(select(ReportedFigures).where(ReportedFigures.year == year))


def year_end_of(session, year: int) -> date:
    """The day this co-op's financial year `year` ends: as its treasurer stated, else 31 December."""
    facts = year_facts(session, year)
    return (facts and facts.year_end) or date(year, 12, 31)


def set_year_facts(session, tenant: Tenant, year: int, *, year_end: date | None, total_assets) -> ReportedFigures:
    """The treasurer states the financial year's end (a day in `year`) and the total assets on it; the year's
    counts are taken again at that end (call in the co-op's scope)."""
    if year_end is not None and year_end.year != year:
        raise ServiceError(_("Check the year end."), {
            "year_end": [_("the financial year %(year)s must end in %(year)s", year=year)]})
    if total_assets is not None and total_assets < 0:
        raise ServiceError(_("Check the total assets."), {"total_assets": [_("must not be below zero")]})
    row = year_facts(session, year)
    if row is None:
        row = ReportedFigures(tenant_id=tenant.id, year=year, workers=0, disadvantaged=0, invoiced_by_type={})
        session.add(row)
    row.year_end, row.total_assets = year_end, None if total_assets is None else _q(total_assets)
    session.flush()
    refresh_reported_figures(session, tenant, [year])
    return row


def years_to_report(session, today: date) -> list[int]:
    """The years the job refreshes for this co-op: this year and the one before; ten years on its first run."""
    known = session.scalar(select(ReportedFigures.id).limit(1)) is not None
    first = today.year - (1 if known else 9)
    return list(range(first, today.year + 1))
