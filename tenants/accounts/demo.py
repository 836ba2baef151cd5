"""Demo annual accounts: last year's accounts filled into the template, uploaded and submitted for two co-ops."""

import io
from datetime import date, timedelta
from decimal import Decimal

from consortium.clock import local_today
from consortium.tenancy import tenant_scope
from tenants.accounts import service
from tenants.accounts.parsing import SUMMARY_SHEET, build_template_xlsx

# (co-op slug, demo user key, rough turnover): a social care co-op and a UK co-op society.
DEMO_ACCOUNTS = (("girasole", "treasurer", 850_000), ("riverside-care", "uk_treasurer", 420_000))
CENT = Decimal("0.01")


def demo_figures(turnover: int, rng) -> dict[str, Decimal]:
    """Plausible, consistent Summary figures around `turnover`: a modest profit that adds up."""

    def share(base: Decimal, low: float, high: float) -> Decimal:
        return (base * Decimal(str(round(rng.uniform(low, high), 4)))).quantize(CENT)

    nominal = Decimal(turnover)
    figures = {
        "turnover_public_contracts": share(nominal, 0.55, 0.7),
        "turnover_private_fees": share(nominal, 0.15, 0.25),
        "turnover_grants_donations": share(nominal, 0.03, 0.08),
        "turnover_other": share(nominal, 0.0, 0.02),
    }
    total = sum(figures.values())
    figures["staff_costs"] = share(total, 0.62, 0.68)
    figures["other_costs"] = share(total, 0.18, 0.24)
    before_tax = total - figures["staff_costs"] - figures["other_costs"]
    figures["tax"] = (before_tax * Decimal("0.24")).quantize(CENT)
    figures["net_profit"] = before_tax - figures["tax"]
    figures["prior_losses_covered"] = Decimal("0.00")
    figures["ristorni_from_profit"] = Decimal("0.00")
    figures["share_capital"] = share(nominal, 0.01, 0.03)
    figures["reserves_indivisible"] = share(nominal, 0.1, 0.2)
    figures["reserves_other"] = share(nominal, 0.0, 0.02)
    figures["loans"] = share(nominal, 0.05, 0.15)
    figures["cash"] = share(nominal, 0.08, 0.2)
    return figures


def filled_template(year: int, figures: dict[str, Decimal]) -> bytes:
    """The XLSX template for `year` with the Summary amounts filled in, as a treasurer would save it."""
    from openpyxl import load_workbook  # loads only when demo data is made (issue 16: not in every worker)

    workbook = load_workbook(io.BytesIO(build_template_xlsx(year)))
    for row in workbook[SUMMARY_SHEET].iter_rows(min_row=3):
        row[2].value = float(figures[row[0].value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load_demo_accounts(session, tenants, users, rng) -> None:
    """Upload and submit last year's accounts for the demo co-ops in DEMO_ACCOUNTS."""
    today = local_today()
    year = today.year - 1
    for slug, user_key, turnover in DEMO_ACCOUNTS:
        tenant, treasurer = tenants[slug], users[user_key]
        data = filled_template(year, demo_figures(turnover, rng))
        with tenant_scope(session, tenant.id):
            version = service.upload_accounts(
                session, tenant=tenant, year=year, filename=f"accounts-{slug}-{year}.xlsx", data=data,
                uploaded_by=treasurer, today=today,
            )
            # The members' assembly approved the accounts a fortnight ago (or on 29 April, earlier in the year).
            approved_on = max(min(today - timedelta(days=14), date(year + 1, 4, 29)), date(year + 1, 1, 1))
            service.submit_version(session, version, assembly_approved_on=approved_on, today=today,
                                   submitted_by=treasurer)
