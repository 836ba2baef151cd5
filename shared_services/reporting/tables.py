"""The dashboard as tables and charts: one description used by the page, the XLSX and CSV exports and the PDF,
so every chart has its table and every export matches what the page shows."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from consortium import exports
from consortium.i18n import _, _l, pgettext
from plugins.jurisdictions.base import JurisdictionError, get_jurisdiction

# `charts` (reportlab) is imported where a chart is drawn: a web worker starts without it (issue 16).
from shared_services.reporting.service import TURNOVER_BANDS
from tenants.members.service import CATEGORY_LABELS

COUNTRY_LABELS = {"uk": _l("United Kingdom"), "it": _l("Italy")}
STAGE_LABELS = {
    "idea": _l("Idea"),
    "founding_group_formed": _l("Founding group formed"),
    "business_plan": _l("Business plan"),
    "registered": _l("Registered"),
    "trading": _l("Trading"),
    "independent": _l("Independent"),
    "paused": _l("Paused"),
    "closed": _l("Closed"),
}
# Invoicing's customer types (tenants/invoicing/models.py CUSTOMER_TYPES), labelled for people.
CUSTOMER_TYPE_LABELS = {
    "local_authority": _l("Local authorities"),
    "nhs_body": _l("NHS bodies"),
    "public_body_it": _l("Italian public bodies"),
    "company": _l("Companies"),
    "household": _l("Households"),
}
REVENUE_LABELS = {
    "turnover_public_contracts": _l("Public contracts"),
    "turnover_private_fees": _l("Private fees"),
    "turnover_grants_donations": _l("Grants and donations"),
    "turnover_other": _l("Other revenue"),
}


class Money(NamedTuple):
    amount: Decimal | None
    currency: str


class Percent(NamedTuple):
    value: Decimal | None


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    note: str | None = None
    chart: object | None = None  # a reportlab Drawing drawn from these rows


def legal_form_name(country: str | None, code: str) -> str:
    """A legal form's label; the code is tried in each jurisdiction when the country is not known."""
    for jurisdiction in [country] if country else ["it", "uk"]:
        try:
            return str(get_jurisdiction(jurisdiction).legal_form(code).label)
        except (JurisdictionError, KeyError, ValueError):
            continue
    return code


def _band_labels() -> list[str]:
    limits = [f"{int(limit):,}".replace(",", ".") for limit in TURNOVER_BANDS]
    return (
        [_("under %(limit)s", limit=limits[0])]
        + [f"{low}–{high}" for low, high in zip(limits, limits[1:], strict=False)]
        + [_("%(limit)s and over", limit=limits[-1])]
    )


