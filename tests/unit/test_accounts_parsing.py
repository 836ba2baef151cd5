"""Annual-accounts template and upload parser: what a treasurer uploads and what they are told back."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from consortium.i18n import force_locale
from tenants.accounts import parsing
from tenants.accounts.parsing import (
    CSV_COLUMNS,
    MAX_LISTED_ISSUES,
    SUMMARY_COLUMNS,
    SUMMARY_LINES,
    TRIAL_BALANCE_COLUMNS,
    build_template_csv,
    build_template_xlsx,
    parse_accounts,
)
from tests.accounts.sample_accounts import FIGURES, TRIAL_BALANCE, accounts_csv

D = Decimal
TODAY = date(2025, 3, 15)
YEAR = 2024

def summary_rows(figures=FIGURES, year=YEAR):
    """Summary sheet rows (without header) for the given figures; a missing figure is left empty."""
    rows = []
    for line in SUMMARY_LINES:
        amount = year if line.code == "financial_year" else figures.get(line.code)
        rows.append([line.code, line.label, float(amount) if isinstance(amount, Decimal) else amount])
    return rows


def make_xlsx(
    summary=None,
    trial_balance=None,
    summary_header=SUMMARY_COLUMNS,
    trial_balance_header=TRIAL_BALANCE_COLUMNS,
    summary_title="Summary",
):
    """An upload built cell by cell, as Excel would save it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = summary_title
    sheet.append(list(summary_header))
    for row in summary if summary is not None else summary_rows():
        sheet.append(row)
    if trial_balance is not None:
        tb_sheet = workbook.create_sheet("TrialBalance")
        tb_sheet.append(list(trial_balance_header))
        for row in trial_balance:
            tb_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_amount(code, amount, figures=FIGURES):
    """Summary rows where one line's amount cell holds `amount` as given (text, formula, None...)."""
    rows = summary_rows(figures)
    for row in rows:
        if row[0] == code:
            row[2] = amount
    return rows


def make_csv(figures=FIGURES, year=YEAR, prefix=b"", **options):
    """A CSV upload in the documented layout (options as `accounts_csv`: trial_balance, delimiter, raw...)."""
    return prefix + accounts_csv(year, figures, **options)


def messages(result):
    return [str(issue) for issue in result.errors]


def only_error(result):
    assert len(result.errors) == 1, messages(result)
    return result.errors[0]


# --------------------------------------------------------------------------- template


def test_xlsx_template_has_the_sheets_headers_lines_and_number_formats():
    workbook = load_workbook(io.BytesIO(build_template_xlsx(2024)))

    assert workbook.sheetnames == ["Summary", "TrialBalance", "Instructions"]
    summary = workbook["Summary"]
    assert [cell.value for cell in summary[1]] == ["line_code", "label", "amount"]
    codes = [summary.cell(row=row, column=1).value for row in range(2, summary.max_row + 1)]
    assert codes == [line.code for line in SUMMARY_LINES]
    assert summary["C2"].value == 2024 and summary["C2"].number_format == "0"
    amount_formats = {summary.cell(row=row, column=3).number_format for row in range(3, summary.max_row + 1)}
    assert amount_formats == {"#,##0.00"}
    assert [cell.value for cell in workbook["TrialBalance"][1]] == list(TRIAL_BALANCE_COLUMNS)
    assert "formulas" in " ".join(str(row[0].value) for row in workbook["Instructions"].iter_rows())


def test_filled_xlsx_template_parses_to_the_figures_and_computed_net_profit():
    workbook = load_workbook(io.BytesIO(build_template_xlsx(YEAR)))
    for row in workbook["Summary"].iter_rows(min_row=3):
        row[2].value = float(FIGURES[row[0].value])
    for values in TRIAL_BALANCE:
        workbook["TrialBalance"].append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_accounts(buffer.getvalue(), "accounts-2024.xlsx", today=TODAY)

    assert result.ok, messages(result)
    assert result.warnings == []
    assert result.file_format == "xlsx"
    assert result.year == 2024
    assert result.figures == FIGURES
    assert result.computed_net_profit == D("28500.50")
    assert len(result.trial_balance) == len(TRIAL_BALANCE)
    first = result.trial_balance[0]
    assert (first.row, first.account_code, first.debit, first.credit, first.maps_to) == (
        2, "7010", D("0.00"), D("100000.00"), "turnover_public_contracts"
    )
    assert result.trial_balance[-1].maps_to is None


