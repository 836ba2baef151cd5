"""Accounts test data: filled templates (XLSX, CSV) and versions uploaded through the service layer."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import User
from consortium.tenancy import tenant_scope
from tenants.accounts import service
from tenants.accounts.parsing import CSV_COLUMNS, SUMMARY_LINES, build_template_xlsx

D = Decimal
LAST_YEAR = local_today().year - 1

FIGURES = {
    "turnover_public_contracts": D("100000.00"),
    "turnover_private_fees": D("20000.50"),
    "turnover_grants_donations": D("5000.00"),
    "turnover_other": D("0.00"),
    "staff_costs": D("80000.00"),
    "other_costs": D("15000.00"),
    "tax": D("1500.00"),
    "net_profit": D("28500.50"),
    "share_capital": D("5000.00"),
    "reserves_indivisible": D("12000.00"),
    "reserves_other": D("0.00"),
    "loans": D("30000.00"),
    "cash": D("40000.50"),
}

# account_code, account_name, debit, credit, maps_to: balances and adds up to FIGURES.
TRIAL_BALANCE = [
    ["7010", "Contracts with the municipality", None, 100000, "turnover_public_contracts"],
    ["7020", "Fees from families", None, 20000.5, "turnover_private_fees"],
    ["7030", "Regional grant", None, 5000, "turnover_grants_donations"],
    ["6010", "Wages and social security", 80000, None, "staff_costs"],
    ["6020", "Rent and utilities", 15000, None, "other_costs"],
    ["6090", "Corporation tax", 1500, None, "tax"],
    ["1010", "Members' shares", None, 5000, "share_capital"],
    ["1020", "Indivisible reserve", None, 12000, "reserves_indivisible"],
    ["2010", "Bank loan", None, 30000, "loans"],
    ["3010", "Bank current account", 40000.5, None, "cash"],
    ["3020", "Receivables from the municipality", 35500, None, None],
]


def filled_xlsx(year=LAST_YEAR, figures=FIGURES, amounts=None, trial_balance=None, extra_columns=()):
    """The downloaded template filled in; `amounts` overrides single Summary cells (text, formulas...)."""
    workbook = load_workbook(io.BytesIO(build_template_xlsx(year)))
    summary = workbook["Summary"]
    for row in summary.iter_rows(min_row=3):
        code = row[0].value
        row[2].value = float(figures[code]) if code in figures else None
        if amounts and code in amounts:
            row[2].value = amounts[code]
    for offset, name in enumerate(extra_columns):
        summary.cell(row=1, column=4 + offset, value=name)
    for values in trial_balance or ():
        workbook["TrialBalance"].append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_csv(year=LAST_YEAR, figures=FIGURES, delimiter=",", decimal_comma=False, encoding="utf-8",
               labels=None):
    """The CSV template filled in; `labels` overrides some lines' label text (e.g. accented names)."""

    def show(value):
        text = f"{value:.2f}"
        return text.replace(".", ",") if decimal_comma else text

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(CSV_COLUMNS)
    for line in SUMMARY_LINES:
        amount = str(year) if line.code == "financial_year" else show(figures[line.code])
        label = (labels or {}).get(line.code, line.label)
        writer.writerow(["summary", line.code, label, amount, "", "", ""])
    return buffer.getvalue().encode(encoding)


def upload_version(factory, tenant, *, uploader_email=None, year=LAST_YEAR, submit=False, filename=None) -> int:
    """Upload (and optionally submit) a version for `tenant` through the service; returns its id."""
    email = uploader_email or f"uploader@{tenant.slug}.test"
    with factory.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
    user_id = user.id if user else factory.user(email, {"role": "treasurer", "tenant": tenant.slug})
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            version = service.upload_accounts(
                db.session, tenant=tenant, year=year, filename=filename or f"accounts-{tenant.slug}.xlsx",
                data=filled_xlsx(year), uploaded_by=user_id, today=local_today(),
            )
            if submit:
                service.submit_version(db.session, version, submitted_by=user_id)
            db.session.commit()
            return version.id