def dashboard_tables(d: dict) -> list[Table]:
    """The consortium dashboard's tables (with their charts), in page order."""
    from shared_services.reporting import charts
    year, prev = d["year"], d["previous_year"]
    tables = []
    forms = Table(
        "legal_forms",
        _("Member co-ops by legal form"),
        [_("Legal form"), _("Co-ops")],
        [[legal_form_name(None, code), n] for code, n in d["coops"]["by_legal_form"].items()],
    )
    tables.append(forms)
    tables.append(
        Table(
            "countries",
            _("Member co-ops by country"),
            [_("Country"), _("Co-ops")],
            [[str(COUNTRY_LABELS.get(c, c)), n] for c, n in d["coops"]["by_country"].items()],
        )
    )
    categories = Table(
        "members",
        _("Members by stakeholder category (31 December)"),
        [_("Category"), str(year), str(prev)],
        [[str(CATEGORY_LABELS[c]), *counts] for c, counts in d["members"]["by_category"].items()]
        + [[_("Total"), *d["members"]["total"]]],
    )
    categories.chart = charts.bar_chart(
        categories.title,
        [r[0] for r in categories.rows[:-1]],
        {str(year): [r[1] for r in categories.rows[:-1]], str(prev): [r[2] for r in categories.rows[:-1]]},
    )
    tables.append(categories)
    tb = d["type_b"]
    tables.append(
        Table(
            "type_b",
            _("Disadvantaged workers in Type B co-ops"),
            [_("Type B co-ops"), _("Worker members"), _("Disadvantaged"), _("Share")],
            [[tb["coops"], tb["workers"], tb["disadvantaged"], Percent(tb["percent"])]],
            note=_(
                "Counted in each co-op's own records; only the counts reach the consortium (%(reported)s of "
                "%(coops)s co-ops have reported).",
                reported=tb["reported"],
                coops=tb["coops"],
            ),
        )
    )
    current, previous = d["accounts"] or {}, d["accounts_previous"] or {}
    if current or previous:
        rows = []
        for currency in sorted(set(current) | set(previous)):
            c, p = current.get(currency, {}), previous.get(currency, {})
            for label, key in (
                (_("Co-ops with accepted accounts"), "coops"),
                (_("Turnover, total"), "turnover_total"),
                (_("Turnover, median"), "turnover_median"),
                (_("Net profit, total"), "net_profit_total"),
                (_("Net profit, median"), "net_profit_median"),
            ):
                if key == "coops":
                    rows.append([label, currency, c.get(key, 0), p.get(key, 0)])
                else:
                    rows.append([label, currency, Money(c.get(key), currency), Money(p.get(key), currency)])
        tables.append(
            Table(
                "accounts",
                _("Turnover and net profit from accepted accounts"),
                [_("Figure"), _("Currency"), str(year), str(prev)],
                rows,
            )
        )
        revenue = Table(
            "revenue",
            _("Revenue by source, %(year)s (public and private shown apart)", year=year),
            [_("Source"), _("Currency"), str(year), str(prev)],
        )
        for currency in sorted(set(current) | set(previous)):
            c, p = current.get(currency, {}), previous.get(currency, {})
            for line, label in REVENUE_LABELS.items():
                revenue.rows.append(
                    [
                        str(label),
                        currency,
                        Money((c.get("revenue") or {}).get(line), currency),
                        Money((p.get("revenue") or {}).get(line), currency),
                    ]
                )
            revenue.rows.append(
                [
                    _("Public contracts, share of turnover"),
                    currency,
                    Percent(c.get("public_percent")),
                    Percent(p.get("public_percent")),
                ]
            )
        first = sorted(current)[0] if current else None
        if first:
            rev = current[first]["revenue"]
            revenue.chart = charts.stacked_bar(
                _("Revenue composition, %(year)s (%(currency)s)", year=year, currency=first),
                [str(year)] + ([str(prev)] if first in previous else []),
                {
                    str(label): [rev[line]] + ([previous[first]["revenue"][line]] if first in previous else [])
                    for line, label in REVENUE_LABELS.items()
                },
                height=150,
            )
        tables.append(revenue)
        bands = _band_labels()
        distribution = Table(
            "distribution",
            _("Co-ops by turnover band, %(year)s", year=year),
            [_("Turnover band"), *sorted(current)],
            [[band, *[current[c]["distribution"][i] for c in sorted(current)]] for i, band in enumerate(bands)],
        )
        if current:
            distribution.chart = charts.bar_chart(
                distribution.title, bands, {c: current[c]["distribution"] for c in sorted(current)}
            )
        tables.append(distribution)
        years = sorted({y for trend in d["turnover_trend"].values() for y in trend})
        trend = Table(
            "trend",
            _("Turnover of co-ops with accepted accounts, last five years"),
            [_("Year"), *d["turnover_trend"]],
            [[str(y), *[Money(d["turnover_trend"][c].get(y), c) for c in d["turnover_trend"]]] for y in years],
        )
        trend.chart = charts.line_chart(
            trend.title,
            [str(y) for y in years],
            {c: [d["turnover_trend"][c].get(y) for y in years] for c in d["turnover_trend"]},
        )
        tables.append(trend)
    tables.append(invoicing_table(d))
    contributions = Table(
        "contributions",
        _("Mutual-fund contributions for %(year)s", year=year),
        [_("Currency"), _("Contributions"), _("Amount due"), _("Paid"), _("Owed")],
        [
            [cur, r["count"], Money(r["due"], cur), Money(r["paid"], cur), Money(r["outstanding"], cur)]
            for cur, r in d["contributions"].items()
        ],
    )
    tables.append(contributions)
    f = d["fund"]
    tables.append(
        Table(
            "fund",
            _("Fund exposure"),
            [_("Figure"), _("Amount")],
            [
                [_("Loans outstanding"), Money(f["outstanding_loans"], f["currency"])],
                [_("Guarantees outstanding"), Money(f["live_guarantees"], f["currency"])],
            ],
        )
    )
    t = d["tenders"]
    tenders = Table(
        "tenders",
        _("Joint tenders decided in %(year)s", year=year),
        [_("Bids decided"), _("Won"), _("Win rate"), _("Value won")],
    )
    if t:
        tenders.rows.append(
            [
                t["decided"],
                t["won"],
                Percent(t["win_rate"]),
                ", ".join(f"{v} {c}" for c, v in t["value_won"].items()) or "—",
            ]
        )
    else:
        tenders.note = _("No bid was decided in this year.")
    tables.append(tenders)
    p = d["purchasing"]
    purchasing = Table("purchasing", _("Joint purchasing"), [_("Spend"), _("Savings"), _("Rounds")])
    if not p["rounds"]:
        purchasing.note = _("No purchasing round was delivered in this year.")
    else:
        purchasing.rows.append([p["spend"], p["savings"], p["rounds"]])
    tables.append(purchasing)
    training_rows = d["training"]["coops"]
    training = Table(
        "training",
        _("Training compliance per co-op (as each co-op reports it)"),
        [_("Co-op"), _("Workers"), _("Required courses"), pgettext("courses", "Valid"), _("Compliant")],
        [[name, w, r, v, Percent(pc)] for name, w, r, v, pc in training_rows],
        note=_("Median compliance: %(value)s", value=_percent_text(d["training"]["median_percent"])),
    )
    tables.append(training)
    tables.append(training_hours_table(d))
    inc = d["incubation"]
    pipeline = Table(
        "incubation",
        _("Incubation pipeline and runners planted"),
        [_("Stage"), _("Projects")],
        [[str(STAGE_LABELS.get(s, s)), n] for s, n in inc["pipeline"].items()]
        + [
            [_("Spin-out co-ops (all years)"), inc["spin_outs"]],
            [_("Spin-out co-ops founded in %(year)s", year=year), inc["spin_outs_in_year"]],
        ],
    )
    stages = [r for r in pipeline.rows[: len(inc["pipeline"])]]
    pipeline.chart = charts.bar_chart(
        pipeline.title, [r[0] for r in stages], {_("Projects"): [r[1] for r in stages]}, horizontal=True, height=170
    )
    tables.append(pipeline)
    tables.append(lineage_table(inc["lineage"], year))
    return tables