def test_csv_template_has_the_documented_header_and_one_row_per_line():
    rows = list(csv.reader(io.StringIO(build_template_csv(2023).decode("utf-8-sig"))))

    assert rows[0] == list(CSV_COLUMNS)
    assert [row[1] for row in rows[1:]] == [line.code for line in SUMMARY_LINES]
    assert rows[1][3] == "2023"
    assert {row[0] for row in rows[1:]} == {"summary"}


def test_templates_downloaded_in_italian_speak_italian_and_still_parse(app):
    with app.test_request_context(), force_locale("it"):
        xlsx = build_template_xlsx(YEAR)
        csv_bytes = build_template_csv(YEAR)
    workbook = load_workbook(io.BytesIO(xlsx))

    summary = workbook["Summary"]
    labels = {summary.cell(row=row, column=1).value: summary.cell(row=row, column=2).value
              for row in range(2, summary.max_row + 1)}
    assert labels["turnover_public_contracts"] == "Ricavi: appalti e convenzioni pubbliche"
    assert [cell.value for cell in summary[1]] == ["line_code", "label", "amount"]  # read by the upload
    assert summary.data_validations.dataValidation[0].error == "Inserisci un numero (niente testo, niente formule)."
    trial_balance_messages = {v.error for v in workbook["TrialBalance"].data_validations.dataValidation}
    assert "Scegli un codice di riga del foglio Summary, o lascia vuoto." in trial_balance_messages
    instructions = " ".join(str(row[0].value) for row in workbook["Instructions"].iter_rows())
    assert instructions.startswith("Bilancio annuale per il consorzio") and "formule" in instructions
    assert "Ricavi: appalti e convenzioni pubbliche" in csv_bytes.decode("utf-8-sig")

    for row in summary.iter_rows(min_row=3):
        row[2].value = float(FIGURES[row[0].value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_accounts(buffer.getvalue(), "bilancio-2024.xlsx", today=TODAY)
    assert result.ok, messages(result)
    assert result.figures == FIGURES


def test_blank_csv_template_asks_for_every_amount_without_crashing():
    result = parse_accounts(build_template_csv(YEAR), "accounts.csv", today=TODAY)

    assert not result.ok
    empty = [issue for issue in result.errors if "the amount is empty" in issue.message]
    assert len(empty) == len(SUMMARY_LINES) - 1
    assert empty[0].row == 3 and empty[0].column == "amount"


def test_filled_csv_with_trial_balance_parses():
    result = parse_accounts(make_csv(trial_balance=TRIAL_BALANCE), "accounts.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.file_format == "csv"
    assert result.figures == FIGURES
    assert result.encoding_note is None
    assert [row.row for row in result.trial_balance][:2] == [18, 19]  # header + 16 summary lines first
    assert result.trial_balance[1].account_name == "Fees from families"


# --------------------------------------------------------------------------- the file itself


def test_empty_file_is_refused():
    assert only_error(parse_accounts(b"", "accounts.xlsx", today=TODAY)).message == "the file is empty"


def test_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    def never_called(*args, **kwargs):
        raise AssertionError("opened a file that is over the limit")

    monkeypatch.setattr(parsing, "load_workbook", never_called)
    upload = make_xlsx()

    error = only_error(parse_accounts(upload, "accounts.xlsx", today=TODAY, max_bytes=len(upload) - 1))

    assert "the largest accepted" in error.message


@pytest.mark.parametrize(
    ("content", "described"),
    [
        (b"%PDF-1.7 fake accounts", "a PDF document"),
        (b"line_code,amount\nstaff_costs,10\n", "a text file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel 97-2003"),
    ],
)
def test_file_renamed_to_xlsx_is_refused_saying_what_it_is(content, described):
    error = only_error(parse_accounts(content, "accounts.xlsx", today=TODAY))

    assert "not an Excel workbook" in error.message
    assert described in error.message


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")

    error = only_error(parse_accounts(buffer.getvalue(), "accounts.xlsx", today=TODAY))

    assert "not an Excel workbook" in error.message


def test_damaged_workbook_is_an_error_not_a_crash():
    upload = make_xlsx()

    result = parse_accounts(upload[: len(upload) // 2], "accounts.xlsx", today=TODAY)

    assert not result.ok


def test_workbook_named_csv_is_refused():
    error = only_error(parse_accounts(make_xlsx(), "accounts.csv", today=TODAY))

    assert "named .csv" in error.message and "ZIP" in error.message


@pytest.mark.parametrize(("filename", "expected"), [("accounts.xls", ".xls files"), ("accounts.pdf", ".pdf")])
def test_other_extensions_are_refused(filename, expected):
    error = only_error(parse_accounts(make_xlsx(), filename, today=TODAY))

    assert expected in error.message


def _workbook_with_extra_part(name, payload_size, compress):
    buffer = io.BytesIO(make_xlsx())
    with zipfile.ZipFile(buffer, "a", compression=compress) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = compress
        with archive.open(info, "w") as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(payload_size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_compressed_beyond_the_ratio_is_refused_before_openpyxl_opens_it(monkeypatch):
    bomb = _workbook_with_extra_part("xl/media/padding.bin", 8 * 1024 * 1024, zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(parsing, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened a zip bomb"))

    error = only_error(parse_accounts(bomb, "accounts.xlsx", today=TODAY))

    assert "ZIP bomb" in error.message and "xl/media/padding.bin" in error.message


def test_workbook_unpacking_beyond_the_total_bound_is_refused(monkeypatch):
    # Stored (uncompressed) so the ratio rule does not fire: only the total size is over.
    upload = _workbook_with_extra_part("xl/media/big.bin", 3 * 1024 * 1024, zipfile.ZIP_STORED)
    monkeypatch.setattr(parsing, "MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024)

    error = only_error(parse_accounts(upload, "accounts.xlsx", today=TODAY))

    assert "would unpack to" in error.message


@settings(max_examples=60, deadline=None)
@given(content=st.binary(min_size=1, max_size=400), filename=st.sampled_from(["a.xlsx", "a.csv"]))
def test_arbitrary_bytes_never_raise(content, filename):
    result = parse_accounts(content, filename, today=TODAY)

    assert not result.ok


# --------------------------------------------------------------------------- structure


def test_missing_summary_sheet_is_an_error_naming_the_sheet():
    result = parse_accounts(make_xlsx(summary_title="Sheet1"), "accounts.xlsx", today=TODAY)

    error = only_error(result)
    assert error.sheet == "Summary"
    assert "no sheet named Summary" in error.message and "Sheet1" in error.message


def test_missing_amount_column_is_an_error_on_the_header_row():
    rows = [[code, label] for code, label, _amount in summary_rows()]

    result = parse_accounts(make_xlsx(rows, summary_header=("line_code", "label")), "a.xlsx", today=TODAY)

    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("Summary", 1, "amount")


def test_missing_trial_balance_column_is_an_error():
    trial_balance = [row[:4] for row in TRIAL_BALANCE]

    result = parse_accounts(
        make_xlsx(trial_balance=trial_balance, trial_balance_header=TRIAL_BALANCE_COLUMNS[:4]),
        "a.xlsx",
        today=TODAY,
    )

    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("TrialBalance", 1, "maps_to")


def test_extra_unknown_column_is_a_warning_and_ignored():
    rows = [[*row, "checked by Anna"] for row in summary_rows()]
    upload = make_xlsx(rows, summary_header=(*SUMMARY_COLUMNS, "notes"))

    result = parse_accounts(upload, "a.xlsx", today=TODAY)

    assert result.ok, messages(result)
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("Summary", 1, "notes")]
    assert result.figures == FIGURES


def test_deleted_line_is_an_error_naming_the_line():
    rows = [row for row in summary_rows() if row[0] != "loans"]

    error = only_error(parse_accounts(make_xlsx(rows), "a.xlsx", today=TODAY))

    assert "'loans'" in error.message and "missing" in error.message


def test_a_workbook_from_before_the_allocation_lines_reads_them_as_zero_with_a_warning():
    # Templates sent out before prior_losses_covered and ristorni_from_profit existed still upload.
    rows = [row for row in summary_rows() if row[0] not in ("prior_losses_covered", "ristorni_from_profit")]

    result = parse_accounts(make_xlsx(rows), "a.xlsx", today=TODAY)

    assert result.ok, messages(result)
    assert result.figures["prior_losses_covered"] == result.figures["ristorni_from_profit"] == D("0.00")
    assert [w.message.split(" (")[0] for w in result.warnings] == [
        "the line 'prior_losses_covered'", "the line 'ristorni_from_profit'"]
    assert all("taken as 0" in w.message for w in result.warnings)


def test_allocations_of_profit_are_read_and_may_not_exceed_the_profit():
    # net profit 28,500.50: 20,000 covering prior losses and 8,500.50 of ristorni allocate all of it
    whole = {**FIGURES, "prior_losses_covered": D("20000.00"), "ristorni_from_profit": D("8500.50")}
    too_much = {**whole, "ristorni_from_profit": D("8500.51")}

    allocated = parse_accounts(make_xlsx(summary_rows(whole)), "a.xlsx", today=TODAY)
    error = only_error(parse_accounts(make_xlsx(summary_rows(too_much)), "a.xlsx", today=TODAY))

    assert allocated.ok, messages(allocated)
    assert allocated.figures["prior_losses_covered"] == D("20000.00")
    assert (error.sheet, error.row, error.column) == ("Summary", 11, "amount")
    assert "28,500.51" in error.message and "more than the net profit (28,500.50)" in error.message


def test_a_negative_allocation_is_refused_on_its_row():
    error = only_error(parse_accounts(make_xlsx(with_amount("ristorni_from_profit", -10)), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (12, "amount") and "ristorni_from_profit: cannot be negative" in error.message


def test_a_loss_cannot_allocate_profit_to_prior_losses():
    loss = {**FIGURES, "other_costs": D("50000.00"), "net_profit": D("-6499.50"),
            "prior_losses_covered": D("100.00")}

    error = only_error(parse_accounts(make_xlsx(summary_rows(loss)), "a.xlsx", today=TODAY))

    assert "only a profit can be allocated" in error.message


def test_unknown_line_code_is_an_error_on_its_row():
    rows = [*summary_rows(), ["depreciation", "Depreciation", 100]]

    error = only_error(parse_accounts(make_xlsx(rows), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (len(rows) + 1, "line_code")
    assert "unknown line code 'depreciation'" in error.message


def test_line_given_twice_is_an_error_pointing_at_the_first():
    rows = [*summary_rows(), ["cash", "Cash again", 1]]

    error = only_error(parse_accounts(make_xlsx(rows), "a.xlsx", today=TODAY))

    assert error.row == len(rows) + 1 and "first on row 17" in error.message


# --------------------------------------------------------------------------- cell values


def test_text_where_an_amount_belongs_is_an_error_at_sheet_row_column():
    result = parse_accounts(make_xlsx(with_amount("staff_costs", "about 80k")), "a.xlsx", today=TODAY)

    error = result.errors[0]
    assert (error.sheet, error.row, error.column) == ("Summary", 7, "amount")
    assert "'about 80k' is not an amount" in error.message
    assert str(error).startswith("Summary, row 7, column amount: staff_costs:")


def test_formula_where_an_amount_belongs_is_refused_with_the_reason():
    result = parse_accounts(make_xlsx(with_amount("tax", "=B2*0.24")), "a.xlsx", today=TODAY)

    error = result.errors[0]
    assert (error.row, error.column) == (9, "amount")
    assert "formulas are not evaluated; enter the value" in error.message


def test_formula_in_the_trial_balance_is_refused():
    trial_balance = [list(row) for row in TRIAL_BALANCE]
    trial_balance[3][2] = "=SUM(1,2)"

    result = parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY)

    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("TrialBalance", 5, "debit")
    assert "formulas are not evaluated" in error.message


def test_empty_required_amount_is_an_error():
    error = only_error(parse_accounts(make_xlsx(with_amount("cash", None)), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (17, "amount")
    assert "enter 0 if there is none" in error.message


def test_amounts_are_rounded_half_up_to_the_cent():
    figures = {**FIGURES, "turnover_other": D("0.125"), "net_profit": D("28500.63")}

    result = parse_accounts(make_xlsx(summary_rows(figures)), "a.xlsx", today=TODAY)

    assert result.ok, messages(result)
    assert result.figures["turnover_other"] == D("0.13")


@pytest.mark.parametrize("garbage", ["NaN", "inf", "-Infinity", "1e5", "0x10", "12.3.4"])
def test_nan_infinity_and_exponents_are_not_amounts(garbage):
    result = parse_accounts(make_csv(raw={"turnover_other": garbage}), "a.csv", today=TODAY)

    assert any(f"'{garbage}' is not an amount" in issue.message for issue in result.errors), messages(result)


def test_amount_too_large_for_the_database_is_refused():
    result = parse_accounts(make_xlsx(with_amount("loans", 1e13)), "a.xlsx", today=TODAY)

    assert "too large" in only_error(result).message


# --------------------------------------------------------------------------- accounting rules


def test_negative_share_capital_is_refused():
    figures = {**FIGURES, "share_capital": D("-50.00")}

    error = only_error(parse_accounts(make_xlsx(summary_rows(figures)), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (13, "amount")
    assert "share capital cannot be negative (-50.00)" in error.message


def test_stated_net_profit_must_equal_the_computed_one():
    figures = {**FIGURES, "net_profit": D("30000.00")}

    result = parse_accounts(make_xlsx(summary_rows(figures)), "a.xlsx", today=TODAY)

    error = only_error(result)
    assert error.row == 10
    assert "stated net profit 30,000.00" in error.message and "computed 28,500.50" in error.message
    assert result.computed_net_profit == D("28500.50")


def test_unbalanced_trial_balance_reports_both_totals():
    trial_balance = [*TRIAL_BALANCE, ["3030", "Petty cash", 100, None, None]]

    error = only_error(parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY))

    assert error.sheet == "TrialBalance"
    assert "debits total 172,100.50" in error.message and "credits total 172,000.50" in error.message


def test_trial_balance_line_mapped_to_an_unknown_line_is_refused():
    trial_balance = [list(row) for row in TRIAL_BALANCE]
    trial_balance[4][4] = "rent"

    error = only_error(parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY))

    assert (error.sheet, error.row, error.column) == ("TrialBalance", 6, "maps_to")
    assert "'rent' is not a Summary line" in error.message


def test_trial_balance_line_mapped_to_net_profit_is_refused():
    trial_balance = [list(row) for row in TRIAL_BALANCE]
    trial_balance[4][4] = "net_profit"

    error = only_error(parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY))

    assert error.column == "maps_to" and "no account can map to 'net_profit'" in error.message


def test_trial_balance_sums_must_match_each_summary_line():
    # Rent moved from other_costs to staff_costs: still balanced, but two lines now disagree.
    trial_balance = [list(row) for row in TRIAL_BALANCE]
    trial_balance[4][4] = "staff_costs"

    result = parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY)

    assert [(issue.sheet, issue.row) for issue in result.errors] == [("Summary", 7), ("Summary", 8)]
    staff = result.errors[0].message
    assert "staff_costs: the trial-balance accounts mapped to it add up to 95,000.00" in staff
    assert "the Summary says 80,000.00" in staff
    assert "other_costs" in result.errors[1].message and "add up to 0.00" in result.errors[1].message


def test_negative_debit_is_refused_with_advice():
    trial_balance = [list(row) for row in TRIAL_BALANCE]
    trial_balance[3][2] = -80000

    result = parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY)

    error = only_error(result)
    assert (error.row, error.column) == (5, "debit")
    assert "enter 80,000.00 as a credit" in error.message


def test_trial_balance_account_without_code_is_refused():
    trial_balance = [*TRIAL_BALANCE, [None, "Mystery", 5, 5, None]]

    error = only_error(parse_accounts(make_xlsx(trial_balance=trial_balance), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (13, "account_code")


# --------------------------------------------------------------------------- the year


@pytest.mark.parametrize("year", [2025, 2026])
def test_year_not_over_yet_is_refused(year):
    error = only_error(parse_accounts(make_csv(year=year), "a.csv", today=TODAY))

    assert (error.row, error.column) == (2, "amount")
    assert f"{year} is not over yet" in error.message


def test_last_year_is_accepted_on_new_years_day():
    assert parse_accounts(make_csv(year=2024), "a.csv", today=date(2025, 1, 1)).ok


@pytest.mark.parametrize(("year", "expected"), [(None, "the year is missing"), ("last year", "not a year"),
                                               (2024.5, "not a year"), ("=YEAR(TODAY())-1", "formulas")])
def test_missing_or_malformed_year_is_refused(year, expected):
    error = only_error(parse_accounts(make_xlsx(with_amount("financial_year", year)), "a.xlsx", today=TODAY))

    assert (error.row, error.column) == (2, "amount")
    assert expected in error.message


# --------------------------------------------------------------------------- CSV specifics


def test_csv_with_utf8_bom_is_read():
    result = parse_accounts(make_csv(prefix=b"\xef\xbb\xbf"), "a.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.encoding_note is None


def test_csv_in_windows_1252_is_read_and_says_so():
    text = make_csv(trial_balance=TRIAL_BALANCE).decode("utf-8")
    text = text.replace("Rent and utilities", "Affitto – sede")

    result = parse_accounts(text.encode("cp1252"), "a.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.encoding_note == "decoded as Windows-1252"
    assert result.trial_balance[4].account_name == "Affitto – sede"


def test_italian_csv_with_semicolons_and_decimal_commas():
    upload = make_csv(trial_balance=TRIAL_BALANCE, delimiter=";", decimal_comma=True)
    upload = upload.replace(b";100000,00;", b";100.000,00;")

    result = parse_accounts(upload, "bilancio.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.figures == FIGURES


def test_dot_decimal_in_a_semicolon_csv_is_refused_rather_than_misread():
    upload = make_csv(delimiter=";", decimal_comma=True).replace(b"20000,50", b"20000.50")

    error = only_error(parse_accounts(upload, "a.csv", today=TODAY))

    assert "'20000.50' is not an amount; enter a number such as 1234,56" in error.message


def test_csv_thousands_separators_currency_signs_and_brackets():
    upload = make_csv(raw={"turnover_public_contracts": "£100,000.00", "turnover_other": "(0.00)"})

    result = parse_accounts(upload, "a.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.figures["turnover_public_contracts"] == D("100000.00")


def test_csv_row_numbers_count_the_header_as_row_one():
    upload = make_csv().replace(b",15000.00,", b",lots,")

    error = only_error(parse_accounts(upload, "a.csv", today=TODAY))

    assert (error.sheet, error.row, error.column) == (None, 8, "amount")
    assert str(error) == (
        "row 8, column amount: other_costs: 'lots' is not an amount; enter a number such as 1234.56"
    )


def test_csv_unknown_section_is_an_error_on_its_row():
    upload = make_csv() + b"notes,,remember the AGM,,,,\n"

    error = only_error(parse_accounts(upload, "a.csv", today=TODAY))

    assert error.row == 18 and "section is 'notes'" in error.message


def test_csv_without_section_column_is_refused():
    text = make_csv().decode("utf-8").replace("section,", "kind,", 1)

    result = parse_accounts(text.encode(), "a.csv", today=TODAY)

    assert ("section", 1) in {(issue.column, issue.row) for issue in result.errors}


def test_csv_trial_balance_needs_its_columns():
    lines = make_csv(trial_balance=TRIAL_BALANCE).decode("utf-8").splitlines()
    trimmed = "\n".join(",".join(line.split(",")[:4]) for line in lines)

    result = parse_accounts(trimmed.encode(), "a.csv", today=TODAY)

    assert {issue.column for issue in result.errors} == {"account_code", "debit", "credit"}


def test_binary_csv_is_refused():
    error = only_error(parse_accounts("section,line_code".encode("utf-16"), "a.csv", today=TODAY))

    assert "UTF-16" in error.message


def test_a_wholly_wrong_file_lists_a_bounded_number_of_errors():
    upload = make_csv() + b"".join(b"trial_balance,cash,x,,%d,abc,\n" % n for n in range(1000))

    result = parse_accounts(upload, "a.csv", today=TODAY)

    assert len(result.errors) == MAX_LISTED_ISSUES + 1
    assert result.errors[-1].message == f"{1000 - MAX_LISTED_ISSUES} more errors not listed"


@settings(max_examples=50, deadline=None)
@given(cents=st.integers(min_value=-(10**13), max_value=10**13))
def test_italian_amounts_read_back_exactly(cents):
    amount = D(cents) / 100
    sign = "-" if amount < 0 else ""
    italian = sign + f"{abs(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    figures = {**FIGURES, "turnover_other": amount, "net_profit": FIGURES["net_profit"] + amount}
    upload = make_csv(figures, delimiter=";", decimal_comma=True, raw={"turnover_other": italian})

    result = parse_accounts(upload, "a.csv", today=TODAY)

    assert result.ok, messages(result)
    assert result.figures["turnover_other"] == amount
