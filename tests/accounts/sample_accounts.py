"""A consistent set of annual accounts for tests (figures, a trial balance adding up to them) and the CSV
upload built from them. Plain data and bytes, no app: shared by the parser's unit tests and the API tests."""

import csv
import io
from decimal import Decimal

from tenants.accounts.parsing import CSV_COLUMNS, SUMMARY_LINES

D = Decimal

FIGURES = {
    "turnover_public_contracts": D("100000.00"),
    "turnover_private_fees": D("20000.50"),
    "turnover_grants_donations": D("5000.00"),
    "turnover_other": D("0.00"),
    "staff_costs": D("80000.00"),
    "other_costs": D("15000.00"),
    "tax": D("1500.00"),
    "net_profit": D("28500.50"),
    "prior_losses_covered": D("0.00"),
    "ristorni_from_profit": D("0.00"),
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


def accounts_csv(year, figures=FIGURES, *, trial_balance=(), delimiter=",", decimal_comma=False, encoding="utf-8",
                 labels=None, raw=None) -> bytes:
    """The CSV template filled for `year`: a missing figure is left empty, `raw` gives some lines' amount cells
    as literal text, `labels` overrides some lines' label text (e.g. accented names)."""

    def show(value):
        if value is None:
            return ""
        text = f"{Decimal(str(value)):.2f}"
        return text.replace(".", ",") if decimal_comma else text

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(CSV_COLUMNS)
    for line in SUMMARY_LINES:
        amount = str(year) if line.code == "financial_year" else show(figures.get(line.code))
        amount = (raw or {}).get(line.code, amount)
        writer.writerow(["summary", line.code, (labels or {}).get(line.code, line.label), amount, "", "", ""])
    for code, name, debit, credit, maps_to in trial_balance:
        writer.writerow(["trial_balance", maps_to or "", name, "", code, show(debit), show(credit)])
    return buffer.getvalue().encode(encoding)
