"""No worker's name, customer or invoice line of a co-op reaches a consortium report; exports match the page."""

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest

from consortium.scheduler import run_job
from tests.invoicing.helpers import ISSUE_DAY, make_customer, make_invoice
from tests.reporting.helpers import YEAR

WORKER = "Zebedee Quarterfield"
LINE = "Sterilised gauze for Mrs Ottoline"
CUSTOMER = "Comune di Qwertyville"


@pytest.fixture
def planted(factory, network):
    factory.member(network.a, name=WORKER, category="worker", disadvantaged=True)
    customer = make_customer(factory, network.u, name=CUSTOMER)
    make_invoice(
        factory,
        network.u,
        customer_id=customer,
        lines=[
            {
                "description": LINE,
                "quantity": Decimal("2"),
                "unit": "C62",
                "unit_price": Decimal("10.00"),
                "vat_category": "standard",
            }
        ],
    )
    run_job(factory.app, "reporting.report_figures")  # the co-ops report their aggregates (invoicing included)
    return network


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


@pytest.mark.parametrize("year", [YEAR, ISSUE_DAY.year])
def test_no_planted_name_or_line_in_the_consortium_pdfs_and_xlsx(client, planted, tmp_path, year):
    staff = planted.staff
    annual = client.get(f"/api/v1/consortium/reports/annual?year={year}", headers=staff)
    consolidated = client.get(f"/api/v1/consortium/social-reports/consolidated/pdf?year={year}", headers=staff)
    xlsx = client.get(f"/api/v1/consortium/reports/dashboard/export?year={year}&format=xlsx", headers=staff)
    assert annual.status_code == consolidated.status_code == xlsx.status_code == 200
    texts = [_pdf_text(annual.data, tmp_path), _pdf_text(consolidated.data, tmp_path), _xlsx_text(xlsx.data)]
    for text in texts:
        assert text.strip(), "the document has no text to search"
        for secret in (WORKER, "Quarterfield", LINE, "Ottoline", CUSTOMER, "Qwertyville"):
            assert secret not in text
    assert "Members by stakeholder category" in texts[0]  # the document does report the membership
    if year == ISSUE_DAY.year:  # and U's invoicing, as a total by customer type only
        assert "Invoiced on the platform" in texts[0] and "Local authorities" in texts[0]


def test_csv_export_uses_semicolons_and_decimal_commas_for_italian(client, network):
    response = client.get(
        f"/api/v1/consortium/reports/dashboard/export?year={YEAR}&format=csv&table=revenue",
        headers={**network.staff, "Accept-Language": "it"},
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].count(";") == 3
    assert any(line.endswith(";400000,00;") or "400000,00" in line for line in lines)


def test_csv_without_a_table_names_the_argument(client, network):
    response = client.get(f"/api/v1/consortium/reports/dashboard/export?year={YEAR}&format=csv", headers=network.staff)
    assert response.status_code == 422 and "table" in response.get_json()["errors"]


def test_xlsx_has_a_sheet_per_table_with_the_hand_worked_totals(client, network):
    from openpyxl import load_workbook

    data = client.get(
        f"/api/v1/consortium/reports/dashboard/export?year={YEAR}&format=xlsx", headers=network.staff
    ).data
    book = load_workbook(io.BytesIO(data))
    assert {"members", "accounts", "revenue", "contributions", "purchasing"} <= set(book.sheetnames)
    rows = list(book["contributions"].iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == "EUR" and Decimal(str(rows[0][2])) == Decimal("1155.00")
    assert Decimal(str(rows[0][4])) == Decimal("655.00")
    assert book["contributions"].cell(row=3, column=3).number_format == "#,##0.00"


def test_a_treasurer_cannot_reach_consortium_reports(client, network):
    for url in (
        "/api/v1/consortium/reports/dashboard",
        "/api/v1/consortium/reports/annual",
        "/api/v1/consortium/social-reports/consolidated",
    ):
        assert client.get(f"{url}?year={YEAR}", headers=network.treasurer_a).status_code == 403


def test_coop_dashboard_shows_itself_beside_medians_never_another_coop(client, network):
    response = client.get(f"/api/v1/t/coop-a/reports/dashboard?year={YEAR}", headers=network.treasurer_a)
    assert response.status_code == 200
    d = response.get_json()["figures"]
    assert d["current"]["accounts"]["turnover"] == "125000.00"
    assert d["previous"]["accounts"]["turnover"] == "100000.00"
    # EUR co-ops with accepted accounts: 125,000 / 425,000 / 60,000 -> median 125,000; profits median 10,000
    assert d["medians"] == {
        "coops": 3,
        "currency": "EUR",
        "turnover": "125000.00",
        "net_profit": "10000.00",
        "members": "3.00",
        "training_percent": None,
        "training_hours": "0.0",
    }  # members: A 3, B 3, C 0; no course completed anywhere: each EUR co-op reported 0.0 hours
    text = response.get_data(as_text=True)
    assert "Coop B" not in text and "coop-b" not in text


def test_uk_society_sees_its_ar30_date_and_audit_test(client, factory, network):
    from tests.conftest import token_for

    headers = token_for(client, "treasurer.u@example.test")
    d = client.get(f"/api/v1/t/coop-u/reports/dashboard?year={YEAR + 1}", headers=headers).get_json()["figures"]
    assert d["uk"]["ar30_due"] == f"{YEAR + 2}-07-31"
    assert d["uk"]["audit"]["turnover"] == "200000.00" and d["uk"]["audit"]["turnover_ok"] is True
    assert d["uk"]["audit"]["assets_ok"] is None and d["uk"]["audit"]["eligible"] is None


def test_the_annual_pdf_writes_percentages_in_the_reader_s_convention(client, network, tmp_path):
    import re

    def percentages(language):
        response = client.get(f"/api/v1/consortium/reports/annual?year={YEAR}",
                              headers={**network.staff, "Accept-Language": language})
        assert response.status_code == 200
        return re.findall(r"\d+[.,]\d+%", _pdf_text(response.data, tmp_path))

    english, italian = percentages("en"), percentages("it")
    assert english and all("." in p for p in english)
    assert italian and all("," in p for p in italian)  # "33,3%", never "33.3%"
