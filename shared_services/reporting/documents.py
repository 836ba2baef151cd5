"""Reporting PDFs on the platform's documents base: a co-op's social report, the consortium's consolidated social
report and its annual report (the dashboard's charts and tables)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from reportlab.platypus import Spacer

from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.i18n import _, current_language
from shared_services.reporting import service
from shared_services.reporting.models import STATE_LABELS
from shared_services.reporting.tables import (
    COUNTRY_LABELS,
    REVENUE_LABELS,
    Money,
    Percent,
    dashboard_tables,
    legal_form_name,
)
from tenants.members.service import CATEGORY_LABELS


def _locale() -> str:
    return "it_IT" if current_language() == "it" else "en_GB"


def _cell(value, locale: str) -> str:
    if isinstance(value, Money):
        return "—" if value.amount is None else money(Decimal(value.amount), value.currency, locale)
    if isinstance(value, Percent):
        return "—" if value.value is None else f"{format_decimal(Decimal(str(value.value)), locale=locale)}%"
    if isinstance(value, Decimal):  # hours: in the reader's convention ("16,5" in Italian), as on the page
        return format_decimal(value, locale=locale)
    return "—" if value is None else str(value)


def _tables_flowables(tables, locale: str) -> list:
    content = []
    for table in tables:
        content.append(heading(table.title))
        if table.chart is not None:
            content.append(table.chart)
            content.append(Spacer(1, 4))
        if table.rows:
            content.append(
                data_table(
                    table.header,
                    [[_cell(c, locale) for c in row] for row in table.rows],
                    numeric_columns=set(range(1, len(table.header))),
                    wrap_columns={0},
                    locale=locale,
                )
            )
        if table.note:
            content.append(paragraph(table.note))
    return content


def annual_report_pdf(dashboard: dict, *, consortium_name: str) -> bytes:
    """The consortium's annual report: every dashboard chart and table for the year, beside the year before."""
    locale = _locale()
    letterhead = Letterhead(name=consortium_name, locale=locale)
    year = dashboard["year"]
    content = [
        paragraph(
            _(
                "The consortium's members at a glance for %(year)s, compared with %(previous)s. Figures come "
                "only from what member co-ops report to the consortium: accepted annual accounts, "
                "mutual-fund contributions, members by category and training compliance counts.",
                year=year,
                previous=dashboard["previous_year"],
            )
        )
    ]
    if dashboard["accounts"] is None:
        content.append(
            paragraph(
                _("No co-op has accepted accounts for %(year)s yet: turnover and profit are not shown.", year=year)
            )
        )
    content += _tables_flowables(dashboard_tables(dashboard), locale)
    return build_pdf(
        letterhead, _("Annual report %(year)s", year=year), content, subject=_("Annual report %(year)s", year=year)
    )


def _amount(value, currency: str, locale: str) -> str:
    return "—" if value in (None, "") else money(Decimal(value), currency, locale)