def training_hours_table(d: dict) -> Table:
    """The training hours the co-ops reported for the year and the year before, summed; no co-op or worker named."""
    now, before = d["training_hours"], d["training_hours_previous"]
    table = Table(
        "training_hours",
        _("Training hours (as each co-op reports them)"),
        [_("Figure"), str(d["year"]), str(d["previous_year"])],
        [
            [_("Training hours in the year"), now["hours"], before["hours"]],
            [_("Completed courses"), now["completions"], before["completions"]],
            [_("Completions of courses without hours in the catalogue (not in the hours)"), now["without_hours"],
             before["without_hours"]],
            [_("Median hours per co-op that reported"), now["median_hours"], before["median_hours"]],
            [_("Co-ops that reported"), *(_("%(reported)s of %(coops)s", reported=y["reported"], coops=y["coops"])
                                          for y in (now, before))],
        ],
        note=_("Each course completed in the year counts the hours the training catalogue states for it; the co-ops "
               "count them in their own records every day and report only the totals."),
    )
    return table


def lineage_table(generations: dict[int, dict[str, int]], year: int) -> Table:
    """The lineage by generation, with a stacked bar per generation (the incubation lineage page draws the tree)."""
    from shared_services.reporting import charts
    parts = {"members": _("Member co-ops"), "left": _("Co-ops that left"), "projects": _("Projects in incubation")}
    table = Table(
        "lineage",
        _("Lineage by generation"),
        [_("Generation"), *parts.values(), _("Total")],
        [[_("Generation %(number)s", number=g), *row.values(), sum(row.values())] for g, row in generations.items()],
        note=_("Generation 1 are the co-ops no other co-op sponsored; each later generation was sponsored by the one "
               "before. As the lineage stood on 31 December %(year)s: co-ops converted from a project count from "
               "their conversion, others from their founding date; whether a co-op has left is as of today.",
               year=year),
    )
    if table.rows:
        table.chart = charts.stacked_bar(
            table.title,
            [r[0] for r in table.rows],
            {name: [row[key] for row in generations.values()] for key, name in parts.items()},
            height=60 + 28 * len(table.rows),
        )
    return table


