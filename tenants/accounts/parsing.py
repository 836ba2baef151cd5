"""Annual-accounts template for member co-ops and the parser of a filled one (XLSX or CSV).

A treasurer downloads the template, fills one financial year and uploads it; the consortium
works the 3% mutual-fund contribution out of the net profit. This module only builds the
template and parses an upload into a `ParseResult`: every problem with the user's data is an
`Issue` in `errors` or `warnings` (never an exception), naming the sheet, the row as the user
sees it (1-based, the header is row 1), the column and the reason. Storing the result and
refusing a year already accepted belong to the service layer.

XLSX layout (see `build_template_xlsx`):

- sheet ``Summary``: header ``line_code, label, amount``, one row per line of `SUMMARY_LINES`;
  the ``financial_year`` row holds the year in ``amount``. Every line is required (0 when none).
- sheet ``TrialBalance`` (optional to fill): header
  ``account_code, account_name, debit, credit, maps_to``; ``maps_to`` is the Summary line the
  account adds up into, or empty for an account that is on no Summary line (receivables,
  fixed assets...). Only ``label`` and ``account_name`` may be left out of a header.
- sheet ``Instructions``: text for the treasurer, ignored by the parser.

CSV layout (see `build_template_csv`): one UTF-8 file with the header
``section,line_code,label,amount,account_code,debit,credit`` and

- ``summary`` rows: ``section=summary``, ``line_code``, ``label`` (ignored), ``amount``;
- ``trial_balance`` rows: ``section=trial_balance``, ``line_code`` = the Summary line the account
  maps to (may be empty), ``label`` = account name, ``account_code``, ``debit``, ``credit``
  (``amount`` empty).

The columns ``account_code, debit, credit`` are needed only when the file has trial-balance
rows. A file whose header uses ``;`` as delimiter (Italian Excel) is read with decimal commas
(``1.234,56``); with ``,`` amounts use a decimal point (``1,234.56``). UTF-8 with or without BOM
is read as such; anything else is tried as Windows-1252 and says so in `encoding_note`.

Checks: the year is a whole number and the year is over (``year < today.year``); amounts are
numbers (never formulas: the parser does not evaluate them), rounded half-up to the cent and
below 10^12; share capital is not negative; the stated net profit equals turnover - staff costs
- other costs - tax; a trial balance, when given, balances (debits = credits), maps only to
known lines, and the accounts mapped to each line add up to that line's Summary amount
(credit - debit for income, equity and liabilities; debit - credit for costs, tax and cash).

An XLSX is a ZIP: before openpyxl opens it the archive's directory is inspected and refused
when its declared uncompressed size or a member's compression ratio is out of bounds; Python's
zipfile never inflates a member beyond its declared size, so the bound holds.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from flask import has_app_context

from consortium.exports import to_csv
from consortium.i18n import _, format_date, format_number

if TYPE_CHECKING:  # openpyxl loads when a workbook is made or read (issue 16: not in every worker's memory)
    from openpyxl.styles import Font, PatternFill

SUMMARY_SHEET = "Summary"
TRIAL_BALANCE_SHEET = "TrialBalance"
INSTRUCTIONS_SHEET = "Instructions"

CSV_COLUMNS = ("section", "line_code", "label", "amount", "account_code", "debit", "credit")
CSV_SECTION_SUMMARY = "summary"
CSV_SECTION_TRIAL_BALANCE = "trial_balance"
TEXT_FILE = "a text file"  # what _describe_content says of a file that may be CSV (never shown)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small parts (styles, themes) compress far better than 100x without being a threat.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
# Numeric(14, 2) in the database: at most 12 digits before the decimal point.
MAX_AMOUNT = Decimal(10) ** 12
# Beyond this many, issues are counted but not listed, so a wholly wrong file stays readable.
MAX_LISTED_ISSUES = 200
EARLIEST_YEAR = 1900

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

AMOUNT_FORMAT = "#,##0.00"
YEAR_FORMAT = "0"


def N_(text: str) -> str:
    """Marks a msgid for the catalogue; translated where it is used."""
    return text


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """One line of the Summary sheet; `normal_side` is how trial-balance accounts add up into it."""

    code: str
    label: str  # English (the template's); `line_label` writes it in the reader's language
    part: str  # "general", "profit_and_loss", "allocation" (of the net profit) or "balance_sheet"
    normal_side: str | None  # "credit", "debit", or None when no account may map to it


SUMMARY_LINES: tuple[SummaryLine, ...] = (
    SummaryLine("financial_year", N_("Financial year (the calendar year these accounts cover)"), "general", None),
    SummaryLine("turnover_public_contracts", N_("Turnover: public contracts"), "profit_and_loss", "credit"),
    SummaryLine("turnover_private_fees", N_("Turnover: private fees"), "profit_and_loss", "credit"),
    SummaryLine("turnover_grants_donations", N_("Turnover: grants and donations"), "profit_and_loss", "credit"),
    SummaryLine("turnover_other", N_("Turnover: other income"), "profit_and_loss", "credit"),
    SummaryLine("staff_costs", N_("Staff costs"), "profit_and_loss", "debit"),
    SummaryLine("other_costs", N_("Other costs"), "profit_and_loss", "debit"),
    SummaryLine("tax", N_("Tax"), "profit_and_loss", "debit"),
    SummaryLine(
        "net_profit", N_("Net profit (turnover - staff costs - other costs - tax)"), "profit_and_loss", None
    ),
    # How the assembly allocated the profit: the mutual fund's 3% is worked on the profit less these two
    # (Law 59/1992 art. 11 as Legacoop applies it; see shared_services.mutual_fund.calculations.contribution_base).
    SummaryLine(
        "prior_losses_covered", N_("Of the net profit: used to cover losses of prior years"), "allocation", None
    ),
    SummaryLine(
        "ristorni_from_profit", N_("Of the net profit: ristorni (refunds to members) allocated from it"), "allocation",
        None,
    ),
    SummaryLine("share_capital", N_("Share capital"), "balance_sheet", "credit"),
    SummaryLine("reserves_indivisible", N_("Reserves: indivisible"), "balance_sheet", "credit"),
    SummaryLine("reserves_other", N_("Reserves: other"), "balance_sheet", "credit"),
    SummaryLine("loans", N_("Loans"), "balance_sheet", "credit"),
    SummaryLine("cash", N_("Cash"), "balance_sheet", "debit"),
)
LINES_BY_CODE: dict[str, SummaryLine] = {line.code: line for line in SUMMARY_LINES}


def line_label(code: str) -> str:
    """A Summary line's label in the reader's language."""
    return _(LINES_BY_CODE[code].label)
TURNOVER_CODES = (
    "turnover_public_contracts",
    "turnover_private_fees",
    "turnover_grants_donations",
    "turnover_other",
)
COST_CODES = ("staff_costs", "other_costs", "tax")
ALLOCATION_CODES = ("prior_losses_covered", "ristorni_from_profit")
# Lines added after the first template went out: a file without them reads them as 0, with a warning.
OPTIONAL_CODES = ALLOCATION_CODES
MAPPABLE_CODES = tuple(line.code for line in SUMMARY_LINES if line.normal_side)

SUMMARY_COLUMNS = ("line_code", "label", "amount")
SUMMARY_REQUIRED_COLUMNS = ("line_code", "amount")
TRIAL_BALANCE_COLUMNS = ("account_code", "account_name", "debit", "credit", "maps_to")
TRIAL_BALANCE_REQUIRED_COLUMNS = ("account_code", "debit", "credit", "maps_to")


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in the upload, located as the user sees it (sheet, 1-based row, column)."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """Render as e.g. 'Summary, row 4, column amount: ...'."""
        where = []
        if self.sheet:
            where.append(self.sheet)
        if self.row is not None:
            where.append(_("row %(row)s", row=self.row))
        if self.column:
            where.append(_("column %(column)s", column=self.column))
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """One trial-balance account as uploaded; `row` is its row in the sheet or CSV file."""

    row: int
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    maps_to: str | None


@dataclass
class ParseResult:
    """What an upload says, plus every error and warning found; usable only when `ok`."""

    year: int | None = None
    figures: dict[str, Decimal] = field(default_factory=dict)
    computed_net_profit: Decimal | None = None
    trial_balance: list[TrialBalanceRow] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    encoding_note: str | None = None
    file_format: str | None = None  # "xlsx" or "csv" once recognised
    # Parsing state, not part of the answer: where each Summary line sat, for cross-check messages.
    _summary_rows: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _trial_balance_incomplete: bool = field(default=False, init=False, repr=False, compare=False)
    _unlisted_errors: int = field(default=0, init=False, repr=False, compare=False)
    _unlisted_warnings: int = field(default=0, init=False, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the upload has no errors (warnings allowed)."""
        return not self.errors

    def add_error(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        """Record an error, counting it without listing it past MAX_LISTED_ISSUES."""
        if len(self.errors) < MAX_LISTED_ISSUES:
            self.errors.append(Issue(sheet, row, column, message))
        else:
            self._unlisted_errors += 1

    def add_warning(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        """Record a warning, counting it without listing it past MAX_LISTED_ISSUES."""
        if len(self.warnings) < MAX_LISTED_ISSUES:
            self.warnings.append(Issue(sheet, row, column, message))
        else:
            self._unlisted_warnings += 1

    def _close_lists(self) -> None:
        if self._unlisted_errors:
            self.errors.append(Issue(None, None, None, _("%(count)s more errors not listed",
                                                          count=self._unlisted_errors)))
            self._unlisted_errors = 0
        if self._unlisted_warnings:
            message = _("%(count)s more warnings not listed", count=self._unlisted_warnings)
            self.warnings.append(Issue(None, None, None, message))
            self._unlisted_warnings = 0


def format_amount(value: Decimal) -> str:
    """Format an amount for a message in the reader's language, e.g. 12,345.67 or 12.345,67."""
    return format_number(value, 2)


# --------------------------------------------------------------------------- template


def build_template_xlsx(year: int | None = None) -> bytes:
    """Build the blank annual-accounts workbook (Summary, TrialBalance, Instructions) as XLSX bytes: its labels,
    instructions and messages in the reader's language; sheet names, headers and line codes as the upload reads them."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")

    summary = workbook.active
    summary.title = SUMMARY_SHEET
    summary.append(list(SUMMARY_COLUMNS))
    for line in SUMMARY_LINES:
        amount = year if line.code == "financial_year" else None
        summary.append([line.code, line_label(line.code), amount])
        cell = summary.cell(row=summary.max_row, column=3)
        cell.number_format = YEAR_FORMAT if line.code == "financial_year" else AMOUNT_FORMAT
    amounts = DataValidation(
        type="decimal", operator="between", formula1="-999999999999.99", formula2="999999999999.99",
        showErrorMessage=True, error=_("Enter a number (no text, no formula)."),
    )
    amounts.add(f"C2:C{summary.max_row}")
    summary.add_data_validation(amounts)
    _style_header(summary, header_font, header_fill, widths=(28, 58, 18))

    trial_balance = workbook.create_sheet(TRIAL_BALANCE_SHEET)
    trial_balance.append(list(TRIAL_BALANCE_COLUMNS))
    trial_balance.column_dimensions["A"].number_format = "@"  # keeps leading zeros of account codes
    trial_balance.column_dimensions["C"].number_format = AMOUNT_FORMAT
    trial_balance.column_dimensions["D"].number_format = AMOUNT_FORMAT
    debit_credit = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="999999999999.99",
        showErrorMessage=True, error=_("Enter a positive number; put credits in the credit column."),
    )
    debit_credit.add("C2:D100000")
    maps_to = DataValidation(
        type="list", formula1=f'"{",".join(MAPPABLE_CODES)}"', allow_blank=True,
        showErrorMessage=True, error=_("Choose a Summary line code, or leave empty."),
    )
    maps_to.add("E2:E100000")
    trial_balance.add_data_validation(debit_credit)
    trial_balance.add_data_validation(maps_to)
    _style_header(trial_balance, header_font, header_fill, widths=(16, 40, 16, 16, 28))

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    instructions.column_dimensions["A"].width = 110
    for text in _instruction_lines():
        instructions.append([text])
        instructions.cell(row=instructions.max_row, column=1).alignment = Alignment(wrap_text=True)
    instructions["A1"].font = Font(bold=True, size=14)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_header(sheet, font: Font, fill: PatternFill, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = font
        cell.fill = fill
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"


def _instruction_lines() -> list[str]:
    return [
        _("Annual accounts for the consortium"),
        _("1. Fill one financial year. On the Summary sheet put the year in the amount of the "
        "financial_year row, and an amount on every other row (0 when there is none)."),
        _("2. Type values, not formulas: the upload does not evaluate formulas. If you worked the "
        "figures out with formulas, copy them and use Paste Special > Values."),
        _("3. Amounts are in the co-op's currency with up to 2 decimals; more are rounded half-up to the cent."),
        _("4. Net profit must equal total turnover - staff costs - other costs - tax. The consortium "
        "works out the 3% mutual-fund contribution from it."),
        _("5. Share capital cannot be negative. If the members' assembly used part of the net profit to cover "
        "losses of prior years, put that part in prior_losses_covered; if it allocated ristorni (refunds to "
        "members) from the profit, put them in ristorni_from_profit (0 when none). The 3% is worked on the "
        "net profit less these two, and together they cannot exceed the net profit."),
        _("6. The TrialBalance sheet is optional. If you fill it, list every account of the year-end "
        "trial balance with its debit or credit balance; total debits must equal total credits. "
        "In maps_to put the Summary line the account adds up into, or leave it empty for accounts "
        "that are on no Summary line (receivables, payables, fixed assets...). The accounts mapped "
        "to each line must add up to that line's amount on the Summary."),
        _("7. Do not rename the sheets or the header row. Extra columns are ignored."),
        _("8. Upload this workbook as .xlsx (not .xls, not password-protected), or the CSV template "
        "instead. A year can be uploaded once it is over."),
    ]


def build_template_csv(year: int | None = None) -> bytes:
    """Build the blank annual-accounts CSV (UTF-8, header row, one summary row per line) as bytes, in the
    reader's convention (`;` for an Italian reader, which `_parse_csv` reads back with decimal commas)."""
    rows = [[CSV_SECTION_SUMMARY, line.code, line_label(line.code),
             year if line.code == "financial_year" and year is not None else "", "", "", ""]
            for line in SUMMARY_LINES]
    return to_csv(CSV_COLUMNS, rows)


# --------------------------------------------------------------------------- entry point


def parse_accounts(
    data: bytes, filename: str, *, today: date, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult:
    """Parse and check an uploaded annual-accounts file (XLSX or CSV); problems go to `errors`/`warnings`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if not isinstance(today, date):
        raise TypeError("today must be a date")
    data = bytes(data)
    result = ParseResult()
    if not data:
        result.add_error(None, None, None, _("the file is empty"))
    elif len(data) > max_bytes:
        result.add_error(
            None, None, None,
            _("the file is %(size)s bytes; the largest accepted is %(limit)s bytes",
              size=format_number(len(data)), limit=format_number(max_bytes)),
        )
    else:
        file_format = _recognise_format(data, filename or "", result)
        result.file_format = file_format
        if file_format == "xlsx":
            _parse_xlsx(data, result)
        elif file_format == "csv":
            _parse_csv(data, result)
        if file_format is not None:
            _check_year(result, today)
    result._close_lists()
    return result


def _recognise_format(data: bytes, filename: str, result: ParseResult) -> str | None:
    extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    looks_like = _describe_content(data)
    if extension == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            message = _("the file is named .xlsx but is %(content)s, not an Excel workbook", content=looks_like)
            result.add_error(None, None, None, message)
            return None
        problem = _inspect_xlsx_archive(data)
        if problem:
            result.add_error(None, None, None, problem)
            return None
        return "xlsx"
    if extension == ".csv":
        if looks_like != TEXT_FILE:
            result.add_error(
                None, None, None,
                _("the file is named .csv but is %(content)s; upload the workbook as .xlsx or save it as CSV",
                  content=looks_like),
            )
            return None
        return "csv"
    if extension in (".xls", ".xlsm", ".xlsb", ".ods", ".numbers"):
        result.add_error(
            None, None, None,
            _("%(extension)s files are not accepted; save the workbook as Excel Workbook (.xlsx) or CSV",
              extension=extension),
        )
        return None
    if extension:
        result.add_error(None, None, None, _("upload an .xlsx or .csv file (this one has %(extension)s)",
                                             extension=extension))
    else:
        result.add_error(None, None, None, _("upload an .xlsx or .csv file (this one has no extension)"))
    return None


def _describe_content(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _("a ZIP archive (an Excel or other Office file)")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("an Excel 97-2003 (.xls) or password-protected Office file")
    if data.startswith(b"%PDF"):
        return _("a PDF document")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return _("an image")
    if b"\x00" in data:
        return _("binary data (or UTF-16 text; save as CSV UTF-8)")
    return TEXT_FILE


def _inspect_xlsx_archive(data: bytes) -> str | None:
    """Return why the ZIP cannot be an acceptable workbook, reading only its directory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return _("the file is named .xlsx but is not a readable ZIP archive (it may be damaged or cut short)")
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            return _("the file is a ZIP archive but not an Excel workbook (no [Content_Types].xml / xl/workbook.xml)")
        if len(members) > MAX_ZIP_MEMBERS:
            return _("the workbook has %(count)s parts; refusing more than %(limit)s",
                     count=format_number(len(members)), limit=format_number(MAX_ZIP_MEMBERS))
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            return _("the workbook would unpack to %(size)s bytes; refusing more than %(limit)s (a compressed-size "
                     "bomb or far too much data)", size=format_number(total),
                     limit=format_number(MAX_UNCOMPRESSED_BYTES))
        for member in members:
            if (
                member.file_size > RATIO_CHECK_MIN_BYTES
                and member.file_size > member.compress_size * MAX_COMPRESSION_RATIO
            ):
                return _("the workbook part %(part)s is compressed more than %(ratio)s:1; refusing it as a possible "
                         "ZIP bomb", part=member.filename, ratio=MAX_COMPRESSION_RATIO)
    return None


# --------------------------------------------------------------------------- reading XLSX


def load_workbook(*args, **kwargs):
    """openpyxl's `load_workbook`, imported on first use (issue 16: openpyxl is not in every worker's memory)."""
    from openpyxl import load_workbook as load

    return load(*args, **kwargs)


def _parse_xlsx(data: bytes, result: ParseResult) -> None:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file: all are the user's data
        result.add_error(None, None, None, _unreadable_workbook(exc))
        return
    try:
        sheets = {name.strip().lower(): name for name in workbook.sheetnames}
        summary_name = sheets.get(SUMMARY_SHEET.lower())
        if summary_name is None:
            result.add_error(
                SUMMARY_SHEET, None, None,
                _("the workbook has no sheet named %(sheet)s (it has: %(sheets)s)", sheet=SUMMARY_SHEET,
                  sheets=", ".join(workbook.sheetnames)),
            )
        else:
            summary_rows = _worksheet_rows(workbook[summary_name])
            table = _read_header(
                next(summary_rows, ()), SUMMARY_SHEET, SUMMARY_COLUMNS, SUMMARY_REQUIRED_COLUMNS, result
            )
            if table is not None:
                _read_summary(summary_rows, table, decimal_comma=False, result=result)

        trial_balance_name = sheets.get(TRIAL_BALANCE_SHEET.lower())
        if trial_balance_name is not None:
            trial_balance_rows = _worksheet_rows(workbook[trial_balance_name])
            header = next(trial_balance_rows, ())
            if any(not _is_blank(value) for value in header):
                table = _read_header(
                    header, TRIAL_BALANCE_SHEET, TRIAL_BALANCE_COLUMNS, TRIAL_BALANCE_REQUIRED_COLUMNS, result
                )
                if table is not None:
                    _read_trial_balance(trial_balance_rows, table, decimal_comma=False, result=result)
    except Exception as exc:  # a sheet's XML can be damaged past the directory openpyxl read first
        result.add_error(None, None, None, _unreadable_workbook(exc))
    finally:
        workbook.close()
    _cross_check(result)


def _unreadable_workbook(exc: Exception) -> str:
    return _("the workbook could not be read (%(error)s)", error=exc.__class__.__name__ + ": " + str(exc))


def _worksheet_rows(sheet) -> Iterator[tuple[int, Sequence[object]]]:
    # Some writers store a wrong <dimension>; trusting it would silently drop rows.
    sheet.reset_dimensions()
    return enumerate(sheet.iter_rows(values_only=True), start=1)


# --------------------------------------------------------------------------- reading CSV


def _parse_csv(data: bytes, result: ParseResult) -> None:
    text = _decode_csv(data, result)
    if text is None:
        return
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    decimal_comma = delimiter == ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = enumerate(reader, start=1)

    summary_records: list[tuple[int, Sequence[object]]] = []
    trial_balance_records: list[tuple[int, Sequence[object]]] = []
    try:
        header_row = next(records, (1, []))
        header = _Header.from_values(header_row[1])
        section_index = header.index("section")
        for row_number, record in records:
            if not "".join(record).strip():
                continue
            has_section = section_index is not None and section_index < len(record)
            section = record[section_index].strip().lower() if has_section else ""
            if section == CSV_SECTION_SUMMARY:
                summary_records.append((row_number, record))
            elif section == CSV_SECTION_TRIAL_BALANCE:
                trial_balance_records.append((row_number, record))
            elif section_index is not None:
                choices = dict(summary=CSV_SECTION_SUMMARY, trial_balance=CSV_SECTION_TRIAL_BALANCE, section=section)
                result.add_error(
                    None, row_number, "section",
                    _("section is '%(section)s'; use %(summary)s or %(trial_balance)s", **choices) if section else
                    _("section is empty; use %(summary)s or %(trial_balance)s", **choices),
                )
    except csv.Error as exc:
        result.add_error(None, None, None, _("the CSV file could not be read at line %(line)s: %(error)s",
                                             line=reader.line_num, error=exc))
        return

    required = ["section", "line_code", "amount"]
    if trial_balance_records:
        required += ["account_code", "debit", "credit"]
    if not header.report(None, CSV_COLUMNS, required, result):
        return
    summary_table = _Table(None, header, {"line_code": "line_code", "amount": "amount"})
    _read_summary(iter(summary_records), summary_table, decimal_comma, result)
    if trial_balance_records:
        trial_balance_table = _Table(
            None,
            header,
            {
                "account_code": "account_code",
                "account_name": "label",
                "debit": "debit",
                "credit": "credit",
                "maps_to": "line_code",
            },
        )
        _read_trial_balance(iter(trial_balance_records), trial_balance_table, decimal_comma, result)
    _cross_check(result)


def _decode_csv(data: bytes, result: ParseResult) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            message = _("the file starts as UTF-8 but has invalid bytes at offset %(offset)s", offset=exc.start)
            result.add_error(None, None, None, message)
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        message = _("the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8")
        result.add_error(None, None, None, message)
        return None
    result.encoding_note = "decoded as Windows-1252"  # stored; the page says it in the reader's language
    return text


# --------------------------------------------------------------------------- tables


class _Header:
    """Column positions of a header row, by normalised name."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.positions: dict[str, int] = {}
        for position, name in enumerate(names):
            if name and name not in self.positions:
                self.positions[name] = position

    @classmethod
    def from_values(cls, values: Sequence[object]) -> _Header:
        return cls(["" if _is_blank(value) else str(value).strip().lower() for value in values])

    def index(self, name: str) -> int | None:
        return self.positions.get(name)

    def report(
        self, sheet: str | None, known: Sequence[str], required: Sequence[str], result: ParseResult
    ) -> bool:
        """Add errors for missing or doubled columns and warnings for unknown ones; True when usable."""
        usable = True
        for name in required:
            if name not in self.positions:
                result.add_error(sheet, 1, name, _("the header row has no column '%(column)s'", column=name))
                usable = False
        seen: set[str] = set()
        for name in self.names:
            if not name:
                continue
            if name in seen and name in known:
                result.add_error(sheet, 1, name, _("the column '%(column)s' appears twice in the header row",
                                                   column=name))
                usable = False
            elif name not in known and name not in seen:
                result.add_warning(sheet, 1, name, _("unknown column '%(column)s' is ignored", column=name))
            seen.add(name)
        return usable


@dataclass(frozen=True)
class _Table:
    """Where each field of a record sits, and the column name to show the user for it."""

    sheet: str | None
    header: _Header
    columns: dict[str, str]  # field -> column name in the header

    def picker(self, *field_names: str) -> Callable[[Sequence[object]], tuple]:
        """Return a fast function giving a record's values of `field_names`, None where absent."""
        positions = [self.header.index(self.columns[name]) for name in field_names]
        known = [position for position in positions if position is not None]
        width = max(known, default=-1) + 1
        # Index -1 points at the None appended to every record: the value of an absent column.
        pick = itemgetter(*(-1 if position is None else position for position in positions))
        padding = (None,) * width

        def values(record: Sequence[object]) -> tuple:
            return pick((*record, *padding[len(record):], None))

        return values

    def column(self, field_name: str) -> str:
        return self.columns[field_name]


def _read_header(
    header_row: tuple[int, Sequence[object]] | tuple[()],
    sheet: str,
    known: Sequence[str],
    required: Sequence[str],
    result: ParseResult,
) -> _Table | None:
    header = _Header.from_values(header_row[1] if header_row else ())
    if not header.report(sheet, known, required, result):
        return None
    return _Table(sheet, header, {name: name for name in known})


class _CellError(Exception):
    """A cell's value cannot be used; the message says why, for the user."""


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- Summary


def _read_summary(
    records: Iterable[tuple[int, Sequence[object]]], table: _Table, decimal_comma: bool, result: ParseResult
) -> None:
    sheet = table.sheet
    line_rows: dict[str, int] = {}
    line_and_amount = table.picker("line_code", "amount")
    year_value: object = None
    year_row: int | None = None
    for row_number, record in records:
        code_value, amount_value = line_and_amount(record)
        if _is_blank(code_value):
            if not _is_blank(amount_value):
                message = _("an amount without a line code")
                result.add_error(sheet, row_number, table.column("line_code"), message)
            continue
        code = str(code_value).strip().lower()
        line = LINES_BY_CODE.get(code)
        if line is None:
            result.add_error(
                sheet, row_number, table.column("line_code"),
                _("unknown line code '%(code)s'; the lines are: %(lines)s", code=code_value,
                  lines=", ".join(LINES_BY_CODE)),
            )
            continue
        if code in line_rows:
            result.add_error(
                sheet, row_number, table.column("line_code"),
                _("line '%(code)s' appears twice (first on row %(row)s)", code=code, row=line_rows[code]),
            )
            continue
        line_rows[code] = row_number
        if code == "financial_year":
            year_value, year_row = amount_value, row_number
            continue
        try:
            amount = _to_amount(amount_value, decimal_comma)
        except _CellError as exc:
            result.add_error(sheet, row_number, table.column("amount"), f"{code}: {exc}")
            continue
        if amount is None:
            message = _("%(code)s: the amount is empty; enter 0 if there is none", code=code)
            result.add_error(sheet, row_number, table.column("amount"), message)
            continue
        result.figures[code] = amount

    for line in SUMMARY_LINES:
        if line.code in line_rows:
            continue
        if line.code in OPTIONAL_CODES:
            result.figures[line.code] = ZERO
            message = _("the line '%(code)s' (%(label)s) is missing; it is taken as 0", code=line.code,
                        label=_(line.label))
            result.add_warning(sheet, None, table.column("line_code"), message)
            continue
        message = _("the line '%(code)s' (%(label)s) is missing", code=line.code, label=_(line.label))
        result.add_error(sheet, None, table.column("line_code"), message)
    if year_row is not None:
        try:
            result.year = _to_year(year_value)
        except _CellError as exc:
            result.add_error(sheet, year_row, table.column("amount"), f"financial_year: {exc}")
    result._summary_rows = line_rows


def _to_year(value: object) -> int:
    if _is_blank(value):
        raise _CellError(_("the year is missing; enter it as a number such as 2024"))
    if _is_formula(value):
        raise _CellError(_(FORMULA_MESSAGE))
    if isinstance(value, bool):
        raise _CellError(_("enter the year as a whole number such as 2024"))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
        return int(value.strip())
    raise _CellError(_("'%(value)s' is not a year; enter a whole number such as 2024", value=value))


def _check_year(result: ParseResult, today: date) -> None:
    year = result.year
    if year is None:
        return
    row = result._summary_rows.get("financial_year")
    sheet = SUMMARY_SHEET if result.file_format == "xlsx" else None
    if year >= today.year:
        result.add_error(
            sheet, row, "amount",
            _("financial_year: %(year)s is not over yet (today is %(today)s); upload a year's accounts once the "
              "year has ended", year=year, today=format_date(today) if has_app_context() else today.isoformat()),
        )
    elif year < EARLIEST_YEAR:
        result.add_error(sheet, row, "amount", _("financial_year: %(year)s is not a plausible year", year=year))


# --------------------------------------------------------------------------- TrialBalance


def _read_trial_balance(
    records: Iterable[tuple[int, Sequence[object]]], table: _Table, decimal_comma: bool, result: ParseResult
) -> None:
    sheet = table.sheet
    rows = result.trial_balance
    had_errors = False
    code_column, debit_column, credit_column, maps_column = (
        table.column("account_code"), table.column("debit"), table.column("credit"), table.column("maps_to")
    )
    account_values = table.picker("account_code", "account_name", "debit", "credit", "maps_to")
    for row_number, record in records:
        values = account_values(record)
        code_value, name_value, debit_value, credit_value, maps_value = values
        row_ok = True
        if _is_blank(code_value):
            if all(_is_blank(value) for value in values):
                continue
            result.add_error(sheet, row_number, code_column, _("the account code is empty"))
            row_ok = False
        amounts: list[Decimal] = []
        for value, column in ((debit_value, debit_column), (credit_value, credit_column)):
            try:
                amount = _to_amount(value, decimal_comma)
            except _CellError as exc:
                result.add_error(sheet, row_number, column, str(exc))
                row_ok = False
                continue
            if amount is None:
                amount = ZERO
            elif amount < 0:
                other = credit_column if column == debit_column else debit_column
                message = _("%(column)s is negative; enter %(amount)s as a %(other)s", column=column,
                            amount=format_amount(-amount), other=other)
                result.add_error(sheet, row_number, column, message)
                row_ok = False
            amounts.append(amount)
        maps_to: str | None = None
        if not _is_blank(maps_value):
            maps_to = str(maps_value).strip().lower()
            if maps_to not in LINES_BY_CODE:
                result.add_error(
                    sheet, row_number, maps_column,
                    _("'%(value)s' is not a Summary line; use one of %(lines)s or leave it empty", value=maps_value,
                      lines=", ".join(MAPPABLE_CODES)),
                )
                row_ok = False
            elif maps_to not in MAPPABLE_CODES:
                result.add_error(
                    sheet, row_number, maps_column,
                    _("no account can map to '%(line)s': it is not a sum of accounts (map the accounts to the "
                      "turnover, cost and tax lines instead)", line=maps_to),
                )
                row_ok = False
        if not row_ok:
            had_errors = True
            continue
        rows.append(
            TrialBalanceRow(
                row=row_number,
                account_code=_account_code(code_value),
                account_name="" if _is_blank(name_value) else str(name_value).strip(),
                debit=amounts[0],
                credit=amounts[1],
                maps_to=maps_to,
            )
        )
    if had_errors:
        result._trial_balance_incomplete = True


def _account_code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------- amounts

_DOT_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
FORMULA_MESSAGE = N_("formulas are not evaluated; enter the value")


def _is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.lstrip().startswith("=")
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    return isinstance(value, (ArrayFormula, DataTableFormula))


def _to_amount(value: object, decimal_comma: bool) -> Decimal | None:
    """Turn a cell into a Decimal rounded half-up to the cent; None when blank; _CellError when unusable."""
    if value is None or value == "":
        return None
    if type(value) is int:
        amount = Decimal(value)
    elif type(value) is float:
        if not math.isfinite(value):
            raise _CellError(_("not a finite number"))
        # repr is the shortest text that round-trips, i.e. what the user typed in Excel.
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        if not value.strip():
            return None
        amount = _amount_from_text(value, decimal_comma)
    elif isinstance(value, bool):
        raise _CellError(_("TRUE/FALSE where an amount belongs"))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise _CellError(_("not a finite number"))
        amount = value
    elif _is_formula(value):
        raise _CellError(_(FORMULA_MESSAGE))
    elif isinstance(value, (datetime, date, time, timedelta)):
        raise _CellError(_("a date or time where an amount belongs"))
    else:
        raise _CellError(_("'%(value)s' is not an amount", value=value))
    if abs(amount) >= MAX_AMOUNT:
        raise _CellError(_("%(value)s is too large (the limit is %(limit)s)", value=value,
                           limit=format_amount(MAX_AMOUNT - CENT)))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount_from_text(text: str, decimal_comma: bool) -> Decimal:
    if text.lstrip().startswith("="):
        raise _CellError(_(FORMULA_MESSAGE))
    cleaned = text.translate(_SPACES).strip("£€$")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1].strip("£€$")
    if decimal_comma:
        if not _COMMA_DECIMAL.fullmatch(cleaned):
            raise _CellError(_("'%(value)s' is not an amount; enter a number such as %(example)s", value=text,
                               example="1234,56"))
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        if not _DOT_DECIMAL.fullmatch(cleaned):
            raise _CellError(_("'%(value)s' is not an amount; enter a number such as %(example)s", value=text,
                               example="1234.56"))
        cleaned = cleaned.replace(",", "")
    if negative and cleaned[0] in "+-":
        raise _CellError(_("'%(value)s' has both a sign and brackets", value=text))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:  # the patterns make this unreachable; kept as a guard
        raise _CellError(_("'%(value)s' is not an amount", value=text)) from exc
    return -amount if negative else amount


# --------------------------------------------------------------------------- cross-checks


def _cross_check(result: ParseResult) -> None:
    figures = result.figures
    sheet = SUMMARY_SHEET if result.file_format == "xlsx" else None
    line_rows = result._summary_rows

    if figures.get("share_capital", ZERO) < 0:
        result.add_error(
            sheet, line_rows.get("share_capital"), "amount",
            _("share_capital: share capital cannot be negative (%(amount)s)",
              amount=format_amount(figures["share_capital"])),
        )

    for code in ALLOCATION_CODES:
        if figures.get(code, ZERO) < 0:
            result.add_error(sheet, line_rows.get(code), "amount",
                             _("%(code)s: cannot be negative (%(amount)s)", code=code,
                               amount=format_amount(figures[code])))
    allocated = sum((max(figures.get(code, ZERO), ZERO) for code in ALLOCATION_CODES), ZERO)
    if "net_profit" in figures and allocated > max(figures["net_profit"], ZERO):
        row = next((line_rows[code] for code in ALLOCATION_CODES if code in line_rows), None)
        result.add_error(
            sheet, row, "amount",
            _("prior_losses_covered + ristorni_from_profit (%(allocated)s) is more than the net profit "
              "(%(profit)s); only a profit can be allocated", allocated=format_amount(allocated),
              profit=format_amount(max(figures["net_profit"], ZERO))),
        )

    if all(code in figures for code in (*TURNOVER_CODES, *COST_CODES)):
        turnover = sum((figures[code] for code in TURNOVER_CODES), ZERO)
        computed = turnover - sum((figures[code] for code in COST_CODES), ZERO)
        result.computed_net_profit = computed
        stated = figures.get("net_profit")
        if stated is not None and stated != computed:
            result.add_error(
                sheet, line_rows.get("net_profit"), "amount",
                _("net_profit: the stated net profit %(stated)s differs from the computed %(computed)s (turnover "
                  "%(turnover)s - staff costs %(staff)s - other costs %(other)s - tax %(tax)s)",
                  stated=format_amount(stated), computed=format_amount(computed), turnover=format_amount(turnover),
                  staff=format_amount(figures["staff_costs"]), other=format_amount(figures["other_costs"]),
                  tax=format_amount(figures["tax"])),
            )

    if not result.trial_balance or result._trial_balance_incomplete:
        return
    trial_sheet = TRIAL_BALANCE_SHEET if result.file_format == "xlsx" else None
    total_debit = sum((row.debit for row in result.trial_balance), ZERO)
    total_credit = sum((row.credit for row in result.trial_balance), ZERO)
    if total_debit != total_credit:
        result.add_error(
            trial_sheet, None, None,
            _("the trial balance does not balance: debits total %(debits)s, credits total %(credits)s (difference "
              "%(difference)s)", debits=format_amount(total_debit), credits=format_amount(total_credit),
              difference=format_amount(total_debit - total_credit)),
        )
    mapped = dict.fromkeys(MAPPABLE_CODES, ZERO)
    for row in result.trial_balance:
        if row.maps_to is not None:
            mapped[row.maps_to] += row.credit - row.debit
    for code, credit_minus_debit in mapped.items():
        if code not in figures:
            continue
        debit_normal = LINES_BY_CODE[code].normal_side == "debit"
        from_accounts = -credit_minus_debit if debit_normal else credit_minus_debit
        if from_accounts != figures[code]:
            values = dict(code=code, amount=format_amount(from_accounts), summary=format_amount(figures[code]))
            result.add_error(
                sheet, line_rows.get(code), "amount",
                _("%(code)s: the trial-balance accounts mapped to it add up to %(amount)s (debits minus credits) but "
                  "the Summary says %(summary)s", **values) if debit_normal else
                _("%(code)s: the trial-balance accounts mapped to it add up to %(amount)s (credits minus debits) but "
                  "the Summary says %(summary)s", **values),
            )