def _section_data(key: str, figures: dict, locale: str) -> list:
    """The flowables the platform's data gives a section (empty list for a free-text-only section)."""
    if key == "general":
        g = figures["general"]
        return [
            key_value_table(
                [
                    (_("Name"), g["name"]),
                    (_("Legal form"), legal_form_name(g["country"], g["legal_form"])),
                    (_("Country"), str(COUNTRY_LABELS.get(g["country"], g["country"]))),
                    (_("Registration number"), g["registration_number"] or "—"),
                    (_("VAT number"), g["vat_number"] or "—"),
                    (_("Founded"), g["founding_date"] or "—"),
                    (_("Registered office"), ", ".join(x for x in (g["address"], g["city"]) if x) or "—"),
                ],
                locale=locale,
            )
        ]
    if key == "governance":
        gv = figures["governance"]
        rows = [
            [str(CATEGORY_LABELS.get(c, c)), n, gv["voting_rights"].get(c, 0)] for c, n in gv["by_category"].items()
        ]
        return [
            paragraph(_("The social base: members on 31 December by stakeholder category, with their votes.")),
            data_table(
                [_("Category"), _("Members"), _("Voting rights")],
                rows,
                numeric_columns={1, 2},
                totals_row=[_("Total"), gv["members"], sum(gv["voting_rights"].values())],
                locale=locale,
            ),
        ]
    if key == "people":
        p = figures["people"]
        currency = figures["economics"]["currency"]
        rows = [
            (_("Worker members"), p["workers"]),
            (_("of whom disadvantaged"), f"{p['disadvantaged']} ({p['disadvantaged_percent'] or '—'}%)"),
            (_("Volunteer members"), p["volunteers"]),
            (
                _("Volunteers no more than workers (D.Lgs. 112/2017 art. 13 co. 2)"),
                _("yes") if p["volunteers_within_limit"] else _("no"),
            ),
            (_("Employees on payroll on 31 December"), p["employees"]),
        ]
        if p["pay_ratio"] is None:
            rows.append(
                (
                    _("Highest to lowest gross annual pay"),
                    _("not available: no pay was run on this platform in tax year %(year)s", year=p["tax_year"]),
                )
            )
        else:
            verdict = (
                _("within 1:8")
                if p["pay_ratio_within_8"]
                else _("above 1:8, within 1:12 (allowed only where specific skills are proven to be needed)")
                if p["pay_ratio_within_12"]
                else _("above the 1:12 limit")
            )
            rows += [
                (
                    _("Highest gross pay, tax year %(year)s", year=p["tax_year"]),
                    _amount(p["highest_gross"], currency, locale),
                ),
                (
                    _("Lowest gross pay, tax year %(year)s", year=p["tax_year"]),
                    _amount(p["lowest_gross"], currency, locale),
                ),
                (_("Ratio (D.Lgs. 112/2017 art. 13 co. 1)"), f"1:{p['pay_ratio']} — {verdict}"),
            ]
        training = p.get("training")
        rows.append(
            (
                _("Training compliance"),
                _("not recorded")
                if not training
                else f"{training['valid']}/{training['required']} ({training['percent_compliant'] or '—'}%)",
            )
        )
        rows.append((_("Training hours in the year"), service.training_hours_text(p.get("training_hours"))))
        flow = [key_value_table(rows, locale=locale)]
        if p["pay_ratio"] is not None:
            flow.append(
                paragraph(
                    _(
                        "Pay is each employee's gross pay in the tax year's paid runs; employees paid "
                        "for part of the year are not annualised."
                    )
                )
            )
        return flow
    if key == "economics":
        e = figures["economics"]
        currency = e["currency"]
        flow = []
        if e["accounts"] is None:
            flow.append(paragraph(_("No accepted accounts for this year: the economic figures are not shown.")))
        else:
            a = e["accounts"]
            flow.append(
                data_table(
                    [_("Source of revenue"), _("Amount")],
                    [[str(label), _amount(a[line], currency, locale)] for line, label in REVENUE_LABELS.items()],
                    numeric_columns={1},
                    totals_row=[_("Turnover"), _amount(a["turnover"], currency, locale)],
                    locale=locale,
                )
            )
            flow.append(
                key_value_table(
                    [
                        (_("Net profit"), _amount(a["net_profit"], currency, locale)),
                        (_("Public contracts, share of turnover"), f"{a['public_percent'] or '—'}%"),
                    ],
                    locale=locale,
                )
            )
        if e["invoicing"]:
            flow.append(
                paragraph(
                    _(
                        "Invoiced on this platform, net of VAT: to public bodies %(public)s, to private "
                        "customers %(private)s.",
                        public=_amount(e["invoicing"]["public"], currency, locale),
                        private=_amount(e["invoicing"]["private"], currency, locale),
                    )
                )
            )
        if e["contribution"]:
            c = e["contribution"]
            flow.append(
                paragraph(
                    _(
                        "Mutual-fund contribution: due %(due)s, paid %(paid)s.",
                        due=_amount(c["due"], currency, locale),
                        paid=_amount(c["paid"], currency, locale),
                    )
                )
            )
        return flow
    return []


