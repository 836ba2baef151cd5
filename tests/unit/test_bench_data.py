"""The benchmarks' generated data is data the app could have written (issue 16: the invoicing benchmark's invoices
once owed 0.00, so every one of them read as paid)."""

import random

from tests.benchmarks.bench_invoicing import INVOICE_COLUMNS, _invoice_and_line_rows


def test_the_benchmark_invoices_owe_their_gross_total():
    invoices, _ = _invoice_and_line_rows([1, 2], random.Random(16))
    columns = INVOICE_COLUMNS.split(", ")
    rows = [dict(zip(columns, invoice, strict=True)) for invoice in invoices]
    assert all(row["payable_total"] == row["gross_total"] > 0 for row in rows)
    # paid in full, half paid or unpaid, as generated: not all settled
    assert {row["amount_paid"] < row["payable_total"] for row in rows} == {True, False}
