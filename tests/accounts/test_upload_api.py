"""Uploading annual accounts through the API: the preview a treasurer gets, and every bad input refused
with a problem naming sheet, row and column, nothing saved."""

import io
import zipfile
from datetime import date
from functools import partial

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from consortium.clock import local_today
from tests.accounts.conftest import URL, post_accounts, saved_versions
from tests.accounts.helpers import FIGURES, LAST_YEAR, TRIAL_BALANCE, assembly_date, filled_csv, filled_xlsx

# Summary rows as the treasurer sees them: header is row 1, financial_year row 2, then the lines in order.
ROW = {"financial_year": 2, "staff_costs": 7, "net_profit": 10, "share_capital": 13}


def refused(response, status=422):
    """The problem's errors, after checking it is an RFC 7807 problem with the expected status."""
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    return body["errors"]


def test_filled_xlsx_gives_preview_of_figures_and_computed_net_profit(app, client, treasurer):
    data = filled_xlsx(trial_balance=TRIAL_BALANCE)

    response = post_accounts(client, treasurer, data, "accounts.xlsx")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["year"], body["version"], body["status"]) == (LAST_YEAR, 1, "draft")
    assert body["net_profit"] == "28500.50"
    assert body["total_turnover"] == "125000.50"
    assert body["figures"] == {code: f"{amount:.2f}" for code, amount in FIGURES.items()}
    assert body["warnings"] == [] and body["encoding_note"] is None
    assert body["trial_balance_accounts"] == len(TRIAL_BALANCE)
    assert (body["filename"], body["file_format"], body["file_size"]) == ("accounts.xlsx", "xlsx", len(data))
    assert body["uploaded_by"] == "treasurer"
    original = client.get(f"{URL}/{body['id']}/file", headers=treasurer)
    assert original.status_code == 200 and original.data == data
    assert "accounts.xlsx" in original.headers["Content-Disposition"]


def test_uploading_again_makes_a_new_version_and_old_versions_stay_readable(client, treasurer):
    first = post_accounts(client, treasurer, filled_xlsx(), "v1.xlsx").get_json()
    changed = {**FIGURES, "other_costs": FIGURES["other_costs"] + 500, "net_profit": FIGURES["net_profit"] - 500}
    second = post_accounts(client, treasurer, filled_xlsx(figures=changed), "v2.xlsx").get_json()

    assert (first["version"], second["version"]) == (1, 2)
    listing = client.get(URL, headers=treasurer)
    assert [(v["version"], v["net_profit"]) for v in listing.get_json()] == [(2, "28000.50"), (1, "28500.50")]
    assert listing.headers["X-Pagination"]
    old = client.get(f"{URL}/{first['id']}", headers=treasurer).get_json()
    assert (old["net_profit"], old["filename"]) == ("28500.50", "v1.xlsx")


def test_versions_are_numbered_per_year(client, treasurer):
    post_accounts(client, treasurer, filled_xlsx(), "a.xlsx")
    earlier = post_accounts(client, treasurer, filled_xlsx(year=LAST_YEAR - 1), "b.xlsx", year=LAST_YEAR - 1)

    assert earlier.get_json()["version"] == 1
    only_earlier = client.get(URL, headers=treasurer, query_string={"year": LAST_YEAR - 1}).get_json()
    assert [v["year"] for v in only_earlier] == [LAST_YEAR - 1]


def test_retried_upload_with_the_same_idempotency_key_is_saved_once(app, client, treasurer):
    # A retry resends the same bytes, multipart boundary included.
    upload = FileStorage(io.BytesIO(filled_xlsx()), filename="a.xlsx")
    _, body = encode_multipart({"year": str(LAST_YEAR), "file": upload}, boundary="retry-boundary")
    headers = {**treasurer, "Idempotency-Key": "upload-once"}
    send = partial(client.post, URL, headers=headers, data=body,
                   content_type="multipart/form-data; boundary=retry-boundary")
    first, again = send(), send()

    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert saved_versions(app) == 1


# --------------------------------------------------------------------------- bad files


def test_wrong_file_type_is_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, b"%PDF-1.7 accounts", "accounts.pdf"))

    assert "upload an .xlsx or .csv file" in errors["file"][0]
    assert saved_versions(app) == 0


def test_pdf_renamed_to_xlsx_is_refused_saying_what_it_is(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, b"%PDF-1.7 accounts", "accounts.xlsx"))

    assert "named .xlsx but is a PDF document" in errors["file"][0]
    assert saved_versions(app) == 0


def test_old_excel_format_is_refused_with_how_to_save_it(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "a.xls"))

    assert "Excel Workbook (.xlsx)" in errors["file"][0]
    assert saved_versions(app) == 0