def invoicing_table(d: dict) -> Table:
    """Net invoicing by customer type of the co-ops that invoice on the platform, per currency (aggregates each
    co-op reports; no customer or invoice), public bodies apart, with a stacked composition chart."""
    from shared_services.reporting import charts
    invoicing = d["invoicing"] or {}
    table = Table(
        "invoicing",
        _("Invoiced on the platform in %(year)s, net of VAT, by customer type", year=d["year"]),
        [_("Customer type"), _("Currency"), _("Invoiced")],
        note=_("Only co-ops that invoice on the platform; each reports its totals, never a customer or an invoice."),
    )
    if not invoicing:
        table.note = _("No co-op reported invoices issued on the platform in this year.")
        return table
    for currency, block in invoicing.items():
        table.rows.append([_("Co-ops invoicing here"), currency, block["coops"]])
        for kind, net in block["by_type"].items():
            table.rows.append([str(CUSTOMER_TYPE_LABELS.get(kind, kind)), currency, Money(net, currency)])
        table.rows.append([_("To public bodies"), currency, Money(block["public"], currency)])
        table.rows.append([_("To private customers"), currency, Money(block["private"], currency)])
        table.rows.append([_("Public bodies, share"), currency, Percent(block["public_percent"])])
    first = next(iter(invoicing))
    table.chart = charts.stacked_bar(
        _("Invoicing by customer type, %(year)s (%(currency)s)", year=d["year"], currency=first),
        [str(d["year"])],
        {str(CUSTOMER_TYPE_LABELS.get(k, k)): [v] for k, v in invoicing[first]["by_type"].items()},
        height=150,
    )
    return table


def _percent_text(value) -> str:
    return "—" if value is None else f"{value}%"


# --------------------------------------------------------------------------- exports


def _plain(cell):
    if isinstance(cell, Money):
        value = cell.amount
    elif isinstance(cell, Percent):
        value = cell.value
    else:
        value = cell
    return "" if value is None else value


def to_xlsx(tables: list[Table], title: str) -> bytes:
    """Every table on its own sheet; money as numbers with the currency in the column or row."""
    from openpyxl import Workbook  # openpyxl loads when a workbook is made (issue 16: not in every worker's memory)
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_plain(c) for c in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, Money):
                    cell.number_format = "#,##0.00"
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(table: Table) -> bytes:
    """One table as CSV in the reader's convention (`;` and decimal commas in Italian, see consortium.exports)."""
    return exports.to_csv(table.header, [[_plain(c) for c in row] for row in table.rows])
