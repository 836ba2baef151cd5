"""CSV files the way the reader's spreadsheet opens them: the one writer every CSV export uses.

Italian spreadsheets (Excel and LibreOffice set to Italian) take `;` between fields and a decimal comma,
since the comma is their decimal sign; English ones take `,` and a decimal point. A file follows the language
of the person downloading it (`consortium.i18n.current_language`), so `1234,50` lands in a cell as a number
for an Italian reader and `1234.50` for an English one. Amounts are written plain, without thousands
separators or currency, so they stay numbers. Dates are ISO (`2026-12-01`), which both read as dates.
Text that a spreadsheet would run as a formula is made inert (`neutralise`). The file is UTF-8 with a byte
order mark, so accents survive Excel.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from consortium.i18n import _, current_language

# (field separator, decimal sign) by interface language.
CONVENTIONS = {"it": (";", ","), "en": (",", ".")}
# A cell starting with one of these is read as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # an .xlsx workbook


def neutralise(value):
    """Text a spreadsheet could run as a formula, made inert with a leading apostrophe; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def convention(language: str | None = None) -> tuple[str, str]:
    """(field separator, decimal sign) of CSV files for `language` (else the reader's)."""
    return CONVENTIONS.get(language or current_language(), CONVENTIONS["en"])


def cell(value, decimal_sign: str = ".") -> str:
    """One value as CSV text: numbers plain with `decimal_sign`, dates ISO, text neutralised, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", decimal_sign)
    if isinstance(value, float):
        return repr(value).replace(".", decimal_sign)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def to_csv(header: Sequence, rows: Iterable[Sequence], *, language: str | None = None) -> bytes:
    """A CSV file (bytes, UTF-8 with BOM) of `header` and `rows`, in the convention of `language` (else the
    reader's)."""
    delimiter, decimal_sign = convention(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([cell(value, decimal_sign) for value in header])
    for row in rows:
        writer.writerow([cell(value, decimal_sign) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def convention_note() -> str:
    """What a page says beside its CSV download, in the reader's language."""
    if convention()[0] == ";":
        return _("CSV files use ; between fields and a decimal comma.")
    return _("CSV files use , between fields and a decimal point.")