def test_empty_file_is_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, b"", "accounts.xlsx"))

    assert errors["file"] == ["the file is empty"]
    assert saved_versions(app) == 0


def test_missing_file_or_year_is_refused_naming_the_field(app, client, treasurer):
    no_file = client.post(URL, headers=treasurer, data={"year": str(LAST_YEAR)}, content_type="multipart/form-data")
    no_year = client.post(URL, headers=treasurer, data={"file": (io.BytesIO(filled_xlsx()), "a.xlsx")},
                          content_type="multipart/form-data")

    text_file = client.post(URL, headers=treasurer, data={"year": str(LAST_YEAR), "file": "not a file"},
                            content_type="multipart/form-data")

    assert "file" in refused(no_file)
    assert "year" in refused(no_year)
    assert refused(text_file)["file"] == ["send the file as a multipart file part (with a filename)"]
    assert saved_versions(app) == 0


def test_missing_summary_sheet_is_refused_naming_the_sheet(app, client, treasurer):
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)

    errors = refused(post_accounts(client, treasurer, buffer.getvalue(), "accounts.xlsx"))

    assert "no sheet named Summary" in errors["Summary"][0]
    assert saved_versions(app) == 0


def test_missing_column_is_refused_naming_sheet_row_and_column(app, client, treasurer):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary"
    sheet.append(["line_code", "label", "value"])
    sheet.append(["financial_year", "Financial year", LAST_YEAR])
    buffer = io.BytesIO()
    workbook.save(buffer)

    errors = refused(post_accounts(client, treasurer, buffer.getvalue(), "accounts.xlsx"))

    assert errors["Summary, row 1, column amount"] == ["the header row has no column 'amount'"]
    assert saved_versions(app) == 0


def test_extra_unknown_column_is_ignored_with_a_warning(client, treasurer):
    response = post_accounts(client, treasurer, filled_xlsx(extra_columns=("notes",)), "accounts.xlsx")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["warnings"] == [
        {"sheet": "Summary", "row": 1, "column": "notes", "message": "unknown column 'notes' is ignored"}
    ]


@pytest.mark.parametrize(("cell", "reason"), [
    ("=6010*2", "formulas are not evaluated; enter the value"),
    ("eighty thousand", "'eighty thousand' is not an amount"),
])
def test_formula_or_text_where_a_number_belongs_is_refused_at_its_cell(app, client, treasurer, cell, reason):
    data = filled_xlsx(amounts={"staff_costs": cell})

    errors = refused(post_accounts(client, treasurer, data, "accounts.xlsx"))

    assert reason in errors[f"Summary, row {ROW['staff_costs']}, column amount"][0]
    assert saved_versions(app) == 0


def test_negative_share_capital_is_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, filled_xlsx(amounts={"share_capital": -100}), "a.xlsx"))

    assert "share capital cannot be negative" in errors[f"Summary, row {ROW['share_capital']}, column amount"][0]
    assert saved_versions(app) == 0


def test_trial_balance_that_does_not_balance_is_refused(app, client, treasurer):
    unbalanced = [row[:] for row in TRIAL_BALANCE]
    unbalanced[-1][2] = 35000  # receivables: debits now 500 short of credits

    errors = refused(post_accounts(client, treasurer, filled_xlsx(trial_balance=unbalanced), "a.xlsx"))

    assert errors == {"TrialBalance": [
        "the trial balance does not balance: debits total 171,500.50, credits total 172,000.50 "
        "(difference -500.00)"
    ]}
    assert saved_versions(app) == 0


def test_totals_not_adding_up_to_stated_net_profit_are_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, filled_xlsx(amounts={"net_profit": 30000}), "a.xlsx"))

    message = errors[f"Summary, row {ROW['net_profit']}, column amount"][0]
    assert "stated net profit 30,000.00 differs from the computed 28,500.50" in message
    assert saved_versions(app) == 0


def test_year_not_over_yet_is_refused(app, client, treasurer):
    this_year = local_today().year

    errors = refused(post_accounts(client, treasurer, filled_xlsx(year=this_year), "a.xlsx", year=this_year))

    assert "is not over yet" in errors["year"][0]
    assert "is not over yet" in errors[f"Summary, row {ROW['financial_year']}, column amount"][0]
    assert saved_versions(app) == 0


def test_file_for_another_year_than_the_one_uploaded_is_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, filled_xlsx(year=LAST_YEAR - 1), "a.xlsx"))

    message = errors[f"Summary, row {ROW['financial_year']}, column amount"][0]
    assert message == f"financial_year: the file is for {LAST_YEAR - 1} but was uploaded as {LAST_YEAR}"
    assert saved_versions(app) == 0


