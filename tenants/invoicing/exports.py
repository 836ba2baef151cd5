"""The invoice list as CSV and XLSX, safe to open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or carriage
return that hides one) is prefixed with an apostrophe, the OWASP advice for CSV injection.
Amounts are written as numbers (Decimal in XLSX, plain text in CSV), never as text to escape.
The CSV is written by `consortium.exports` in the reader's convention (`;` and decimal commas in Italian).
"""

import io
from datetime import date

from consortium.exports import XLSX_MEDIA_TYPE, neutralise, to_csv
from tenants.invoicing.models import Invoice
from tenants.invoicing.service import invoice_status, outstanding

COLUMNS = ("Number", "Kind", "Status", "Issue date", "Due date", "Customer", "Currency", "Net", "VAT", "Total",
           "Paid", "Credited", "Outstanding", "Customer reference")


def invoice_rows(invoices, today: date) -> list[list]:
    """One row per document, in COLUMNS order (text not yet neutralised)."""
    return [[invoice.number or "(draft)", invoice.kind.replace("_", " "), invoice_status(invoice, today),
             invoice.issue_date, invoice.due_date, invoice.customer.name, invoice.currency, invoice.net_total,
             invoice.vat_total, invoice.gross_total, invoice.amount_paid, invoice.amount_credited,
             outstanding(invoice), invoice.buyer_reference or ""]
            for invoice in invoices]


def invoices_csv(invoices: list[Invoice], today: date) -> bytes:
    """CSV in the reader's convention (UTF-8 with BOM, so spreadsheets read accents right)."""
    return to_csv(COLUMNS, invoice_rows(invoices, today))


def invoices_xlsx(invoices: list[Invoice], today: date) -> bytes:
    """An XLSX workbook with one sheet of invoices; dates as dates, amounts as numbers with 2 decimals."""
    from openpyxl import Workbook  # openpyxl loads when a workbook is made (issue 16: not in every worker's memory)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Invoices"
    sheet.append(COLUMNS)
    for row in invoice_rows(invoices, today):
        sheet.append([neutralise(value) for value in row])
    for column in "HIJKLM":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    for column in "DE":
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export(invoices: list[Invoice], today: date, export_format: str) -> tuple[bytes, str]:
    """(content, media type) of the list as `csv` or `xlsx`."""
    if export_format == "xlsx":
        return invoices_xlsx(invoices, today), XLSX_MEDIA_TYPE
    return invoices_csv(invoices, today), "text/csv"