def social_report_pdf(report, figures: dict, *, tenant) -> bytes:
    """A co-op's social report for one year, its eight sections in the order of D.M. 4 July 2019."""
    locale = _locale()
    letterhead = Letterhead(
        name=tenant.name,
        currency=tenant.currency,
        locale=locale,
        registration_number=tenant.registration_number,
        vat_number=tenant.vat_number,
    )
    state = str(STATE_LABELS[report.state])
    if report.approved_on:
        state += " — " + _("approved on %(date)s", date=report.approved_on.isoformat())
    if report.filed_on:
        state += " — " + _("filed on %(date)s", date=report.filed_on.isoformat())
    content = [
        key_value_table(
            [
                (_("Financial year"), str(report.year)),
                (_("State"), state),
                (_("Due"), service.social_report_due(report.year).isoformat()),
            ],
            locale=locale,
        ),
        paragraph(
            _(
                "Drawn up under D.Lgs. 112/2017 art. 9 co. 2 following the guidelines of D.M. 4 July 2019. "
                "A draft shows the figures as they stand today; an approved report shows them as they "
                "stood when the assembly approved it."
            )
        ),
    ]
    for number, (key, label) in enumerate(service.SECTIONS, start=1):
        content.append(heading(f"{number}. {label}"))
        content += _section_data(key, figures, locale)
        entry = (report.sections or {}).get(key) or {}
        if entry.get("text"):
            for part in entry["text"].split("\n\n"):
                content.append(paragraph(part))
        elif key not in service.DATA_SECTIONS:
            content.append(paragraph(_("Omitted: %(reason)s", reason=entry.get("omission_reason") or "—")))
    return build_pdf(
        letterhead,
        _("Social report %(year)s", year=report.year),
        content,
        subject=_("Social report %(year)s", year=report.year),
    )


def consolidated_pdf(consolidated: dict, *, consortium_name: str) -> bytes:
    """The consortium's consolidated social report: the network as a whole, from aggregates only."""
    locale = _locale()
    letterhead = Letterhead(name=consortium_name, locale=locale)
    d = consolidated["dashboard"]
    year = consolidated["year"]
    states = consolidated["reports"]
    tables = {t.key: t for t in dashboard_tables(d)}
    content = [
        paragraph(
            _(
                "The consolidated social report of the group (D.M. 4 July 2019: groups of social enterprises "
                "report in consolidated form). It shows the group as a whole from what each co-op reports "
                "to the consortium; each co-op's own report holds its details."
            )
        )
    ]

    def section(number, key):
        content.append(heading(f"{number}. {service.SECTION_LABELS[key]}"))

    section(1, "methodology")
    content.append(
        paragraph(
            _(
                "Figures are aggregates of the co-ops' accepted accounts, member counts by category, "
                "mutual-fund contributions, training compliance and training hours; money is totalled per currency."
            )
        )
    )
    section(2, "general")
    content += _tables_flowables([tables["legal_forms"], tables["countries"]], locale)
    section(3, "governance")
    content += _tables_flowables([tables["members"]], locale)
    content.append(
        paragraph(
            _(
                "Co-ops' social reports for %(year)s: %(filed)s filed, %(approved)s approved, "
                "%(draft)s in draft, %(missing)s not started.",
                year=year,
                **states,
            )
        )
    )
    section(4, "people")
    content += _tables_flowables([tables["type_b"], tables["training"], tables["training_hours"]], locale)
    section(5, "activities")
    content += _tables_flowables([tables[k] for k in ("tenders", "incubation", "lineage", "purchasing")], locale)
    section(6, "economics")
    if d["accounts"] is None:
        content.append(
            paragraph(
                _("No co-op has accepted accounts for %(year)s yet: the economic figures are not shown.", year=year)
            )
        )
    content += _tables_flowables(
        [tables[k] for k in ("accounts", "revenue", "invoicing", "contributions", "fund") if k in tables], locale
    )
    section(7, "other")
    content.append(paragraph(_("Omitted: the consortium writes no other information on this platform yet.")))
    section(8, "monitoring")
    content.append(paragraph(_("Omitted: the control body's report is attached by the consortium when it files.")))
    return build_pdf(
        letterhead,
        _("Consolidated social report %(year)s", year=year),
        content,
        subject=_("Consolidated social report %(year)s", year=year),
    )