def test_year_already_accepted_is_refused_with_409(app, client, treasurer, accept):
    first = post_accounts(client, treasurer, filled_xlsx(), "a.xlsx").get_json()
    assert client.post(f"{URL}/{first['id']}/submit", headers=treasurer,
                       json={"assembly_approved_on": assembly_date(LAST_YEAR).isoformat()}).status_code == 200
    accept(first["id"])

    response = post_accounts(client, treasurer, filled_xlsx(), "again.xlsx")

    errors = refused(response, 409)
    assert errors["year"] == [f"{LAST_YEAR} is already accepted"]
    assert "ask the consortium to reopen" in response.get_json()["detail"]
    assert saved_versions(app) == 1


def test_file_over_the_size_limit_is_refused_naming_file(app, client, treasurer, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNTS_MAX_UPLOAD_BYTES", 2000)
    data = filled_xlsx()
    assert len(data) > 2000

    errors = refused(post_accounts(client, treasurer, data, "accounts.xlsx"))

    assert "the largest accepted is 2,000 bytes" in errors["file"][0]
    assert saved_versions(app) == 0


def test_zip_bomb_disguised_as_xlsx_is_refused_before_decompressing(app, client, treasurer):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000

    errors = refused(post_accounts(client, treasurer, bomb, "accounts.xlsx"))

    assert "possible ZIP bomb" in errors["file"][0]
    assert saved_versions(app) == 0


def test_many_errors_are_all_reported_at_their_cells(app, client, treasurer):
    data = filled_xlsx(amounts={"staff_costs": "=1+1", "share_capital": -1})

    errors = refused(post_accounts(client, treasurer, data, "a.xlsx"))

    assert f"Summary, row {ROW['staff_costs']}, column amount" in errors
    assert f"Summary, row {ROW['share_capital']}, column amount" in errors
    assert saved_versions(app) == 0


# --------------------------------------------------------------------------- CSV


def test_windows_1252_csv_is_accepted_with_an_encoding_note(client, treasurer):
    data = filled_csv(encoding="cp1252", labels={"turnover_other": "Altri ricavi (proventi diversi, €)"})

    response = post_accounts(client, treasurer, data, "bilancio.csv")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["encoding_note"] == "decoded as Windows-1252"
    assert body["file_format"] == "csv" and body["net_profit"] == "28500.50"


def test_utf8_csv_with_bom_is_accepted_without_a_note(client, treasurer):
    response = post_accounts(client, treasurer, b"\xef\xbb\xbf" + filled_csv(), "accounts.csv")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["encoding_note"] is None


def test_semicolon_csv_with_decimal_commas_reads_the_same_figures(client, treasurer):
    response = post_accounts(client, treasurer, filled_csv(delimiter=";", decimal_comma=True), "export.csv")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["figures"]["turnover_private_fees"] == "20000.50"
    assert body["net_profit"] == "28500.50"


def test_csv_error_names_row_and_column(app, client, treasurer):
    data = filled_csv().replace(b"80000.00", b"80k")

    errors = refused(post_accounts(client, treasurer, data, "accounts.csv"))

    assert "'80k' is not an amount; enter a number such as 1234.56" in errors["row 7, column amount"][0]
    assert saved_versions(app) == 0


def test_template_downloads_are_the_blank_template(client, viewer):
    xlsx = client.get(f"{URL}/template.xlsx", headers=viewer, query_string={"year": 2023})
    csv_file = client.get(f"{URL}/template.csv", headers=viewer)

    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert "annual-accounts-2023.xlsx" in xlsx.headers["Content-Disposition"]
    assert csv_file.status_code == 200
    header = csv_file.data.decode("utf-8-sig").splitlines()[0]
    assert header == "section,line_code,label,amount,account_code,debit,credit"
    # An Italian reader's spreadsheet splits fields on ";" (consortium.exports), and the upload reads it back.
    italian = client.get(f"{URL}/template.csv", headers={**viewer, "Accept-Language": "it"})
    assert italian.data.decode("utf-8-sig").splitlines()[0] == header.replace(",", ";")


def test_date_where_an_amount_belongs_is_refused(app, client, treasurer):
    errors = refused(post_accounts(client, treasurer, filled_xlsx(amounts={"staff_costs": date(2024, 1, 1)}),
                                   "a.xlsx"))

    assert "a date or time where an amount belongs" in errors[f"Summary, row {ROW['staff_costs']}, column amount"][0]
    assert saved_versions(app) == 0
